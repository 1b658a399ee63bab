// Discount steps over a quantity (minutes, units or spend): graduated (tiered) or volume (bulk).
import { Decimal, dec, type DecimalInput } from '../money.js';

export interface DiscountStepSpec {
  /** Quantity from which the step applies. */
  readonly threshold: DecimalInput;
  /** Percentage of the quantity's value in the step (exclusive with amount). */
  readonly percentage?: DecimalInput;
  /** Fixed amount granted once the step is reached (exclusive with percentage). */
  readonly amount?: DecimalInput;
}

function checkSteps(steps: readonly DiscountStepSpec[]): void {
  let previous: Decimal | undefined;
  for (const s of steps) {
    if ((s.percentage === undefined) === (s.amount === undefined)) throw new RangeError('a discount step is either a percentage or an amount, never both');
    const t = dec(s.threshold);
    if (previous && !t.greaterThan(previous)) throw new RangeError('discount step thresholds must increase');
    previous = t;
  }
}

/**
 * Tiered (graduated): each band's part of the quantity gets its own band's percentage; an amount step grants
 * its amount once the quantity reaches it. Steps 0-100: 0%, 100-200: 5%, 200+: 10%, spend 250 -> 0 + 5 + 5 = 10.
 */
export function applyTieredDiscount(quantity: DecimalInput, steps: readonly DiscountStepSpec[]): Decimal {
  checkSteps(steps);
  const q = dec(quantity);
  let discount = new Decimal(0);
  steps.forEach((step, i) => {
    const from = dec(step.threshold);
    if (step.amount !== undefined) {
      if (q.greaterThanOrEqualTo(from)) discount = discount.plus(dec(step.amount));
      return;
    }
    if (!q.greaterThan(from)) return;
    const next = steps[i + 1];
    const to = next ? Decimal.min(q, dec(next.threshold)) : q;
    discount = discount.plus(to.minus(from).times(dec(step.percentage!)).dividedBy(100));
  });
  return discount;
}

/**
 * Volume (bulk): the whole quantity gets the highest step reached. Same steps, spend 250 -> 10% of 250 = 25.
 */
export function applyVolumeDiscount(quantity: DecimalInput, steps: readonly DiscountStepSpec[]): Decimal {
  checkSteps(steps);
  const q = dec(quantity);
  let reached: DiscountStepSpec | undefined;
  for (const step of steps) if (q.greaterThanOrEqualTo(dec(step.threshold))) reached = step;
  if (!reached) return new Decimal(0);
  return reached.percentage !== undefined ? q.times(dec(reached.percentage)).dividedBy(100) : dec(reached.amount!);
}
