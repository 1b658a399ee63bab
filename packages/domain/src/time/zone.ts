// UTC-offset tables per IANA zone, built once from luxon, so the hot path turns an instant into local time
// with a binary search instead of a date library call. Outside the table's range, callers fall back.
import { DateTime } from 'luxon';

export interface ZoneTable {
  /** Start instant (epoch ms) of each span of constant offset; spans[0] starts at the table's lower bound. */
  readonly starts: Float64Array;
  /** Offset in minutes of each span. */
  readonly offsets: Int32Array;
  readonly fromMs: number;
  readonly toMs: number;
  /** The span found last: consecutive CDRs mostly fall in the same span, so it is tried first. */
  last: number;
}

const FROM_MS = Date.UTC(1990, 0, 1);
const TO_MS = Date.UTC(2060, 0, 1);
const STEP_MS = 2 * 86_400_000;
const tables = new Map<string, ZoneTable>();

function offsetOf(zone: string, ms: number): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

export function zoneTable(zone: string): ZoneTable {
  let table = tables.get(zone);
  if (table) return table;
  const starts: number[] = [FROM_MS];
  const offsets: number[] = [offsetOf(zone, FROM_MS)];
  let prevMs = FROM_MS;
  let prevOffset = offsets[0]!;
  for (let ms = FROM_MS + STEP_MS; ms <= TO_MS; ms += STEP_MS) {
    const offset = offsetOf(zone, ms);
    if (offset !== prevOffset) {
      // The change lies in (prevMs, ms]: find its exact millisecond.
      let lo = prevMs;
      let hi = ms;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetOf(zone, mid) === prevOffset) lo = mid;
        else hi = mid;
      }
      starts.push(hi);
      offsets.push(offset);
      prevOffset = offset;
    }
    prevMs = ms;
  }
  table = { starts: Float64Array.from(starts), offsets: Int32Array.from(offsets), fromMs: FROM_MS, toMs: TO_MS, last: 0 };
  tables.set(zone, table);
  return table;
}

/** Index of the span containing ms, or -1 outside the table. */
export function spanIndex(table: ZoneTable, ms: number): number {
  if (ms < table.fromMs || ms >= table.toMs) return -1;
  const starts = table.starts;
  const last = table.last;
  if (ms >= starts[last]! && (last + 1 === starts.length || ms < starts[last + 1]!)) return last;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  table.last = lo;
  return lo;
}
