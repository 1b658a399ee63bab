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
  // One JSON parameter for the batch rather than an array per column: node-pg escapes every element of an
  // array literal (19 per CDR here). Amounts travel as JSON strings, read into numeric exactly.
  await pool.query(
    `insert into invoicing.usage (rated_id, revision, account_id, line_id, period_key, period_end, service, destination, units, retail_amount, wholesale_amount, currency, start_time,
                                  offer_id, pricing, included_units, overage_units, overage_retail, overage_wholesale)
     select r.rated_id, r.revision, r.account_id, r.line_id, r.period_key, r.period_end, r.service, r.destination, r.units, r.retail_amount, r.wholesale_amount, r.currency, r.start_time,
            r.offer_id, r.pricing, r.included_units, r.overage_units, r.overage_retail, r.overage_wholesale
     from json_to_recordset($1::json) as r(rated_id text, revision int, account_id text, line_id text, period_key text, period_end text, service text, destination text, units int,
                                            retail_amount numeric, wholesale_amount numeric, currency text, start_time timestamptz, offer_id text, pricing text,
                                            included_units int, overage_units int, overage_retail numeric, overage_wholesale numeric)
     on conflict (rated_id) do update set
       revision = excluded.revision, period_key = excluded.period_key, period_end = excluded.period_end, destination = excluded.destination,
       units = excluded.units, retail_amount = excluded.retail_amount, wholesale_amount = excluded.wholesale_amount, offer_id = excluded.offer_id,
       pricing = excluded.pricing, included_units = excluded.included_units, overage_units = excluded.overage_units,
       overage_retail = excluded.overage_retail, overage_wholesale = excluded.overage_wholesale
     where invoicing.usage.revision < excluded.revision`,
    [
      JSON.stringify(
        rows.map((r, i) => {
          const split = splits[i]!;
          return {
            rated_id: r.ratedId,
            revision: r.revision,
            account_id: r.accountId,
            line_id: r.lineId,
            period_key: r.periodKey,
            period_end: r.periodEnd,
            service: r.service,
            destination: r.explanation.destination ?? r.service,
            units: r.billedUnits,
            retail_amount: r.retail.amount,
            wholesale_amount: r.wholesale.amount,
            currency: r.retail.currency,
            start_time: r.startTime,
            offer_id: typeof r.explanation.offer === 'string' ? r.explanation.offer : null,
            pricing: split.pricing,
            included_units: split.includedUnits,
            overage_units: split.overageUnits,
            overage_retail: split.overageRetail,
            overage_wholesale: split.overageWholesale,
          };
        }),
      ),
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
