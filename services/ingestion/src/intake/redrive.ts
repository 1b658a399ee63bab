import type pg from 'pg';
import type { SwitchConfig } from '../config.js';
import type { IncomingRecord, Intake } from './intake.js';

export type RedriveFilter = {
  /** Only records refused for one of these reason codes (e.g. unknown_account once the line exists). */
  codes?: string[];
  switchId?: string;
  limit?: number;
};

export type RedriveSummary = { considered: number; accepted: number; duplicates: number; rejectedAgain: number };

/**
 * Sends refused records through intake again, oldest first, once their cause is fixed. Each keeps its row:
 * it is marked with the outcome, and a record refused again keeps its new reasons, so nothing is counted
 * twice and nothing is lost. A record accepted now flows on to rating like any other.
 */
export async function redriveRejections(
  pool: pg.Pool,
  intake: Intake,
  switches: SwitchConfig[],
  check: (index: number, value: unknown) => IncomingRecord,
  filter: RedriveFilter,
): Promise<RedriveSummary> {
  const { rows } = await pool.query<{ id: string; switch_id: string; original: unknown }>(
    `select id::text, switch_id, original from ingestion.rejected_records
     where redriven_at is null and ($1::text[] is null or reasons->0->>'code' = any($1)) and ($2::text is null or switch_id = $2)
     order by id limit $3`,
    [filter.codes ?? null, filter.switchId ?? null, filter.limit ?? 10_000],
  );
  const summary: RedriveSummary = { considered: rows.length, accepted: 0, duplicates: 0, rejectedAgain: 0 };
  const bySwitch = new Map<string, typeof rows>();
  for (const r of rows) bySwitch.set(r.switch_id, [...(bySwitch.get(r.switch_id) ?? []), r]);
  for (const [switchId, list] of bySwitch) {
    const sw = switches.find((s) => s.id === switchId);
    if (!sw) continue; // the switch is no longer configured: its records stay pending, visible to ops
    const outcomes = await intake.take(sw, list.map((r, i) => check(i, r.original)), { keepRejections: false });
    for (const o of outcomes) {
      const row = list[o.index]!;
      if (o.status === 'accepted') summary.accepted++;
      else if (o.status === 'duplicate') summary.duplicates++;
      else summary.rejectedAgain++;
      await pool.query(
        `update ingestion.rejected_records set redriven_at = case when $2 = 'rejected' then null else now() end,
           redrive_outcome = $2, reasons = coalesce($3::jsonb, reasons) where id = $1`,
        [row.id, o.status, o.reasons ? JSON.stringify(o.reasons) : null],
      );
    }
  }
  return summary;
}
