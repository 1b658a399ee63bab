import { DateTime, IANAZone } from 'luxon';
import { refused } from '../http/errors.js';

/** A change asked for "now" may carry a client clock a little behind ours. */
export const CLOCK_SKEW_MS = 60_000;
/** Changes are scheduled at most this far ahead (a year and a day: next year's renewal date fits). */
export const MAX_AHEAD_MS = 366 * 86_400_000;

/**
 * The instant a change takes effect: absent = now; an ISO instant with offset; or a calendar date, meaning
 * its first moment in the customer's zone. Never in the past: CDRs already rated under the old package
 * would disagree with the line's history (re-pricing the past is a replay, not a provisioning change).
 */
export function effectiveInstant(input: string | undefined, now: Date, timeZone: string, opts: { allowPast?: boolean } = {}): Date {
  if (input === undefined) return now;
  let at: Date;
  if (/^\d{4}-\d{2}-\d{2}$/.test(input)) {
    if (!IANAZone.isValidZone(timeZone)) throw refused('unknown_time_zone', `time zone ${timeZone} is unknown`);
    const local = DateTime.fromISO(input, { zone: timeZone });
    if (!local.isValid) throw refused('invalid_effective_from', `effectiveFrom ${input} is not a calendar date`);
    at = local.toJSDate();
  } else {
    const ms = Date.parse(input);
    if (!/(Z|[+-]\d{2}:\d{2})$/.test(input) || Number.isNaN(ms)) {
      throw refused('invalid_effective_from', `effectiveFrom ${JSON.stringify(input)} must be a date YYYY-MM-DD or an ISO-8601 instant with an offset`);
    }
    at = new Date(ms);
  }
  if (opts.allowPast) return at;
  if (at.getTime() < now.getTime() - CLOCK_SKEW_MS) {
    throw refused('effective_date_in_past', `effectiveFrom ${input} is in the past; a change takes effect now or later (re-pricing the past is a replay)`);
  }
  if (at.getTime() > now.getTime() + MAX_AHEAD_MS) throw refused('effective_date_too_far', `effectiveFrom ${input} is more than a year ahead`);
  // A moment in the skew window counts as now: the history never starts a period before the request.
  return at.getTime() < now.getTime() ? now : at;
}

/** The calendar date (YYYY-MM-DD) of an instant in the customer's zone. */
export function localDate(at: Date | string, timeZone: string): string {
  const d = typeof at === 'string' ? DateTime.fromISO(at, { setZone: true }) : DateTime.fromJSDate(at);
  return d.setZone(timeZone).toISODate()!;
}
