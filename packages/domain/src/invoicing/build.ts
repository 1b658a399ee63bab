// Building an invoice for one billing cycle, in the order a carrier's bill is read:
//   usage lines (pre-itemisation discounts already re-priced their events) and late-usage adjustments,
//   the cost cap replacing flagged lines, recurring and setup fees, billing-time discounts, free credit,
//   then tax per tax rate on the rounded net, and tax discounts.
// Every line keeps its precise amount beside the rounded one; lines are rounded to the currency's minor
// unit once, and net, tax and total are sums of rounded lines (DOMAIN.md "Rounding").
import { currencyMinorUnits, Decimal, dec, formatPrecise, roundToMinorUnit, sumAmounts } from '../money.js';
import type { BillingDiscount, Scope } from './config.js';
import { applyCostCap, type CostCapOutcome } from './cost-cap.js';
import type { BillingCycle } from './cycle.js';
import { localDate } from './dates.js';
import { billingDiscounts, preItemise, type DiscountFee, type DiscountItem, type PreItemisedItem } from './discounts.js';
import type { FeeCharge } from './fees.js';
import { applyFreeCredit, type FreeCreditGrant, type FreeCreditOutcome } from './free-credit.js';
import { chargeItems, invoiceQuantity, UNIT_OF_SERVICE, type ChargeType, type UsageEvent } from './usage.js';

export type InvoiceLineKind = 'usage' | 'adjustment' | 'cost_cap' | 'fee' | 'discount' | 'credit' | 'tax' | 'tax_discount';

export interface InvoiceLine {
  readonly kind: InvoiceLineKind;
  readonly description: string;
  readonly quantity: string;
  readonly unit: string;
  readonly unitPrice: string;
  /** Exact amount before the line is rounded. */
  readonly precise: string;
  /** Rounded to the currency's minor unit. */
  readonly amount: string;
  readonly service?: string;
  readonly destination?: string;
  readonly chargeType?: ChargeType;
  /** Adjustments: the period the late usage belongs to; fees: the first day of the fee's period. */
  readonly period?: string;
  /** The amount before a cost cap or a pre-itemisation discount changed it. */
  readonly listAmount?: string;
  readonly lineId?: string;
  readonly offerId?: string;
  readonly discountId?: string;
  readonly taxRate?: string;
}

export interface InvoiceTotals {
  readonly currency: string;
  readonly lines: readonly InvoiceLine[];
  readonly net: string;
  readonly tax: string;
  readonly total: string;
}

export interface TaxSetting {
  /** A fraction: "0.22" for 22%. */
  readonly rate: string;
  /** An exempt customer pays no tax; the invoice says why. */
  readonly exemptReason?: string;
}

export interface CustomerInvoiceInput {
  readonly currency: string;
  readonly cycle: BillingCycle;
  readonly timeZone: string;
  /** The cycle's rated usage (latest revisions), not yet invoiced. */
  readonly events: readonly UsageEvent[];
  /** Usage of periods already invoiced that arrived since: billed as adjustments referencing their period. */
  readonly lateEvents?: readonly UsageEvent[];
  readonly destinationName?: (id: string) => string;
  readonly fees?: readonly FeeCharge[];
  readonly discounts?: readonly BillingDiscount[];
  /** Bonus programs: quantity earned in the lookback window, per discount id. */
  readonly bonusEarned?: Readonly<Record<string, string>>;
  /** Days the account had a line active (discount proration). */
  readonly serviceRanges?: readonly { readonly from: string; readonly to: string | null }[];
  readonly costCap?: { readonly category: number; readonly cap: string; readonly tolerancePercent: string; readonly flagged: Scope };
  readonly freeCredit?: { readonly grants: readonly FreeCreditGrant[]; readonly carriedIn: string };
  readonly tax: TaxSetting;
}

export interface CustomerInvoice extends InvoiceTotals {
  readonly costCap: CostCapOutcome | null;
  readonly freeCredit: FreeCreditOutcome | null;
}

const CHARGE_SUFFIX: Record<ChargeType, string> = { payg: '', included: ' (included)', overage: ' (overage)', cug: ' (calling circle)' };
const CHARGE_ORDER: Record<ChargeType, number> = { included: 0, overage: 1, payg: 2, cug: 3 };
const KIND_ORDER: Record<InvoiceLineKind, number> = { usage: 0, adjustment: 1, cost_cap: 2, fee: 3, discount: 4, credit: 5, tax: 6, tax_discount: 7 };

function money(value: Decimal, currency: string): string {
  return roundToMinorUnit(value, currency).toFixed(currencyMinorUnits(currency));
}

/** A negative line (discount, credit) from a positive exact value: rounded on the line, then negated. */
function negativeLine(base: Omit<InvoiceLine, 'precise' | 'amount' | 'unitPrice' | 'quantity' | 'unit'>, positive: Decimal, currency: string): InvoiceLine {
  const amount = roundToMinorUnit(positive, currency).negated();
  return { ...base, quantity: '1', unit: 'unit', unitPrice: amount.toFixed(currencyMinorUnits(currency)), precise: formatPrecise(positive.negated()), amount: amount.toFixed(currencyMinorUnits(currency)) };
}

interface Group {
  service: string;
  destination: string;
  chargeType: ChargeType;
  period?: string;
  units: number;
  amounts: string[];
  listAmounts: string[];
}

/** Usage lines: one per service, destination and charge type (and period for adjustments), in a stable order. */
export function usageLines(
  items: readonly (DiscountItem & { listAmount?: string; periodKey?: string })[],
  opts: { currency: string; kind: 'usage' | 'adjustment'; destinationName?: (id: string) => string },
): InvoiceLine[] {
  const groups = new Map<string, Group>();
  for (const i of items) {
    const period = opts.kind === 'adjustment' ? i.periodKey : undefined;
    const key = [period ?? '', i.service, i.destination, i.chargeType].join('\u0000');
    const g = groups.get(key) ?? { service: i.service, destination: i.destination, chargeType: i.chargeType, period, units: 0, amounts: [], listAmounts: [] };
    g.units += i.units;
    g.amounts.push(i.amount);
    g.listAmounts.push(i.listAmount ?? i.amount);
    groups.set(key, g);
  }
  const name = opts.destinationName ?? ((id: string) => id);
  return [...groups.values()]
    .sort((a, b) => (a.period ?? '').localeCompare(b.period ?? '') || a.service.localeCompare(b.service) || name(a.destination).localeCompare(name(b.destination)) || CHARGE_ORDER[a.chargeType] - CHARGE_ORDER[b.chargeType])
    .map((g) => {
      const precise = sumAmounts(g.amounts);
      const list = sumAmounts(g.listAmounts);
      const quantity = invoiceQuantity(g.service, g.units);
      const what = `${g.service} ${name(g.destination)}${CHARGE_SUFFIX[g.chargeType]}`;
      const line: InvoiceLine = {
        kind: opts.kind,
        description: g.period ? `late usage of period ${g.period}: ${what}` : what,
        quantity: quantity.toDecimalPlaces(4).toFixed(),
        unit: UNIT_OF_SERVICE[g.service] ?? 'unit',
        unitPrice: quantity.isZero() ? '0' : precise.dividedBy(quantity).toDecimalPlaces(6).toFixed(),
        precise: precise.toFixed(),
        amount: money(precise, opts.currency),
        service: g.service,
        destination: g.destination,
        chargeType: g.chargeType,
        ...(g.period ? { period: g.period } : {}),
        ...(list.equals(precise) ? {} : { listAmount: money(list, opts.currency) }),
      };
      return line;
    });
}

/** The discountable pieces of a set of events (retail side), with their customer-zone dates. */
export function retailItems(events: readonly UsageEvent[], timeZone: string): (DiscountItem & { periodKey: string })[] {
  return events.flatMap((e) => {
    const date = localDate(e.startTime, timeZone);
    return chargeItems(e, 'retail').map((c) => ({ ratedId: e.ratedId, service: e.service, destination: e.destination, chargeType: c.chargeType, startTime: e.startTime, date, units: c.units, amount: c.amount, periodKey: e.periodKey }));
  });
}

const RECURRENCE_UNIT = { month: 'month', quarter: 'quarter', year: 'year' } as const;

/** Fee lines, each rounded on its own line. */
export function feeLines(fees: readonly FeeCharge[], currency: string): InvoiceLine[] {
  return fees.map((f) => {
    const full = f.activeDays === f.periodDays;
    const base = { kind: 'fee' as const, precise: f.precise, amount: f.amount, lineId: f.lineId, offerId: f.offerId, period: f.from };
    if (f.kind === 'setup') return { ...base, description: `Setup fee ${f.offerName}, line ${f.lineId}`, quantity: '1', unit: 'unit', unitPrice: f.fullAmount };
    const label = `${f.every === 'quarter' ? 'Quarterly' : f.every === 'year' ? 'Yearly' : 'Monthly'} fee ${f.offerName}, line ${f.lineId}, ${f.from} to ${f.to}`;
    return full
      ? { ...base, description: label, quantity: '1', unit: RECURRENCE_UNIT[f.every ?? 'month'], unitPrice: f.fullAmount }
      : {
          ...base,
          description: `${label} (prorated ${f.activeDays}/${f.periodDays} days)`,
          quantity: String(f.activeDays),
          unit: 'day',
          unitPrice: dec(f.fullAmount).dividedBy(f.periodDays).toDecimalPlaces(6).toFixed(),
          precise: f.precise,
        };
  }).map((l) => ({ ...l, amount: dec(l.amount).toFixed(currencyMinorUnits(currency)) }));
}

function lineInScope(line: InvoiceLine, scope: Scope): boolean {
  if (line.kind === 'fee') return scope.fees;
  if (line.kind !== 'usage') return false;
  if (!scope.usage) return false;
  if (scope.services && !scope.services.includes(line.service as never)) return false;
  if (scope.destinations && !scope.destinations.includes(line.destination!)) return false;
  if (scope.chargeTypes && !scope.chargeTypes.includes(line.chargeType!)) return false;
  return true;
}

/**
 * Tax per tax rate on the rounded net of the lines at that rate, then tax discounts (a share of the tax on
 * their scope's lines, or an amount), never more than the tax. An exempt customer gets a 0 tax line naming
 * the exemption.
 */
export function taxLines(lines: readonly InvoiceLine[], setting: TaxSetting, currency: string, discounts: readonly BillingDiscount[] = []): InvoiceLine[] {
  const minor = currencyMinorUnits(currency);
  if (setting.exemptReason !== undefined) {
    return [{ kind: 'tax', description: `tax exempt: ${setting.exemptReason}`, quantity: '1', unit: 'unit', unitPrice: dec(0).toFixed(minor), precise: '0', amount: dec(0).toFixed(minor), taxRate: '0' }];
  }
  const byRate = new Map<string, string[]>();
  for (const l of lines) {
    const rate = dec(l.taxRate ?? setting.rate).toFixed();
    byRate.set(rate, [...(byRate.get(rate) ?? []), l.amount]);
  }
  if (byRate.size === 0) byRate.set(dec(setting.rate).toFixed(), []);
  const out: InvoiceLine[] = [];
  let taxTotal = new Decimal(0);
  for (const [rate, amounts] of [...byRate.entries()].sort((a, b) => dec(b[0]).comparedTo(dec(a[0])))) {
    const net = roundToMinorUnit(sumAmounts(amounts), currency);
    const precise = net.times(dec(rate));
    const tax = roundToMinorUnit(precise, currency);
    taxTotal = taxTotal.plus(tax);
    out.push({ kind: 'tax', description: `tax ${dec(rate).times(100).toFixed()}%`, quantity: net.toFixed(minor), unit: 'net', unitPrice: dec(rate).toFixed(), precise: formatPrecise(precise), amount: tax.toFixed(minor), taxRate: rate });
  }
  let left = taxTotal;
  for (const d of discounts) {
    if (d.kind !== 'tax' || !left.greaterThan(0)) continue;
    let reduction: Decimal;
    if (d.amount !== undefined) reduction = dec(d.amount);
    else {
      const base = roundToMinorUnit(sumAmounts(lines.filter((l) => lineInScope(l, d.scope)).map((l) => l.amount)), currency);
      reduction = base.times(dec(setting.rate)).times(dec(d.percentage!)).dividedBy(100);
    }
    reduction = Decimal.min(left, reduction);
    if (reduction.lessThanOrEqualTo(0)) continue;
    const line = negativeLine({ kind: 'tax_discount', description: `tax discount ${d.name ?? d.id}`, discountId: d.id }, reduction, currency);
    left = left.plus(dec(line.amount));
    out.push(line);
  }
  return out;
}

/** Net, tax and total of a set of lines: sums of rounded amounts. */
export function totalsOf(lines: readonly InvoiceLine[], currency: string): { net: string; tax: string; total: string } {
  const minor = currencyMinorUnits(currency);
  const taxKinds = new Set<InvoiceLineKind>(['tax', 'tax_discount']);
  const net = sumAmounts(lines.filter((l) => !taxKinds.has(l.kind)).map((l) => l.amount));
  const tax = sumAmounts(lines.filter((l) => taxKinds.has(l.kind)).map((l) => l.amount));
  return { net: net.toFixed(minor), tax: tax.toFixed(minor), total: net.plus(tax).toFixed(minor) };
}

/** The customer's (retail) invoice of one cycle. */
export function buildCustomerInvoice(input: CustomerInvoiceInput): CustomerInvoice {
  const { currency, cycle } = input;
  const discounts = input.discounts ?? [];
  const items: PreItemisedItem[] = preItemise(discounts, retailItems(input.events, input.timeZone), cycle);
  let usage = usageLines(items, { currency, kind: 'usage', destinationName: input.destinationName });
  const adjustments = usageLines(retailItems(input.lateEvents ?? [], input.timeZone), { currency, kind: 'adjustment', destinationName: input.destinationName });
  let fees = feeLines(input.fees ?? [], currency);

  // Cost cap: flagged lines are summed; above the cap they are set to 0 and the cap is billed instead.
  let costCap: CostCapOutcome | null = null;
  const capLines: InvoiceLine[] = [];
  const cappedKeys = new Set<string>();
  if (input.costCap) {
    const scope = input.costCap.flagged;
    const flagged = [...usage, ...fees].filter((l) => lineInScope(l, scope));
    costCap = applyCostCap({ ...input.costCap, flaggedTotal: sumAmounts(flagged.map((l) => l.amount)) });
    if (costCap.capped) {
      const zero = dec(0).toFixed(currencyMinorUnits(currency));
      const cap = (l: InvoiceLine): InvoiceLine => (lineInScope(l, scope) ? { ...l, listAmount: l.listAmount ?? l.amount, precise: '0', amount: zero, unitPrice: '0', description: `${l.description} (cost cap)` } : l);
      for (const l of usage) if (lineInScope(l, scope)) cappedKeys.add(`${l.service}\u0000${l.destination}\u0000${l.chargeType}`);
      usage = usage.map(cap);
      fees = fees.map(cap);
      const capAmount = dec(input.costCap.cap);
      capLines.push({ kind: 'cost_cap', description: `cost cap category ${input.costCap.category} (flagged items ${money(dec(costCap.flaggedTotal), currency)})`, quantity: '1', unit: 'unit', unitPrice: money(capAmount, currency), precise: capAmount.toFixed(), amount: money(capAmount, currency) });
    }
  }

  // Billing-time discounts over what is still charged at its own price (capped items are paid by the cap).
  const discountItems = items.filter((i) => !cappedKeys.has(`${i.service}\u0000${i.destination}\u0000${i.chargeType}`));
  const discountFees: DiscountFee[] = fees.filter((f) => !f.listAmount).map((f) => ({ amount: f.amount, date: f.period && f.period > cycle.start ? f.period : cycle.start }));
  const discountLines = billingDiscounts(discounts, discountItems, discountFees, { cycle, serviceRanges: input.serviceRanges ?? [{ from: cycle.start, to: cycle.end }], bonusEarned: input.bonusEarned }).map((d) =>
    negativeLine({ kind: 'discount', description: d.name, discountId: d.discountId }, d.precise, currency),
  );

  // Free credit pays for usage (after the usage-only discounts), never for fees.
  let freeCredit: FreeCreditOutcome | null = null;
  const creditLines: InvoiceLine[] = [];
  if (input.freeCredit) {
    const usageOnly = new Set(discounts.filter((d) => d.kind !== 'tax' && !('scope' in d && d.scope.fees) && !('target' in d && d.target.fees)).map((d) => d.id));
    const charges = sumAmounts([...usage, ...adjustments, ...capLines].map((l) => l.amount)).plus(sumAmounts(discountLines.filter((l) => usageOnly.has(l.discountId!)).map((l) => l.amount)));
    freeCredit = applyFreeCredit({ ...input.freeCredit, charges });
    const used = dec(freeCredit.used);
    if (used.greaterThan(0)) creditLines.push(negativeLine({ kind: 'credit', description: 'free credit of the package' }, used, currency));
  }

  const lines = [...usage, ...adjustments, ...capLines, ...fees, ...discountLines, ...creditLines];
  const all = [...lines, ...taxLines(lines, input.tax, currency, discounts)].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  return { currency, lines: all, ...totalsOf(all, currency), costCap, freeCredit };
}

export interface PartnerInvoiceInput {
  readonly currency: string;
  readonly timeZone: string;
  readonly events: readonly UsageEvent[];
  readonly lateEvents?: readonly UsageEvent[];
  readonly destinationName?: (id: string) => string;
  /** The partner's billing-time discount on wholesale traffic; overage lines never get it. */
  readonly discountPercent: string;
  readonly taxRate: string;
}

/** Wholesale pieces of events: what the partner pays for each. */
export function wholesaleItems(events: readonly UsageEvent[], timeZone: string): (DiscountItem & { periodKey: string })[] {
  return events.flatMap((e) => {
    const date = localDate(e.startTime, timeZone);
    return chargeItems(e, 'wholesale').map((c) => ({ ratedId: e.ratedId, service: e.service, destination: e.destination, chargeType: c.chargeType, startTime: e.startTime, date, units: c.units, amount: c.amount, periodKey: e.periodKey }));
  });
}

/**
 * The partner's (wholesale) invoice: its customers' traffic at wholesale amounts, overage on lines of its own
 * that carry no partner discount (DOMAIN.md "Overage and credit"), the partner discount, tax.
 */
export function buildPartnerInvoice(input: PartnerInvoiceInput): InvoiceTotals {
  const { currency } = input;
  const usage = usageLines(wholesaleItems(input.events, input.timeZone), { currency, kind: 'usage', destinationName: input.destinationName }).map((l) =>
    l.chargeType === 'overage' ? { ...l, description: `${l.description}, no partner discount` } : l,
  );
  const adjustments = usageLines(wholesaleItems(input.lateEvents ?? [], input.timeZone), { currency, kind: 'adjustment', destinationName: input.destinationName });
  const discountable = [...usage, ...adjustments].filter((l) => l.chargeType !== 'overage');
  const percent = dec(input.discountPercent);
  const discount = roundToMinorUnit(sumAmounts(discountable.map((l) => l.amount)), currency).times(percent).dividedBy(100);
  const lines = [...usage, ...adjustments];
  if (discount.greaterThan(0)) lines.push(negativeLine({ kind: 'discount', description: `partner discount ${percent.toFixed()}% (overage excluded)` }, discount, currency));
  const all = [...lines, ...taxLines(lines, { rate: input.taxRate }, currency)];
  return { currency, lines: all, ...totalsOf(all, currency) };
}
