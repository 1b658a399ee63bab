// The allowance a new call may draw on: what rating last reported left in the line's buckets, carried into
// the current period as rating would carry it, less what the line's open calls already hold.
import type { CatalogueVersion } from '../catalogue/schema.js';
import { openPeriod } from '../rating/period.js';
import type { BucketBalance, LineProfile, RatingState } from '../rating/types.js';

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
  let state = openPeriod(version, line, at);
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
