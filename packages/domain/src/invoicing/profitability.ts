// Profitability control at period close (seed 002): is a flat, a fixed price per handled call or a cost cap
// still worth it at a reference price per minute? If not (beyond a tolerance), ops get a task and the
// customer can be sent an offer with a new price computed here.
import { Decimal, dec, roundToMinorUnit, type DecimalInput } from '../money.js';
import { daysBetween } from './dates.js';

export interface FlatCheck {
  readonly flatPrice: string;
  readonly referencePricePerMinute: string;
  readonly tolerancePercent: string;
  readonly minutes: string;
  /** m x r: what the month's minutes are worth at the reference price. */
  readonly valueAtReference: string;
  /** P x (1 + t). */
  readonly limit: string;
  readonly exceeded: boolean;
  /** m x r rounded down to a multiple of ten (in the customer's favour); set when exceeded. */
  readonly proposedPrice: string | null;
}

/** Rounds down to a multiple of ten: 156.5 -> 150. */
export function roundDownToTen(value: DecimalInput): Decimal {
  return dec(value).dividedBy(10).floor().times(10);
}

/** Flat price P per month, reference r per minute, tolerance t%, m minutes: a task when m x r > P x (1 + t). */
export function checkFlatProfitability(input: { flatPrice: DecimalInput; referencePricePerMinute: DecimalInput; tolerancePercent: DecimalInput; minutes: DecimalInput }): FlatCheck {
  const value = dec(input.minutes).times(dec(input.referencePricePerMinute));
  const limit = dec(input.flatPrice).times(dec(100).plus(dec(input.tolerancePercent))).dividedBy(100);
  const exceeded = value.greaterThan(limit);
  return {
    flatPrice: dec(input.flatPrice).toFixed(),
    referencePricePerMinute: dec(input.referencePricePerMinute).toFixed(),
    tolerancePercent: dec(input.tolerancePercent).toFixed(),
    minutes: dec(input.minutes).toFixed(),
    valueAtReference: value.toFixed(),
    limit: limit.toFixed(),
    exceeded,
    proposedPrice: exceeded ? roundDownToTen(value).toFixed() : null,
  };
}

export interface FixedPricePerCallCheck {
  readonly pricePerCall: string;
  readonly referencePricePerMinute: string;
  readonly tolerancePercent: string;
  readonly calls: number;
  readonly minutes: string;
  /** m / n x r, exact. */
  readonly valueAtReference: string;
  readonly limit: string;
  readonly exceeded: boolean;
  /** m / n x r rounded down to the currency's minor unit (in the customer's favour); set when exceeded. */
  readonly proposedPrice: string | null;
}

/** Fixed price F per handled call, n calls of m minutes: a task when m / n x r > F x (1 + t). */
export function checkFixedPricePerCall(input: {
  pricePerCall: DecimalInput;
  referencePricePerMinute: DecimalInput;
  tolerancePercent: DecimalInput;
  calls: number;
  minutes: DecimalInput;
  currency: string;
}): FixedPricePerCallCheck {
  const value = input.calls > 0 ? dec(input.minutes).dividedBy(input.calls).times(dec(input.referencePricePerMinute)) : dec(0);
  const limit = dec(input.pricePerCall).times(dec(100).plus(dec(input.tolerancePercent))).dividedBy(100);
  const exceeded = value.greaterThan(limit);
  return {
    pricePerCall: dec(input.pricePerCall).toFixed(),
    referencePricePerMinute: dec(input.referencePricePerMinute).toFixed(),
    tolerancePercent: dec(input.tolerancePercent).toFixed(),
    calls: input.calls,
    minutes: dec(input.minutes).toFixed(),
    valueAtReference: value.toFixed(),
    limit: limit.toFixed(),
    exceeded,
    proposedPrice: exceeded ? roundToMinorUnit(value, input.currency, 'down').toFixed() : null,
  };
}

/** An offer unanswered this many days after it was sent gets a follow-up task. */
export const FOLLOW_UP_AFTER_DAYS = 7;

/** Whether an offer sent on `sentOn` (YYYY-MM-DD) and not answered needs its follow-up on `asOf`. */
export function followUpDue(input: { sentOn: string; asOf: string; answered: boolean; afterDays?: number }): boolean {
  return !input.answered && daysBetween(input.sentOn, input.asOf) >= (input.afterDays ?? FOLLOW_UP_AFTER_DAYS);
}
