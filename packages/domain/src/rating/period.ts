// Billing periods (monthly cycles at an anchor day, read in the customer's zone) and opening a line's
// state for a period: allowances reset or rolled over, prorated for a mid-cycle start.
import { DateTime, IANAZone } from 'luxon';
import type { Basket, CatalogueVersion, Offer } from '../catalogue/schema.js';
import { offerById } from '../catalogue/lookup.js';
import { civilFromDays, daysFromCivil, daysInMonth, formatIsoDate, parseInstantMs, parseIsoDateDays } from '../time/instant.js';
import type { BucketBalance, DiscountUsage, LineProfile, RatingState } from './types.js';

export interface Cycle {
  /** First day, days since 1970-01-01. */
  readonly startDays: number;
  /** First day after the cycle. */
  readonly endDays: number;
}

/** The anchor day of a month: 29-31 fall on the month's last day when the month is shorter. */
export function anchorDayIn(year: number, month: number, anchorDay: number): number {
  const last = daysInMonth(year, month);
  return anchorDay > last ? last : anchorDay;
}

/** The monthly cycle containing a local date (given as days since the epoch). */
export function cycleContaining(localDays: number, anchorDay: number): Cycle {
  const { year, month, day } = civilFromDays(localDays);
  let y = year;
  let m = month;
  if (day < anchorDayIn(year, month, anchorDay)) {
    m -= 1;
    if (m === 0) {
      m = 12;
      y -= 1;
    }
  }
  const startDays = daysFromCivil(y, m, anchorDayIn(y, m, anchorDay));
  const ny = m === 12 ? y + 1 : y;
  const nm = m === 12 ? 1 : m + 1;
  return { startDays, endDays: daysFromCivil(ny, nm, anchorDayIn(ny, nm, anchorDay)) };
}

/** Days since the epoch of the local date of an instant in a zone. */
export function localDaysOf(epochMs: number, timeZone: string): number {
  const local = DateTime.fromMillis(epochMs, { zone: timeZone });
  return daysFromCivil(local.year, local.month, local.day);
}

/** The instant a local date begins in a zone (the first existing minute if midnight is skipped). */
export function localMidnightMs(days: number, timeZone: string): number {
  const { year, month, day } = civilFromDays(days);
  return DateTime.fromObject({ year, month, day }, { zone: timeZone }).toMillis();
}

export interface Period {
  readonly periodKey: string;
  readonly periodEnd: string;
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  readonly cycle: Cycle;
}

const validZones = new Map<string, boolean>();
/** luxon checks a zone by building an Intl formatter each time: remember the answer per zone. */
function isValidZone(zone: string): boolean {
  let valid = validZones.get(zone);
  if (valid === undefined) validZones.set(zone, (valid = IANAZone.isValidZone(zone)));
  return valid;
}

/**
 * Every zone's UTC offset is a whole number of quarter hours, so a local midnight (and so a period
 * boundary) always falls on a quarter hour in UTC: within one UTC quarter hour the period is the same.
 */
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const periodCache = new Map<string, Period>();
const PERIOD_CACHE_LIMIT = 50_000;

/** The period of a line containing an instant (ISO-8601 with offset, or epoch ms). */
export function periodAt(line: Pick<LineProfile, 'timeZone' | 'cycleAnchorDay'>, at: string | number): Period {
  const ms = typeof at === 'number' ? at : parseInstantMs(at);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 instant with offset: ${String(at)}`);
  if (!isValidZone(line.timeZone)) throw new RangeError(`unknown time zone ${line.timeZone}`);
  const key = `${line.timeZone}|${line.cycleAnchorDay}|${Math.floor(ms / QUARTER_HOUR_MS)}`;
  let period = periodCache.get(key);
  if (!period) {
    if (periodCache.size >= PERIOD_CACHE_LIMIT) periodCache.clear();
    period = periodOfCycle(line, cycleContaining(localDaysOf(ms, line.timeZone), line.cycleAnchorDay));
    periodCache.set(key, period);
  }
  return period;
}

function periodOfCycle(line: Pick<LineProfile, 'timeZone'>, cycle: Cycle): Period {
  return {
    periodKey: formatIsoDate(cycle.startDays),
    periodEnd: formatIsoDate(cycle.endDays),
    periodStartMs: localMidnightMs(cycle.startDays, line.timeZone),
    periodEndMs: localMidnightMs(cycle.endDays, line.timeZone),
    cycle,
  };
}

/** Units a basket's allowance stands for in a state: voice allowances are minutes, counted in seconds. */
export function basketUnitScale(basket: Basket): number {
  return basket.service === 'voice' ? 60 : 1;
}

/**
 * A basket's allowance for a cycle, prorated by days active when the subscription starts inside it and
 * rounded down to whole units of the allowance (whole minutes for voice): days active / days in cycle x allowance.
 */
export function proratedAllowance(basket: Basket, cycle: Cycle, subscriptionStartDays: number): number {
  const length = cycle.endDays - cycle.startDays;
  const from = Math.max(cycle.startDays, subscriptionStartDays);
  const active = Math.min(length, Math.max(0, cycle.endDays - from));
  return Math.floor((basket.allowance * active) / length);
}

const MAX_ROLLED_PERIODS = 1200;

/**
 * Opens the state of the period containing `at` for a line. With the state of an earlier period of the same
 * offer, rollover baskets carry their unused units (through any periods with no usage in between, up to each
 * basket's rolloverCap); reset baskets and discount counters start afresh.
 */
export function openPeriod(version: CatalogueVersion, line: LineProfile, at: string | number, previous?: RatingState | null): RatingState {
  const offer = offerById(version, line.offerId);
  if (!offer) throw new RangeError(`unknown offer ${line.offerId}`);
  const period = periodAt(line, at);
  const subscriptionStartDays = parseIsoDateDays(line.subscriptionStart);
  if (Number.isNaN(subscriptionStartDays)) throw new RangeError(`subscriptionStart must be YYYY-MM-DD, got ${line.subscriptionStart}`);

  let carried: Record<string, number> = {};
  if (previous && previous.offerId === offer.id && previous.periodKey < period.periodKey) {
    // Walk forward period by period from the previous state's, as in-order processing would have.
    let cycle = cycleContaining(parseIsoDateDays(previous.periodKey), line.cycleAnchorDay);
    let remaining: Record<string, number> = {};
    for (const b of offer.baskets) remaining[b.id] = previous.buckets[b.id]?.remaining ?? 0;
    for (let steps = 0; steps < MAX_ROLLED_PERIODS; steps++) {
      cycle = cycleContaining(cycle.endDays, line.cycleAnchorDay);
      const next: Record<string, number> = {};
      carried = {};
      for (const b of offer.baskets) {
        const { carry, total } = renew(b, proratedAllowance(b, cycle, subscriptionStartDays) * basketUnitScale(b), remaining[b.id] ?? 0);
        carried[b.id] = carry;
        next[b.id] = total;
      }
      remaining = next;
      if (cycle.startDays >= period.cycle.startDays) break;
    }
  }

  const buckets: Record<string, BucketBalance> = {};
  for (const b of offer.baskets) {
    const allowance = proratedAllowance(b, period.cycle, subscriptionStartDays) * basketUnitScale(b);
    const carry = carried[b.id] ?? 0;
    buckets[b.id] = { allowance, carried: carry, remaining: allowance + carry };
  }
  const usage: Record<string, DiscountUsage> = {};
  for (const id of offer.discounts) usage[id] = { units: 0, spendMicros: 0 };
  return {
    v: 1,
    offerId: offer.id,
    periodKey: period.periodKey,
    periodEnd: period.periodEnd,
    periodStartMs: period.periodStartMs,
    periodEndMs: period.periodEndMs,
    buckets,
    usage,
  };
}

/** Units carried into a new cycle and the resulting balance: reset drops leftovers, rollover keeps them up to the cap. */
function renew(basket: Basket, allowanceUnits: number, leftover: number): { carry: number; total: number } {
  if (basket.renewal !== 'rollover') return { carry: 0, total: allowanceUnits };
  const cap = basket.rolloverCap === undefined ? Number.POSITIVE_INFINITY : basket.rolloverCap * basketUnitScale(basket);
  const carry = Math.max(0, Math.min(leftover, cap - allowanceUnits));
  return { carry, total: allowanceUnits + carry };
}

/** The offer a state was opened for still has these baskets (used to validate states read back from storage). */
export function stateMatchesOffer(state: RatingState, offer: Offer): boolean {
  return state.offerId === offer.id && offer.baskets.every((b) => state.buckets[b.id] !== undefined);
}
