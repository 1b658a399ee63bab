import type pg from 'pg';
import type { CdrRatedV1 } from '@rcp/contracts';
import { splitRatedUsage } from '@rcp/domain';

/**
 * Keeps the latest revision of each rated CDR: a redelivered message or an older revision changes
 * nothing, a replay's newer revision replaces the old one (an invoice that billed it is corrected by a note,
 * see invoices/corrections.ts). Each row keeps how the CDR splits between allowance and overage.
 */
export async function recordUsage(pool: pg.Pool, rated: CdrRatedV1[]): Promise<void> {
  if (rated.length === 0) return;
  // Only the highest revision of a CDR within the batch; the upsert keeps the highest across batches.
  const latest = new Map<string, CdrRatedV1>();
  for (const r of rated) {
    const seen = latest.get(r.ratedId);
    if (!seen || seen.revision < r.revision) latest.set(r.ratedId, r);
  }
  const rows = [...latest.values()];
  const splits = rows.map((r) => splitRatedUsage(r));
  await pool.query(
    `insert into invoicing.usage (rated_id, revision, account_id, line_id, period_key, period_end, service, destination, units, retail_amount, wholesale_amount, currency, start_time,
                                  offer_id, pricing, included_units, overage_units, overage_retail, overage_wholesale)
     select * from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::numeric[], $11::numeric[], $12::text[], $13::timestamptz[],
                          $14::text[], $15::text[], $16::int[], $17::int[], $18::numeric[], $19::numeric[])
     on conflict (rated_id) do update set
       revision = excluded.revision, period_key = excluded.period_key, period_end = excluded.period_end, destination = excluded.destination,
       units = excluded.units, retail_amount = excluded.retail_amount, wholesale_amount = excluded.wholesale_amount, offer_id = excluded.offer_id,
       pricing = excluded.pricing, included_units = excluded.included_units, overage_units = excluded.overage_units,
       overage_retail = excluded.overage_retail, overage_wholesale = excluded.overage_wholesale
     where invoicing.usage.revision < excluded.revision`,
    [
      rows.map((r) => r.ratedId),
      rows.map((r) => r.revision),
      rows.map((r) => r.accountId),
      rows.map((r) => r.lineId),
      rows.map((r) => r.periodKey),
      rows.map((r) => r.periodEnd),
      rows.map((r) => r.service),
      rows.map((r) => r.explanation.destination ?? r.service),
      rows.map((r) => r.billedUnits),
      rows.map((r) => r.retail.amount),
      rows.map((r) => r.wholesale.amount),
      rows.map((r) => r.retail.currency),
      rows.map((r) => r.startTime),
      rows.map((r) => (typeof r.explanation.offer === 'string' ? r.explanation.offer : null)),
      splits.map((s) => s.pricing),
      splits.map((s) => s.includedUnits),
      splits.map((s) => s.overageUnits),
      splits.map((s) => s.overageRetail),
      splits.map((s) => s.overageWholesale),
    ],
  );
}

export type UsageRow = {
  rated_id: string;
  account_id: string;
  line_id: string;
  offer_id: string | null;
  period_key: string;
  service: string;
  destination: string;
  units: number;
  retail_amount: string;
  wholesale_amount: string;
  currency: string;
  start_time: string;
  pricing: string;
  included_units: number;
  overage_units: number;
  overage_retail: string;
  overage_wholesale: string;
  invoice_id: string | null;
  partner_invoice_id: string | null;
};

/** The usage columns, start times as ISO text with offset (what the domain reads). */
export const USAGE_COLUMNS = `rated_id, account_id, line_id, offer_id, period_key, service, destination, units, retail_amount::text, wholesale_amount::text, currency,
  to_char(start_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as start_time, pricing, included_units, overage_units, overage_retail::text, overage_wholesale::text, invoice_id, partner_invoice_id`;

export function usageEvent(r: UsageRow) {
  return {
    ratedId: r.rated_id,
    lineId: r.line_id,
    offerId: r.offer_id,
    service: r.service,
    destination: r.destination,
    startTime: r.start_time,
    periodKey: r.period_key,
    units: r.units,
    retail: r.retail_amount,
    wholesale: r.wholesale_amount,
    pricing: r.pricing as 'payg' | 'bundle' | 'cug',
    includedUnits: r.included_units,
    overageUnits: r.overage_units,
    overageRetail: r.overage_retail,
    overageWholesale: r.overage_wholesale,
  };
}
