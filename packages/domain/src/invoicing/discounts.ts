// Billing-time discounts (DOMAIN.md "Discounts"): computed when the invoice is built, over the cycle's usage
// and fees, each shown as its own line. Steps and thresholds (tiered or volume), cross-product, bonus units
// earned in an earlier period, fixed amounts per discount period, and pre-itemisation, which re-prices each
// event instead of adding a line. Rating-time discounts are the rating engine's (packages/domain/src/discounts).
import { applyTieredDiscount, applyVolumeDiscount, type DiscountStepSpec } from '../discounts/steps.js';
import { Decimal, dec, formatPrecise, roundAmount, sumAmounts } from '../money.js';
import type { BillingCycle } from './cycle.js';
import { addMonths, dateDays, formatDate, overlapDays } from './dates.js';
import type { Basis, BillingDiscount, DiscountPeriod, DiscountGrant, Scope, StepsDiscount } from './config.js';
import type { ChargeType } from './usage.js';

/** One priced piece of usage as discounts see it (an event split into its included and overage pieces). */
export interface DiscountItem {
  readonly ratedId: string;
  readonly service: string;
  readonly destination: string;
  readonly chargeType: ChargeType;
  readonly startTime: string;
  /** The customer's date of the start (YYYY-MM-DD). */
  readonly date: string;
  readonly units: number;
  /** The piece's rounded retail amount. */
  readonly amount: string;
}

/** A fee line as discounts see it. */
export interface DiscountFee {
  readonly amount: string;
  /** The day the fee's period starts (or the setup day). */
  readonly date: string;
}

export interface DiscountContext {
  readonly cycle: BillingCycle;
  /** Days the account had a line active in the cycle, as ranges [from, to) (to null: open). */
  readonly serviceRanges: readonly { readonly from: string; readonly to: string | null }[];
  /** Bonus programs: the quantity of the earning basis in the lookback window, per discount id. */
  readonly bonusEarned?: Readonly<Record<string, string>>;
}

export interface DiscountAmount {
  readonly discountId: string;
  readonly name: string;
  /** The discount, positive, exact. */
  readonly precise: Decimal;
}

function inScope(item: DiscountItem, scope: Scope): boolean {
  if (!scope.usage) return false;
  if (scope.services && !scope.services.includes(item.service as never)) return false;
  if (scope.destinations && !scope.destinations.includes(item.destination)) return false;
  if (scope.chargeTypes && !scope.chargeTypes.includes(item.chargeType)) return false;
  return true;
}

function valid(discount: BillingDiscount, date: string): boolean {
  return (discount.validFrom === undefined || date >= discount.validFrom) && (discount.validTo === undefined || date < discount.validTo);
}

/** Units of an item in its own measure: minutes for voice, units otherwise. */
function measureUnits(item: DiscountItem): Decimal {
  return item.service === 'voice' ? dec(item.units).dividedBy(60) : dec(item.units);
}

/** The item's contribution to a basis; `firstOfEvent` makes calls count each event once. */
function basisOf(item: DiscountItem, basis: Basis, firstOfEvent: boolean): Decimal {
  switch (basis) {
    case 'spend':
      return dec(item.amount);
    case 'minutes':
      return item.service === 'voice' ? dec(item.units).dividedBy(60) : dec(0);
    case 'units':
      return dec(item.units);
    case 'calls':
      return firstOfEvent && item.units > 0 ? dec(1) : dec(0);
  }
}

function sortItems(items: readonly DiscountItem[]): DiscountItem[] {
  const order: Record<ChargeType, number> = { included: 0, overage: 1, payg: 2, cug: 3 };
  return [...items].sort((a, b) => a.startTime.localeCompare(b.startTime) || a.ratedId.localeCompare(b.ratedId) || order[a.chargeType] - order[b.chargeType]);
}

interface Selection {
  readonly items: DiscountItem[];
  readonly fees: DiscountFee[];
}

function select(discount: BillingDiscount, scope: Scope, items: readonly DiscountItem[], fees: readonly DiscountFee[], window?: { from: number; to: number }): Selection {
  const inWindow = (date: string) => !window || (dateDays(date) >= window.from && dateDays(date) < window.to);
  return {
    items: sortItems(items.filter((i) => inScope(i, scope) && valid(discount, i.date) && inWindow(i.date))),
    fees: scope.fees ? fees.filter((f) => valid(discount, f.date) && inWindow(f.date)) : [],
  };
}

function total(sel: Selection): Decimal {
  return sumAmounts([...sel.items.map((i) => i.amount), ...sel.fees.map((f) => f.amount)]);
}

function quantity(sel: Selection, basis: Basis): Decimal {
  const seen = new Set<string>();
  let q = new Decimal(0);
  for (const i of sel.items) {
    q = q.plus(basisOf(i, basis, !seen.has(i.ratedId)));
    seen.add(i.ratedId);
  }
  if (basis === 'spend') for (const f of sel.fees) q = q.plus(dec(f.amount));
  return q;
}

/** The windows a discount period cuts a cycle into (the whole cycle without one), as day ranges. */
export function discountWindows(cycle: BillingCycle, period: DiscountPeriod | undefined): { from: number; to: number }[] {
  if (!period) return [{ from: cycle.startDays, to: cycle.endDays }];
  const windows: { from: number; to: number }[] = [];
  let from = cycle.start;
  while (dateDays(from) < cycle.endDays) {
    const next = period.unit === 'month' ? addMonths(from, period.count) : formatDate(dateDays(from) + period.count * (period.unit === 'week' ? 7 : 1));
    windows.push({ from: dateDays(from), to: Math.min(dateDays(next), cycle.endDays) });
    from = next;
  }
  return windows;
}

/** Days of service the discount covered in the cycle / days in the cycle: the proration of amount benefits. */
export function prorationFactor(discount: BillingDiscount, ctx: DiscountContext): Decimal {
  const vFrom = discount.validFrom ? dateDays(discount.validFrom) : ctx.cycle.startDays;
  const vTo = discount.validTo ? dateDays(discount.validTo) : ctx.cycle.endDays;
  const days = new Set<number>();
  for (const r of ctx.serviceRanges) {
    const from = Math.max(dateDays(r.from), ctx.cycle.startDays, vFrom);
    const to = Math.min(r.to === null ? ctx.cycle.endDays : dateDays(r.to), ctx.cycle.endDays, vTo);
    for (let d = from; d < to; d++) days.add(d);
  }
  return dec(days.size).dividedBy(ctx.cycle.days);
}

/**
 * Graduated percentages over a non-money basis: each item's slice of the cumulative quantity is cut at the
 * step thresholds and each part takes its step's percentage of the item's amount (in start-time order).
 */
function tieredPercentOverItems(items: readonly DiscountItem[], basis: Basis, steps: StepsDiscount['steps']): Decimal {
  let q = new Decimal(0);
  let discount = new Decimal(0);
  const seen = new Set<string>();
  for (const item of items) {
    const dq = basisOf(item, basis, !seen.has(item.ratedId));
    seen.add(item.ratedId);
    const amount = dec(item.amount);
    steps.forEach((step, k) => {
      if (step.percentage === undefined) return;
      const lo = dec(step.threshold);
      const hi = steps[k + 1] ? dec(steps[k + 1]!.threshold) : null;
      if (dq.isZero()) {
        // A piece that adds nothing to the basis (an SMS on a minutes basis) takes the step it falls in.
        if (q.greaterThanOrEqualTo(lo) && (hi === null || q.lessThan(hi))) discount = discount.plus(amount.times(dec(step.percentage)).dividedBy(100));
        return;
      }
      const from = Decimal.max(q, lo);
      const to = hi === null ? q.plus(dq) : Decimal.min(q.plus(dq), hi);
      if (to.greaterThan(from)) discount = discount.plus(amount.times(to.minus(from)).dividedBy(dq).times(dec(step.percentage)).dividedBy(100));
    });
    q = q.plus(dq);
  }
  return discount;
}

function stepSpecs(steps: StepsDiscount['steps']): DiscountStepSpec[] {
  return steps.map((s) => ({ threshold: s.threshold, percentage: s.percentage, amount: s.amount }));
}

/** A steps discount over one window: the percentage part and the amount part (the latter may be prorated). */
function stepsWindow(d: StepsDiscount, sel: Selection): { percent: Decimal; amount: Decimal } {
  const q = quantity(sel, d.basis);
  const target = total(sel);
  const amountSteps = stepSpecs(d.steps.filter((s) => s.amount !== undefined));
  if (d.model === 'volume') {
    let reached: StepsDiscount['steps'][number] | undefined;
    for (const s of d.steps) if (q.greaterThanOrEqualTo(dec(s.threshold))) reached = s;
    if (!reached) return { percent: dec(0), amount: dec(0) };
    if (reached.amount !== undefined) return { percent: dec(0), amount: dec(reached.amount) };
    // Spend: the shared volume rule gives pct of the whole spend; other bases: pct of the scope's amount.
    return { percent: d.basis === 'spend' ? applyVolumeDiscount(q, stepSpecs(d.steps)) : target.times(dec(reached.percentage!)).dividedBy(100), amount: dec(0) };
  }
  const amount = amountSteps.length > 0 ? applyTieredDiscount(q, amountSteps) : dec(0);
  const percentSteps = d.steps.filter((s) => s.percentage !== undefined);
  if (percentSteps.length === 0) return { percent: dec(0), amount };
  // Spend: the shared graduated rule on the spend itself (0-100: 0%, 100-200: 5%, 200+: 10%, spend 250 -> 10).
  const percent = d.basis === 'spend' ? applyTieredDiscount(q, stepSpecs(d.steps).map((s) => (s.amount !== undefined ? { threshold: s.threshold, percentage: '0' } : s))) : tieredPercentOverItems(sel.items, d.basis, d.steps);
  return { percent, amount };
}

/** Free units of the target, first ones in start order: their share of each piece's amount. */
export function freeUnitsValue(items: readonly DiscountItem[], freeUnits: Decimal): Decimal {
  let left = freeUnits;
  let value = new Decimal(0);
  for (const item of sortItems(items)) {
    if (!left.greaterThan(0)) break;
    const units = measureUnits(item);
    if (units.isZero()) continue;
    const take = Decimal.min(left, units);
    value = value.plus(dec(item.amount).times(take).dividedBy(units));
    left = left.minus(take);
  }
  return value;
}

function grantValue(grant: DiscountGrant, sel: Selection, multiplier: Decimal, factor: Decimal): Decimal {
  if (grant.percentage !== undefined) return total(sel).times(dec(grant.percentage)).dividedBy(100);
  if (grant.amount !== undefined) return dec(grant.amount).times(multiplier).times(factor);
  return freeUnitsValue(sel.items, dec(grant.freeUnits!).times(multiplier));
}

/**
 * The quantity of a bonus program's basis in its lookback window (the caller selects the window's usage with
 * `bonusLookbackWindow`): what `DiscountContext.bonusEarned` carries into the invoice.
 */
export function bonusBasisQuantity(discount: Extract<BillingDiscount, { kind: 'bonus' }>, previous: readonly DiscountItem[]): string {
  return quantity({ items: sortItems(previous.filter((i) => inScope(i, discount.earn.scope))), fees: [] }, discount.earn.basis).toFixed();
}

/**
 * The billing-time discounts of a cycle, each positive and exact (the caller rounds each on its line and
 * caps nothing further: every discount is already limited to the charges it applies to). Pre-itemisation
 * and tax discounts are not here: see `preItemise` and the tax lines.
 */
export function billingDiscounts(discounts: readonly BillingDiscount[], items: readonly DiscountItem[], fees: readonly DiscountFee[], ctx: DiscountContext): DiscountAmount[] {
  const out: DiscountAmount[] = [];
  for (const d of discounts) {
    let precise = new Decimal(0);
    let cap = new Decimal(0);
    const factor = d.prorate ? prorationFactor(d, ctx) : dec(1);
    switch (d.kind) {
      case 'steps': {
        if (d.preItemisation) continue;
        for (const w of discountWindows(ctx.cycle, d.period)) {
          const sel = select(d, d.scope, items, fees, w);
          const part = stepsWindow(d, sel);
          const windowCap = total(sel);
          precise = precise.plus(Decimal.min(windowCap, part.percent.plus(part.amount.times(factor))));
          cap = cap.plus(windowCap);
        }
        break;
      }
      case 'cross_product': {
        const qualifying = select(d, d.qualifying.scope, items, fees);
        const target = select(d, d.target, items, fees);
        cap = total(target);
        if (quantity(qualifying, d.qualifying.basis).greaterThanOrEqualTo(dec(d.qualifying.atLeast))) precise = grantValue(d.grant, target, dec(1), factor);
        break;
      }
      case 'bonus': {
        const earned = dec(ctx.bonusEarned?.[d.id] ?? '0');
        const blocks = earned.dividedBy(dec(d.earn.per)).floor();
        const target = select(d, d.target, items, fees);
        cap = total(target);
        if (blocks.greaterThan(0)) precise = grantValue(d.grant, target, blocks, factor);
        break;
      }
      case 'fixed': {
        const target = select(d, d.scope, items, fees);
        cap = total(target);
        const vFrom = d.validFrom ? dateDays(d.validFrom) : Number.NEGATIVE_INFINITY;
        const vTo = d.validTo ? dateDays(d.validTo) : Number.POSITIVE_INFINITY;
        const periods = discountWindows(ctx.cycle, d.period).filter((w) => w.from >= vFrom && w.from < vTo).length;
        precise = dec(d.amount).times(periods).times(factor);
        break;
      }
      case 'tax':
        continue;
    }
    precise = Decimal.max(0, Decimal.min(precise, cap));
    if (!precise.isZero()) out.push({ discountId: d.id, name: d.name ?? d.id, precise });
  }
  return out;
}

export interface PreItemisedItem extends DiscountItem {
  /** The amount before re-pricing. */
  readonly listAmount: string;
  readonly discountId?: string;
}

/**
 * Pre-itemisation: re-prices each event in scope, rounded once like the event (at its own precision). A volume
 * model re-prices every event with the step the whole window reached; a tiered model cuts each event's slice
 * of the cumulative quantity at the thresholds. A percentage takes that share off; an amount takes that much
 * off per minute (voice) or unit, never below zero. Events out of scope keep their price.
 */
export function preItemise(discounts: readonly BillingDiscount[], items: readonly DiscountItem[], cycle: BillingCycle): PreItemisedItem[] {
  let current: PreItemisedItem[] = items.map((i) => ({ ...i, listAmount: i.amount }));
  for (const d of discounts) {
    if (d.kind !== 'steps' || !d.preItemisation) continue;
    const repriced = new Map<string, { amount: string }>();
    const keyOf = (i: DiscountItem) => `${i.ratedId}\u0000${i.chargeType}`;
    for (const w of discountWindows(cycle, d.period)) {
      const sel = select(d, d.scope, current, [], w);
      const q = quantity(sel, d.basis);
      let reached: StepsDiscount['steps'][number] | undefined;
      for (const s of d.steps) if (q.greaterThanOrEqualTo(dec(s.threshold))) reached = s;
      let cumulative = new Decimal(0);
      const seen = new Set<string>();
      for (const item of sel.items) {
        const dq = basisOf(item, d.basis, !seen.has(item.ratedId));
        seen.add(item.ratedId);
        const amount = dec(item.amount);
        const units = measureUnits(item);
        const off = (step: StepsDiscount['steps'][number], share: Decimal) =>
          step.percentage !== undefined ? amount.times(share).times(dec(step.percentage)).dividedBy(100) : dec(step.amount!).times(units).times(share);
        let reduction = new Decimal(0);
        if (d.model === 'volume') {
          if (reached) reduction = off(reached, dec(1));
        } else {
          d.steps.forEach((step, k) => {
            const lo = dec(step.threshold);
            const hi = d.steps[k + 1] ? dec(d.steps[k + 1]!.threshold) : null;
            if (dq.isZero()) {
              if (cumulative.greaterThanOrEqualTo(lo) && (hi === null || cumulative.lessThan(hi))) reduction = reduction.plus(off(step, dec(1)));
              return;
            }
            const from = Decimal.max(cumulative, lo);
            const to = hi === null ? cumulative.plus(dq) : Decimal.min(cumulative.plus(dq), hi);
            if (to.greaterThan(from)) reduction = reduction.plus(off(step, to.minus(from).dividedBy(dq)));
          });
        }
        cumulative = cumulative.plus(dq);
        const precision = Math.max(4, item.amount.includes('.') ? item.amount.length - item.amount.indexOf('.') - 1 : 0);
        const next = Decimal.max(0, amount.minus(reduction));
        repriced.set(keyOf(item), { amount: roundAmount(next, { precision, mode: 'half_up' }).toFixed(precision) });
      }
    }
    current = current.map((i) => {
      const r = repriced.get(keyOf(i));
      return r ? { ...i, amount: r.amount, discountId: d.id } : i;
    });
  }
  return current;
}

/** The exact text of a discount for an invoice line. */
export function discountPreciseText(precise: Decimal): string {
  return formatPrecise(precise);
}
