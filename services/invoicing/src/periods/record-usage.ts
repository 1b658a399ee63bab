import type pg from 'pg';
import type { CdrRatedV1 } from '@rcp/contracts';

/**
 * Keeps the latest revision of each rated CDR: a redelivered message or an older revision changes
 * nothing, a replay's newer revision replaces the old one.
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
  await pool.query(
    `insert into invoicing.usage (rated_id, revision, account_id, line_id, period_key, period_end, service, destination, units, retail_amount, wholesale_amount, currency, start_time)
     select * from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::numeric[], $11::numeric[], $12::text[], $13::timestamptz[])
     on conflict (rated_id) do update set
       revision = excluded.revision, period_key = excluded.period_key, period_end = excluded.period_end, destination = excluded.destination,
       units = excluded.units, retail_amount = excluded.retail_amount, wholesale_amount = excluded.wholesale_amount
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
    ],
  );
}
