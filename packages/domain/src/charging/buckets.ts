// The allowance a new call may draw on: what rating last reported left in the line's buckets, carried into
// the current period as rating would carry it, less what the line's open calls already hold.
import type { CatalogueVersion } from '../catalogue/schema.js';
import { openPeriod } from '../rating/period.js';
import type { BucketBalance, LineProfile, RatingState } from '../rating/types.js';
import { parseInstantMs } from '../time/instant.js';

/** The latest remaining units rating reported for a line (cdr.rated bucketDraws[].remainingAfter). */
export interface ReportedBuckets {
  readonly offerId: string;
  readonly periodKey: string;
  /** An instant inside that period (the rated CDR's start). */
  readonly at: string;
  /** Remaining units per basket; baskets not listed are as the period opened them. */
  readonly remaining: Readonly<Record<string, number>>;
}

/**
 * A rating state for pricing a new call at `at`: the period opened for the line (allowances, proration,
 * rollover), with the remaining units rating reported when they are from this period (or rolled forward
 * from an earlier one), less the units held by the line's open calls and its committed calls whose CDR has
 * not been rated yet. Discount counters start from zero: a reservation is priced at the period's first step,
 * the rated CDR charges the exact amount.
 */
export function stateForAuthorization(
  version: CatalogueVersion,
  line: LineProfile,
  at: string | number,
  reported: ReportedBuckets | null,
  held: Readonly<Record<string, number>>,
): RatingState {
  let state = openedPeriod(version, line, typeof at === 'number' ? at : parseInstantMs(at));
  if (reported && reported.offerId === line.offerId) {
    if (reported.periodKey === state.periodKey) state = withRemaining(state, reported.remaining);
    else if (reported.periodKey < state.periodKey) state = openPeriod(version, line, at, withRemaining(openPeriod(version, line, reported.at), reported.remaining));
  }
  const buckets: Record<string, BucketBalance> = {};
  for (const [basket, b] of Object.entries(state.buckets)) buckets[basket] = { ...b, remaining: Math.max(0, b.remaining - (held[basket] ?? 0)) };
  return { ...state, buckets };
}

function withRemaining(state: RatingState, remaining: Readonly<Record<string, number>>): RatingState {
  const buckets: Record<string, BucketBalance> = {};
  for (const [basket, b] of Object.entries(state.buckets)) {
    const reported = remaining[basket];
    buckets[basket] = reported === undefined ? b : { ...b, remaining: reported };
  }
  return { ...state, buckets };
}

/**
 * The period opened for a line at an instant, remembered per catalogue version and line terms: opening one
 * reads calendars in the customer's zone (slow next to a credit decision), and every call of a line in a
 * period opens the same one. States are never mutated, so sharing them is safe.
 */
const opened = new WeakMap<CatalogueVersion, Map<string, RatingState[]>>();
const MAX_LINES_REMEMBERED = 50_000;

function openedPeriod(version: CatalogueVersion, line: LineProfile, atMs: number): RatingState {
  if (Number.isNaN(atMs)) return openPeriod(version, line, atMs);
  let byLine = opened.get(version);
  if (!byLine) opened.set(version, (byLine = new Map()));
  const key = `${line.offerId}|${line.subscriptionStart}|${line.timeZone}|${line.cycleAnchorDay}`;
  let states = byLine.get(key);
  const hit = states?.find((s) => s.periodStartMs <= atMs && atMs < s.periodEndMs);
  if (hit) return hit;
  const state = openPeriod(version, line, atMs);
  if (!states) {
    if (byLine.size >= MAX_LINES_REMEMBERED) byLine.clear();
    byLine.set(key, (states = []));
  }
  states.push(state);
  if (states.length > 3) states.shift();
  return state;
}
