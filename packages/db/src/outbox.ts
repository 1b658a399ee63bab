import { bigserial, jsonb, text, timestamp, type PgSchema } from 'drizzle-orm/pg-core';
import type pg from 'pg';

export type OutboxRow = { id: string; topic: string; key: string; payload: unknown };

/**
 * The transactional outbox: a service writes the messages it must publish into `<schema>.outbox` in the
 * same transaction as the state change that causes them, then drains the table to Kafka. A crash after
 * the commit loses nothing (the rows are still there); a crash after publishing but before deleting
 * re-publishes them, and consumers deduplicate by message id. Drained in id order under an advisory lock,
 * so one account's messages leave in the order they were written, whatever instance drains.
 */
/** The outbox table in a service's own schema; each service puts it in its drizzle schema. */
export function outboxTable(schema: PgSchema) {
  return schema.table('outbox', {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    topic: text('topic').notNull(),
    key: text('key').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  });
}

export async function enqueueOutbox(client: pg.PoolClient | pg.Pool, schema: string, rows: { topic: string; key: string; payload: unknown }[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `insert into "${schema}".outbox (topic, key, payload)
     select * from unnest($1::text[], $2::text[], $3::jsonb[])`,
    [rows.map((r) => r.topic), rows.map((r) => r.key), rows.map((r) => JSON.stringify(r.payload))],
  );
}

/** Publishes everything pending, oldest first, in chunks; returns how many rows were published. */
export async function drainOutbox(
  pool: pg.Pool,
  schema: string,
  publish: (rows: OutboxRow[]) => Promise<void>,
  opts: { chunk?: number } = {},
): Promise<number> {
  const chunk = opts.chunk ?? 2000;
  const client = await pool.connect();
  let total = 0;
  let failed: Error | undefined;
  try {
    const lock = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [`outbox:${schema}`]);
    if (!lock.rows[0]?.ok) return 0; // another drainer is at it; it will publish these rows in order
    try {
      for (;;) {
        // Ordered by the bigint column, not its text form (where "10" sorts before "9").
        const { rows } = await client.query<OutboxRow>(`select o.id::text as id, o.topic, o.key, o.payload from "${schema}".outbox o order by o.id limit $1`, [chunk]);
        if (rows.length === 0) break;
        await publish(rows);
        // Exactly the rows published: a row committed meanwhile with a lower id is not lost.
        await client.query(`delete from "${schema}".outbox where id = any($1::bigint[])`, [rows.map((r) => r.id)]);
        total += rows.length;
        if (rows.length < chunk) break;
      }
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [`outbox:${schema}`]);
    }
  } catch (err) {
    failed = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(failed);
  }
  return total;
}
