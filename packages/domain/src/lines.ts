import { localDate, localMidnight } from './invoicing/dates.js';

/**
 * When a line may be used, as instants: from the start of its activation day to the start of the day it was
 * closed on (`activeTo` is the first day not active), both in the customer's zone. `activeFrom`/`activeTo`
 * are dates or instants (an instant counts by its local date, as invoicing prorates fees by day).
 */
export type LineActiveWindow = { readonly fromMs: number; readonly toMs: number | null; readonly from: string; readonly to: string | null };

export function lineActiveWindow(line: { readonly activeFrom: string; readonly activeTo: string | null }, timeZone: string): LineActiveWindow {
  const from = localDate(line.activeFrom, timeZone);
  const to = line.activeTo === null ? null : localDate(line.activeTo, timeZone);
  return { from, to, fromMs: Date.parse(localMidnight(from, timeZone)), toMs: to === null ? null : Date.parse(localMidnight(to, timeZone)) };
}

/** Whether a call starting at this instant (epoch ms) falls in the line's active window. */
export function lineActiveAt(window: LineActiveWindow, startMs: number): boolean {
  return startMs >= window.fromMs && (window.toMs === null || startMs < window.toMs);
}
