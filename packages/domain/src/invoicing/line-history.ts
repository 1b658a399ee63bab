// Which offer a line had on which day: the history invoicing prorates fees from. Offer changes arrive as new
// account states on account.events (a line's offerId, activeFrom or activeTo changes); each state is folded
// into the line's segments so that an upgrade or downgrade mid-cycle ends one segment and starts the next,
// and nothing earlier is lost.
import { dateDays, localDate } from './dates.js';

/** A line on one offer from `from` (inclusive) to `to` (exclusive; null while it lasts), dates in the customer's zone. */
export interface LineOfferSegment {
  readonly lineId: string;
  readonly offerId: string;
  readonly from: string;
  readonly to: string | null;
}

export interface LineStateForHistory {
  readonly lineId: string;
  readonly offerId: string;
  /** When the line started on its current offer (a date, or an instant read in the customer's zone). */
  readonly activeFrom: string;
  /** The first day the line is no longer active (exclusive), or null. */
  readonly activeTo: string | null;
  /**
   * The line's offers over time when provisioning publishes them (instants; `to` exclusive, null while open).
   * When present they are the whole truth for the line and replace what earlier states built.
   */
  readonly offerPeriods?: readonly { readonly offerId: string; readonly from: string; readonly to: string | null }[];
}

/** A line's segments from its published offer periods: dates in the customer's zone, same-offer neighbours merged. */
function segmentsFromPeriods(line: LineStateForHistory, timeZone: string): LineOfferSegment[] {
  const out: LineOfferSegment[] = [];
  const end = line.activeTo === null ? null : localDate(line.activeTo, timeZone);
  for (const p of [...line.offerPeriods!].sort((a, b) => a.from.localeCompare(b.from))) {
    const from = localDate(p.from, timeZone);
    let to = p.to === null ? null : localDate(p.to, timeZone);
    if (end !== null && (to === null || to > end)) to = end;
    if (to !== null && to <= from) continue;
    const last = out[out.length - 1];
    if (last && last.offerId === p.offerId && last.to === from) out[out.length - 1] = { ...last, to };
    else out.push({ lineId: line.lineId, offerId: p.offerId, from, to });
  }
  return out;
}

/**
 * Folds one account state into the account's segments (returns the new list; the input is not changed).
 * - A new line starts a segment at its activeFrom.
 * - The same offer: the line's end follows activeTo (and a line's only segment follows a corrected activeFrom).
 * - Another offer: the change takes effect on the new activeFrom when it moved forward, else on the day of
 *   the state (`at` in the customer's zone); the old segment ends that day and the new one starts. A change
 *   effective on or before the old segment's start replaces it (that offer was never used).
 * - A line missing from the state ends on the day of the state.
 * - A line that carries its offer periods (provisioning's history) is taken from them as they are.
 * Folding the same state twice changes nothing.
 */
export function foldAccountState(
  segments: readonly LineOfferSegment[],
  state: { readonly at: string; readonly timeZone: string; readonly lines: readonly LineStateForHistory[] },
): LineOfferSegment[] {
  const stateDay = localDate(state.at, state.timeZone);
  const byLine = new Map<string, LineOfferSegment[]>();
  for (const s of segments) {
    const list = byLine.get(s.lineId) ?? [];
    list.push({ ...s });
    byLine.set(s.lineId, list);
  }
  for (const list of byLine.values()) list.sort((a, b) => a.from.localeCompare(b.from));

  const seen = new Set<string>();
  for (const line of state.lines) {
    seen.add(line.lineId);
    const from = localDate(line.activeFrom, state.timeZone);
    const to = line.activeTo === null ? null : localDate(line.activeTo, state.timeZone);
    if (to !== null && dateDays(to) < dateDays(from)) throw new RangeError(`line ${line.lineId}: activeTo ${to} is before activeFrom ${from}`);
    if (line.offerPeriods && line.offerPeriods.length > 0) {
      byLine.set(line.lineId, segmentsFromPeriods(line, state.timeZone));
      continue;
    }
    const list = byLine.get(line.lineId) ?? [];
    byLine.set(line.lineId, list);
    const last = list[list.length - 1];
    if (!last) {
      list.push({ lineId: line.lineId, offerId: line.offerId, from, to });
      continue;
    }
    if (last.offerId === line.offerId) {
      list[list.length - 1] = { ...last, from: list.length === 1 ? from : last.from, to };
      continue;
    }
    const effective = from > last.from ? from : stateDay;
    if (effective <= last.from) {
      list[list.length - 1] = { ...last, offerId: line.offerId, to };
      continue;
    }
    list[list.length - 1] = { ...last, to: last.to !== null && last.to < effective ? last.to : effective };
    list.push({ lineId: line.lineId, offerId: line.offerId, from: effective, to });
  }
  for (const [lineId, list] of byLine) {
    if (seen.has(lineId)) continue;
    const last = list[list.length - 1];
    if (last && (last.to === null || last.to > stateDay)) list[list.length - 1] = { ...last, to: stateDay > last.from ? stateDay : last.from };
  }
  return [...byLine.values()].flat().sort((a, b) => (a.lineId === b.lineId ? a.from.localeCompare(b.from) : a.lineId.localeCompare(b.lineId)));
}
