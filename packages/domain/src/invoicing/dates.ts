// Calendar dates (YYYY-MM-DD, in the customer's zone) as day counts: billing cycles, proration, dunning and
// discount periods all count whole days, so they work on dates, never on instants.
import { DateTime, IANAZone } from 'luxon';
import { civilFromDays, daysFromCivil, daysInMonth, formatIsoDate, parseIsoDateDays } from '../time/instant.js';

export { civilFromDays, daysFromCivil, daysInMonth };

/** Days since 1970-01-01 of a YYYY-MM-DD date; throws a RangeError naming the text when it is not one. */
export function dateDays(text: string): number {
  const days = parseIsoDateDays(text);
  if (Number.isNaN(days)) throw new RangeError(`not a date YYYY-MM-DD: ${JSON.stringify(text)}`);
  return days;
}

export function formatDate(days: number): string {
  return formatIsoDate(days);
}

export function addDays(date: string, days: number): string {
  return formatDate(dateDays(date) + days);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dateDays(to) - dateDays(from);
}

/**
 * The customer's calendar date of an instant or a date: "2026-10-05" stays as it is, an ISO instant with an
 * offset is read in `timeZone` (a call at 23:30 UTC on the 31st is on the 1st in Rome).
 */
export function localDate(value: string, timeZone: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    dateDays(value);
    return value;
  }
  if (!IANAZone.isValidZone(timeZone)) throw new RangeError(`unknown time zone ${timeZone}`);
  const t = DateTime.fromISO(value, { setZone: true });
  if (!t.isValid) throw new RangeError(`not an ISO-8601 date or instant: ${JSON.stringify(value)}`);
  return t.setZone(timeZone).toISODate()!;
}

/** The instant (ISO, with the zone's offset) a local date begins in a zone. */
export function localMidnight(date: string, timeZone: string): string {
  const { year, month, day } = civilFromDays(dateDays(date));
  return DateTime.fromObject({ year, month, day }, { zone: timeZone }).toISO({ suppressMilliseconds: true })!;
}

/** Adds calendar months to a date, keeping the day or falling on the month's last day. */
export function addMonths(date: string, months: number): string {
  const { year, month, day } = civilFromDays(dateDays(date));
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return formatDate(daysFromCivil(y, m, Math.min(day, daysInMonth(y, m))));
}

/** Days two half-open ranges [from, to) have in common (dates as day counts; to = null is open-ended). */
export function overlapDays(aFrom: number, aTo: number | null, bFrom: number, bTo: number | null): number {
  const from = Math.max(aFrom, bFrom);
  const to = Math.min(aTo ?? Number.POSITIVE_INFINITY, bTo ?? Number.POSITIVE_INFINITY);
  return Number.isFinite(to) ? Math.max(0, to - from) : Number.POSITIVE_INFINITY;
}
