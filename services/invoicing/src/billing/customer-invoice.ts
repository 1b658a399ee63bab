import type pg from 'pg';
import type { AccountUpserted } from '@rcp/contracts';
import {
  billingCycleContaining,
  billingCycleStartingAt,
  bonusBasisQuantity,
  buildCustomerInvoice,
  customerBilling,
  dateDays,
  discountsFor,
  feesForCycle,
  foldAccountState,
  overlapDays,
  previousBillingCycle,
  proratedFreeCredit,
  retailItems,
  type BillingConfig,
  type BillingCycle,
  type BillingCycleKind,
  type CostCapOutcome,
  type CustomerInvoice,
  type CustomerInvoiceInput,
  type FreeCreditGrant,
  type FreeCreditOutcome,
  type LineOfferSegment,
} from '@rcp/domain';
import type { CatalogueView } from '../read-models/catalogue.js';
import { lineSegments } from '../accounts/line-history.js';
import { USAGE_COLUMNS, usageEvent, type UsageRow } from '../periods/record-usage.js';

/** A request that cannot be billed as asked, with a stable code. */
export class BillingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 422,
  ) {
    super(message);
    this.name = 'BillingError';
  }
}

/** Everything besides usage that an invoice was built from: kept with the invoice, so a correction recomputes it alike. */
export type CustomerInvoiceSnapshot = Omit<CustomerInvoiceInput, 'events' | 'lateEvents' | 'destinationName' | 'cycle'> & {
  cycle: { kind: BillingCycleKind; anchorDay: number; start: string };
  destinationNames: Record<string, string>;
};

export type AccountBilling = { kind: BillingCycleKind; anchorDay: number; timeZone: string; currency: string; partnerId: string | null; taxRate: string; paymentTermDays: number };

/** The account's billing settings from account.events, or defaults for an account invoicing never saw. */
export function accountBilling(account: AccountUpserted | undefined, periodKey: string, fallbackCurrency: string): AccountBilling {
  if (!account) return { kind: 'monthly', anchorDay: Number(periodKey.slice(8, 10)), timeZone: 'UTC', currency: fallbackCurrency, partnerId: null, taxRate: '0', paymentTermDays: 14 };
  return {
    kind: account.billing.cycle,
    anchorDay: account.billing.anchorDay,
    timeZone: account.timezone,
    currency: account.currency,
    partnerId: account.partnerId,
    taxRate: account.billing.taxRate,
    paymentTermDays: account.billing.paymentTermDays,
  };
}

export function cycleOf(billing: AccountBilling, periodKey: string): BillingCycle {
  const cycle = billingCycleStartingAt(periodKey, billing.kind, billing.anchorDay);
  if (!cycle) {
    const containing = billingCycleContaining(periodKey, billing.kind, billing.anchorDay);
    throw new BillingError('not_a_cycle_start', `${periodKey} does not start a ${billing.kind} billing cycle of this account (anchor day ${billing.anchorDay}); the cycle containing it starts on ${containing.start}`);
  }
  return cycle;
}

/** The lookback window of a bonus program, as period keys [from, to). */
function lookbackWindow(cycle: BillingCycle, lookback: 'previous_cycle' | 'previous_month' | 'previous_quarter'): { from: string; to: string } {
  if (lookback === 'previous_cycle') {
    const p = previousBillingCycle(cycle);
    return { from: p.start, to: p.end };
  }
  const kind = lookback === 'previous_month' ? 'monthly' : 'quarterly';
  const current = billingCycleContaining(cycle.start, kind, cycle.anchorDay);
  const p = previousBillingCycle(current);
  return { from: p.start, to: p.end };
}

/**
 * Gathers the inputs of a customer's invoice for a cycle: fees from the line-offer history and the catalogue,
 * the customer's billing-time discounts and bonus earned, cost cap, free credit carried from the previous
 * invoice, and tax (the customer's rate or exemption).
 */
export async function customerInvoiceSnapshot(
  client: pg.PoolClient,
  input: { accountId: string; account: AccountUpserted | undefined; billing: AccountBilling; cycle: BillingCycle; config: BillingConfig; catalogue: CatalogueView; events: { offerId?: string | null }[] },
): Promise<CustomerInvoiceSnapshot> {
  const { accountId, billing, cycle, config, catalogue } = input;
  let segments: LineOfferSegment[] = await lineSegments(client, accountId);
  if (segments.length === 0 && input.account) segments = foldAccountState([], { at: input.account.at, timeZone: billing.timeZone, lines: input.account.lines });
  const inCycle = segments.filter((s) => overlapDays(dateDays(s.from), s.to === null ? null : dateDays(s.to), cycle.startDays, cycle.endDays) > 0);
  const offerIds = [...new Set([...inCycle.map((s) => s.offerId), ...input.events.map((e) => e.offerId).filter((o): o is string => !!o)])];
  const fees = feesForCycle({ cycle, currency: billing.currency, segments, feesOf: (offerId, date) => catalogue.feesOf(offerId, date, billing.timeZone) });
  const discounts = discountsFor(config, accountId, offerIds);

  const bonusEarned: Record<string, string> = {};
  for (const d of discounts) {
    if (d.kind !== 'bonus') continue;
    const w = lookbackWindow(cycle, d.earn.lookback);
    const { rows } = await client.query<UsageRow>(`select ${USAGE_COLUMNS} from invoicing.usage where account_id = $1 and period_key >= $2 and period_key < $3`, [accountId, w.from, w.to]);
    bonusEarned[d.id] = bonusBasisQuantity(d, retailItems(rows.map(usageEvent), billing.timeZone));
  }

  const customer = customerBilling(config, accountId);
  let costCap: CustomerInvoiceSnapshot['costCap'];
  if (customer?.costCap && config.costCaps) {
    const cat = config.costCaps.categories.find((c) => c.category === customer.costCap!.category)!;
    costCap = { category: cat.category, cap: cat.cap, tolerancePercent: config.costCaps.tolerancePercent, flagged: config.costCaps.flagged };
  }

  let freeCredit: CustomerInvoiceSnapshot['freeCredit'];
  const grants: FreeCreditGrant[] = [];
  for (const s of inCycle) {
    const pkg = config.offers.find((o) => o.offerId === s.offerId)?.freeCredit;
    if (!pkg) continue;
    const days = overlapDays(dateDays(s.from), s.to === null ? null : dateDays(s.to), cycle.startDays, cycle.endDays);
    grants.push({ offerId: s.offerId, amount: proratedFreeCredit(pkg.amount, days, cycle.days, billing.currency).toFixed(), renewal: pkg.renewal });
  }
  const previous = await client.query<{ details: { outcome?: { freeCredit?: FreeCreditOutcome | null } } }>(
    `select details from invoicing.invoices where account_id = $1 and kind = 'invoice' and status <> 'draft' and period_start < $2 order by period_start desc limit 1`,
    [accountId, cycle.start],
  );
  const carriedIn = previous.rows[0]?.details.outcome?.freeCredit?.carriedOut ?? '0';
  if (grants.length > 0 || carriedIn !== '0') freeCredit = { grants, carriedIn };

  const exempt = customer?.tax?.exempt;
  return {
    currency: billing.currency,
    timeZone: billing.timeZone,
    cycle: { kind: cycle.kind, anchorDay: cycle.anchorDay, start: cycle.start },
    fees,
    discounts,
    bonusEarned,
    serviceRanges: inCycle.map((s) => ({ from: s.from, to: s.to })),
    costCap,
    freeCredit,
    tax: exempt ? { rate: '0', exemptReason: exempt.reason } : { rate: customer?.tax?.rate ?? billing.taxRate },
    destinationNames: catalogue.destinationNames(cycle.start, billing.timeZone),
  };
}

/** Builds the invoice from a snapshot and the rows it bills (late rows are those of earlier periods). */
export function buildFromSnapshot(snapshot: CustomerInvoiceSnapshot, rows: UsageRow[]): CustomerInvoice & { cycle: BillingCycle } {
  const cycle = billingCycleStartingAt(snapshot.cycle.start, snapshot.cycle.kind, snapshot.cycle.anchorDay)!;
  const { destinationNames, cycle: _c, ...rest } = snapshot;
  const events = rows.filter((r) => r.period_key >= cycle.start).map(usageEvent);
  const lateEvents = rows.filter((r) => r.period_key < cycle.start).map(usageEvent);
  const invoice = buildCustomerInvoice({ ...rest, cycle, events, lateEvents, destinationName: (id) => destinationNames[id] ?? id });
  return { ...invoice, cycle };
}

export type InvoiceOutcome = { costCap: CostCapOutcome | null; freeCredit: FreeCreditOutcome | null };

