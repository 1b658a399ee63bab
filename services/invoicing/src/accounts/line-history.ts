import type pg from 'pg';
import type { AccountEventV1 } from '@rcp/contracts';
import { inTransaction } from '@rcp/db';
import type { ConsumedMessage } from '@rcp/kafka';
import { foldAccountState, localDate, type LineOfferSegment } from '@rcp/domain';

/**
 * Folds account.events into each account's line-offer segments (what fees are prorated from), effectively
 * once: the next offset of every partition is stored in the same transaction, so a redelivered message is
 * recognised and skipped.
 */
export async function recordAccountStates(pool: pg.Pool, messages: ConsumedMessage<'account.events'>[]): Promise<void> {
  if (messages.length === 0) return;
  await inTransaction(pool, async (client) => {
    const partitions = [...new Set(messages.map((m) => m.partition))];
    const { rows } = await client.query<{ partition: number; next_offset: string }>(
      `select partition, next_offset::text from invoicing.account_event_offsets where partition = any($1) for update`,
      [partitions],
    );
    const next = new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
    const fresh = messages.filter((m) => BigInt(m.offset) >= (next.get(m.partition) ?? 0n));
    const byAccount = new Map<string, AccountEventV1[]>();
    for (const m of fresh) byAccount.set(m.value.accountId, [...(byAccount.get(m.value.accountId) ?? []), m.value]);
    for (const [accountId, events] of byAccount) {
      const stored = await client.query<{ segments: LineOfferSegment[]; timezone: string }>(`select segments, timezone from invoicing.account_lines where account_id = $1 for update`, [accountId]);
      let segments = stored.rows[0]?.segments ?? [];
      let timezone = stored.rows[0]?.timezone ?? 'UTC';
      for (const e of events) {
        if (e.type === 'account.upserted') {
          timezone = e.timezone;
          segments = foldAccountState(segments, { at: e.at, timeZone: e.timezone, lines: e.lines });
        } else {
          // A deleted account's open lines end on the day it was deleted; what it had stays billable.
          const day = localDate(e.at, timezone);
          segments = segments.map((s) => (s.to === null || s.to > day ? { ...s, to: day > s.from ? day : s.from } : s));
        }
      }
      await client.query(
        `insert into invoicing.account_lines (account_id, timezone, segments, last_event_id) values ($1, $2, $3, $4)
         on conflict (account_id) do update set timezone = excluded.timezone, segments = excluded.segments, last_event_id = excluded.last_event_id, updated_at = now()`,
        [accountId, timezone, JSON.stringify(segments), events[events.length - 1]!.eventId],
      );
    }
    for (const p of partitions) {
      const last = messages.filter((m) => m.partition === p).reduce((max, m) => (BigInt(m.offset) > max ? BigInt(m.offset) : max), -1n);
      await client.query(
        `insert into invoicing.account_event_offsets (partition, next_offset) values ($1, $2)
         on conflict (partition) do update set next_offset = greatest(invoicing.account_event_offsets.next_offset, excluded.next_offset)`,
        [p, (last + 1n).toString()],
      );
    }
  });
}

/** An account's line-offer segments as last folded (empty when none are known yet). */
export async function lineSegments(db: pg.Pool | pg.PoolClient, accountId: string): Promise<LineOfferSegment[]> {
  const { rows } = await db.query<{ segments: LineOfferSegment[] }>(`select segments from invoicing.account_lines where account_id = $1`, [accountId]);
  return rows[0]?.segments ?? [];
}
