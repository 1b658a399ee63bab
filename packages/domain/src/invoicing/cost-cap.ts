// Cost caps (DOMAIN.md "Profitability control"): items flagged "cost cap" are summed; above the cap the
// customer pays the cap instead. Above cap + tolerance ops get a task proposing the next category (1..7);
// beyond category 7 no cap is offered any more and calls are billed per minute.
import { dec, type DecimalInput } from '../money.js';

export const TOP_COST_CAP_CATEGORY = 7;

export interface CostCapOutcome {
  readonly category: number;
  readonly cap: string;
  readonly tolerancePercent: string;
  /** Sum of the flagged items' rounded amounts. */
  readonly flaggedTotal: string;
  /** The flagged items are replaced by the cap. */
  readonly capped: boolean;
  /** flaggedTotal > cap x (1 + tolerance): a task for ops. */
  readonly exceededTolerance: boolean;
  /** The next category, or per-minute billing after the top one; null when within tolerance. */
  readonly proposal: { readonly category: number } | 'per_minute' | null;
}

export function applyCostCap(input: { category: number; cap: DecimalInput; tolerancePercent: DecimalInput; flaggedTotal: DecimalInput }): CostCapOutcome {
  const cap = dec(input.cap);
  const total = dec(input.flaggedTotal);
  const limit = cap.times(dec(100).plus(dec(input.tolerancePercent))).dividedBy(100);
  const exceeded = total.greaterThan(limit);
  return {
    category: input.category,
    cap: cap.toFixed(),
    tolerancePercent: dec(input.tolerancePercent).toFixed(),
    flaggedTotal: total.toFixed(),
    capped: total.greaterThan(cap),
    exceededTolerance: exceeded,
    proposal: !exceeded ? null : input.category >= TOP_COST_CAP_CATEGORY ? 'per_minute' : { category: input.category + 1 },
  };
}
