// Free credit of a package (seed 004): a money allowance per cycle that pays for usage. "reset" credit lapses
// at renewal; "keep" credit carries its unused part into the next cycle. Granted like allowances: prorated by
// days active and rounded down (to the minor unit).
import { Decimal, dec, roundToMinorUnit, type DecimalInput } from '../money.js';

export interface FreeCreditGrant {
  readonly offerId: string;
  readonly amount: string;
  readonly renewal: 'reset' | 'keep';
}

export interface FreeCreditOutcome {
  /** Granted this cycle (reset + keep). */
  readonly granted: string;
  /** Kept credit carried in from the previous cycle. */
  readonly carriedIn: string;
  readonly used: string;
  /** Kept credit left for the next cycle. */
  readonly carriedOut: string;
  /** Reset credit left unused: it lapses. */
  readonly lapsed: string;
}

/** A package's credit for a cycle: amount x days active / days in cycle, rounded down to the minor unit. */
export function proratedFreeCredit(amount: DecimalInput, activeDays: number, cycleDays: number, currency: string): Decimal {
  return roundToMinorUnit(dec(amount).times(activeDays).dividedBy(cycleDays), currency, 'down');
}

/** Uses reset credit first (it would lapse), then kept credit; never more than the charges it pays for. */
export function applyFreeCredit(input: { grants: readonly FreeCreditGrant[]; carriedIn: DecimalInput; charges: DecimalInput }): FreeCreditOutcome {
  let reset = new Decimal(0);
  let keep = dec(input.carriedIn);
  let granted = new Decimal(0);
  for (const g of input.grants) {
    granted = granted.plus(dec(g.amount));
    if (g.renewal === 'keep') keep = keep.plus(dec(g.amount));
    else reset = reset.plus(dec(g.amount));
  }
  const charges = Decimal.max(0, dec(input.charges));
  const fromReset = Decimal.min(reset, charges);
  const fromKeep = Decimal.min(keep, charges.minus(fromReset));
  return {
    granted: granted.toFixed(),
    carriedIn: dec(input.carriedIn).toFixed(),
    used: fromReset.plus(fromKeep).toFixed(),
    carriedOut: keep.minus(fromKeep).toFixed(),
    lapsed: reset.minus(fromReset).toFixed(),
  };
}
