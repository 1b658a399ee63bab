import { IANAZone, type Zone } from 'luxon';

/**
 * A switch's time zone, checked when the parser is set up: a wrong zone is a configuration error and stops
 * the caller at once, rather than turning every record of a file into a rejection.
 */
export function switchTimeZone(name: string): IANAZone {
  const zone = IANAZone.create(name);
  if (!zone.isValid) throw new RangeError(`unknown IANA time zone "${name}" (expected e.g. Europe/Rome or UTC)`);
  return zone;
}

/*
 * Offsets are cached per zone and UTC quarter-hour: Intl-backed lookups cost ~20 us each, and a CDR file asks
 * for the same few hours again and again. Offset changes since 1970 all fall on quarter-hours in UTC.
 */
const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED_OFFSETS = 200_000;
const offsetCache = new WeakMap<Zone, Map<number, number>>();

/** The zone's UTC offset in minutes at the instant. */
export function offsetAt(zone: Zone, epochMs: number): number {
  if (zone.isUniversal) return zone.offset(epochMs);
  let cache = offsetCache.get(zone);
  if (!cache) offsetCache.set(zone, (cache = new Map()));
  const key = Math.floor(epochMs / QUARTER_HOUR_MS);
  let offset = cache.get(key);
  if (offset === undefined) {
    if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
    offset = zone.offset(epochMs);
    cache.set(key, offset);
  }
  return offset;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Epoch milliseconds as ISO-8601 with the zone's offset at that instant; 'Z' for UTC itself. */
export function isoInZone(epochMs: number, zone: Zone): string {
  if (isAlwaysUtc(zone, epochMs)) return isoUtc(epochMs);
  const offset = offsetAt(zone, epochMs);
  const local = new Date(epochMs + offset * 60_000).toISOString(); // the wall clock, written as if UTC
  const wall = local.endsWith('.000Z') ? local.slice(0, 19) : local.slice(0, 23);
  return `${wall}${formatOffset(offset)}`;
}

/** UTC, Etc/UTC, GMT and the like: offset 0 all year (Europe/London in winter is written +00:00). */
function isAlwaysUtc(zone: Zone, epochMs: number): boolean {
  if (offsetAt(zone, epochMs) !== 0) return false;
  const year = new Date(epochMs).getUTCFullYear();
  return offsetAt(zone, Date.UTC(year, 0, 1)) === 0 && offsetAt(zone, Date.UTC(year, 6, 1)) === 0;
}

/** Epoch milliseconds as ISO-8601 in UTC with 'Z'. */
export function isoUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('.000Z', 'Z');
}

export type WallTime = { year: number; month: number; day: number; hour: number; minute: number; second: number; millisecond?: number };

/** `2026-10-05 10:00:00` (Asterisk's `%Y-%m-%d %T`), also with a `T`; null when not that shape or not a real date. */
export function parseWallTime(text: string): WallTime | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return isRealWallTime({ year, month, day, hour, minute, second }) ? { year, month, day, hour, minute, second } : null;
}

export function isRealWallTime(w: WallTime): boolean {
  const ms = wallAsUtc(w);
  const d = new Date(ms);
  return (
    w.year >= 1970 &&
    d.getUTCFullYear() === w.year &&
    d.getUTCMonth() + 1 === w.month &&
    d.getUTCDate() === w.day &&
    d.getUTCHours() === w.hour &&
    d.getUTCMinutes() === w.minute &&
    d.getUTCSeconds() === w.second
  );
}

function wallAsUtc(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond ?? 0);
}

const DAY_MS = 86_400_000;

/**
 * Every instant at which the zone's clocks showed this wall time, earliest first: one normally, two in the
 * autumn hour that repeats, none in the spring hour that is skipped. Computed from the zone's offsets
 * rather than left to a library's guess, so the caller can choose with the record's other fields.
 */
export function wallTimeInstants(w: WallTime, zone: Zone): number[] {
  const asUtc = wallAsUtc(w);
  const offsets = new Set([offsetAt(zone, asUtc - DAY_MS), offsetAt(zone, asUtc), offsetAt(zone, asUtc + DAY_MS)]);
  const instants = new Set<number>();
  for (const offsetMinutes of offsets) {
    const instant = asUtc - offsetMinutes * 60_000;
    if (offsetAt(zone, instant) === offsetMinutes) instants.add(instant);
  }
  return [...instants].sort((a, b) => a - b);
}

/** The candidates of a call's local times, and what the record says about the gaps between them. */
export type CallTimeCandidates = {
  start: number[];
  answer: number[] | null;
  end: number[] | null;
  /** Seconds from start to end as the switch counted them (Asterisk duration). */
  durationSeconds?: number;
  /** Seconds from answer to end as the switch counted them (billsec). */
  billSeconds?: number;
};

export type ResolvedCallTimes = { start: number; answer: number | null; end: number | null; ordered: boolean };

/**
 * Picks one instant for each local time of a call. Only the repeated autumn hour offers a choice; the switch's
 * own duration and billsec decide it (a call from 02:50 to 02:10 that lasted 20 minutes crossed the change).
 * When they cannot tell (every time inside the repeated hour), the first occurrence, summer time, is taken.
 * `ordered` is false when no choice puts start <= answer <= end.
 */
export function resolveCallTimes(c: CallTimeCandidates): ResolvedCallTimes {
  let best: { start: number; answer: number | null; end: number | null; score: number } | null = null;
  for (const start of c.start) {
    for (const answer of c.answer ?? [null]) {
      for (const end of c.end ?? [null]) {
        if (answer !== null && answer < start) continue;
        if (end !== null && end < (answer ?? start)) continue;
        let score = 0;
        if (end !== null && c.durationSeconds !== undefined) score += Math.abs((end - start) / 1000 - c.durationSeconds);
        if (end !== null && answer !== null && c.billSeconds !== undefined) score += Math.abs((end - answer) / 1000 - c.billSeconds);
        // Candidates are tried earliest first, so on equal scores the first occurrence stays.
        if (best === null || score < best.score) best = { start, answer, end, score };
      }
    }
  }
  if (best) return { start: best.start, answer: best.answer, end: best.end, ordered: true };
  return { start: c.start[0] ?? Number.NaN, answer: c.answer?.[0] ?? null, end: c.end?.[0] ?? null, ordered: false };
}
