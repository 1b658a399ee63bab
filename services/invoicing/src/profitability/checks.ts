import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  checkFixedPricePerCall,
  checkFlatProfitability,
  customerBilling,
  dec,
  isHandledCall,
  monthOf,
  sumAmounts,
  type BillingConfig,
  type BillingCycle,
  type CostCapOutcome,
  type LineOfferSegment,
  type UsageEvent,
} from '@rcp/domain';
import type { CatalogueView } from '../read-models/catalogue.js';

export type TaskKind = 'cost_cap' | 'flat' | 'fixed_price_per_call' | 'follow_up';
export type CheckKind = 'costCap' | 'flat' | 'fixedPricePerCall';

/** What a task knows: enough to fill an offer template. */
export type TaskDetails = {
  check: CheckKind;
  month: string;
  currency: string;
  tolerancePercent: string;
  minutes: string;
  calls: number;
  referencePricePerMinute?: string;
  currentPrice?: string;
  newPrice?: string;
  valueAtReference?: string;
  category?: number;
  proposedCategory?: number | 'per_minute';
  flaggedTotal?: string;
  cap?: string;
};

/**
 * Profitability control at period close (seed 002): the cost-cap, flat and fixed-price-per-call checks of
 * the customer; each one that fails opens a task for ops (once per account, period and check).
 */
export async function recordProfitabilityTasks(
  client: pg.PoolClient,
  input: {
    accountId: string;
    cycle: BillingCycle;
    currency: string;
    timeZone: string;
    config: BillingConfig;
    catalogue: CatalogueView;
    events: readonly UsageEvent[];
    segments: readonly LineOfferSegment[];
    costCap: CostCapOutcome | null;
    createdOn: string;
  },
): Promise<string[]> {
  const { accountId, cycle, config } = input;
  const customer = customerBilling(config, accountId);
  const p = customer?.profitability;
  const tolerance = p?.tolerancePercent ?? config.profitability.tolerancePercent;
  const reference = p?.referencePricePerMinute ?? config.profitability.referencePricePerMinute;
  const voice = input.events.filter((e) => e.service === 'voice');
  const minutes = dec(voice.reduce((n, e) => n + e.units, 0)).dividedBy(60);
  const calls = voice.filter(isHandledCall).length;
  const base = { month: monthOf(cycle.start), currency: input.currency, minutes: minutes.toFixed(), calls };
  const tasks: { kind: TaskKind; details: TaskDetails }[] = [];

  if (input.costCap?.exceededTolerance) {
    tasks.push({
      kind: 'cost_cap',
      details: {
        ...base,
        check: 'costCap',
        tolerancePercent: input.costCap.tolerancePercent,
        category: input.costCap.category,
        proposedCategory: input.costCap.proposal === 'per_minute' ? 'per_minute' : input.costCap.proposal!.category,
        flaggedTotal: input.costCap.flaggedTotal,
        cap: input.costCap.cap,
      },
    });
  }
  if (p?.flat && reference) {
    const price = p.flat.price ?? flatPriceOf(input);
    if (price) {
      const c = checkFlatProfitability({ flatPrice: price, referencePricePerMinute: reference, tolerancePercent: tolerance, minutes });
      if (c.exceeded) tasks.push({ kind: 'flat', details: { ...base, check: 'flat', tolerancePercent: c.tolerancePercent, referencePricePerMinute: c.referencePricePerMinute, currentPrice: c.flatPrice, newPrice: c.proposedPrice!, valueAtReference: c.valueAtReference } });
    }
  }
  if (p?.fixedPricePerCall && reference) {
    const c = checkFixedPricePerCall({ pricePerCall: p.fixedPricePerCall.price, referencePricePerMinute: reference, tolerancePercent: tolerance, calls, minutes, currency: input.currency });
    if (c.exceeded) tasks.push({ kind: 'fixed_price_per_call', details: { ...base, check: 'fixedPricePerCall', tolerancePercent: c.tolerancePercent, referencePricePerMinute: c.referencePricePerMinute, currentPrice: c.pricePerCall, newPrice: c.proposedPrice!, valueAtReference: c.valueAtReference } });
  }
  const created: string[] = [];
  for (const t of tasks) {
    const { rows } = await client.query<{ task_id: string }>(
      `insert into invoicing.tasks (task_id, account_id, period_key, kind, "check", status, details, created_on) values ($1, $2, $3, $4, $5, 'open', $6, $7)
       on conflict do nothing returning task_id`,
      [randomUUID(), accountId, cycle.start, t.kind, t.details.check, JSON.stringify(t.details), input.createdOn],
    );
    if (rows[0]) created.push(rows[0].task_id);
  }
  return created;
}

/** The flat price of the account: the monthly fees of the flat offers its lines had in the cycle. */
function flatPriceOf(input: { cycle: BillingCycle; timeZone: string; catalogue: CatalogueView; segments: readonly LineOfferSegment[] }): string | undefined {
  const active = input.segments.filter((s) => s.from < input.cycle.end && (s.to === null || s.to > input.cycle.start));
  const fees = active
    .map((s) => input.catalogue.offerOn(s.offerId, input.cycle.start, input.timeZone))
    .filter((o) => o && (o.kind === 'flat' || o.kind === 'flat_to_customer') && o.fees?.recurring?.every === 'month')
    .map((o) => o!.fees!.recurring!.amount);
  return fees.length > 0 ? sumAmounts(fees).toFixed() : undefined;
}
