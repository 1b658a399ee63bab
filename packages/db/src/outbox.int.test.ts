// The outbox on a real PostgreSQL: rows leave in the order they were written, across id lengths, and
// only the rows that were published are removed.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { drainOutbox, enqueueOutbox, type OutboxRow } from './outbox.js';
import { createScratchDatabase } from './testing.js';

let pool: pg.Pool;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createScratchDatabase(process.env.DATABASE_URL!, 'outbox');
  drop = db.drop;
  pool = new pg.Pool({ connectionString: db.url });
  await pool.query(`create schema svc; create table svc.outbox (id bigserial primary key, topic text not null, key text not null, payload jsonb not null, created_at timestamptz not null default now())`);
});

afterAll(async () => {
  await pool.end();
  await drop();
});

it('publishes in write order, 9 before 10, in chunks, and keeps what failed to publish', async () => {
  await enqueueOutbox(pool, 'svc', Array.from({ length: 25 }, (_, i) => ({ topic: 't', key: 'a', payload: { n: i } })));
  const seen: number[] = [];
  await drainOutbox(pool, 'svc', async (rows: OutboxRow[]) => void seen.push(...rows.map((r) => (r.payload as { n: number }).n)), { chunk: 7 });
  expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));

  await enqueueOutbox(pool, 'svc', [{ topic: 't', key: 'a', payload: { n: 99 } }]);
  await expect(drainOutbox(pool, 'svc', async () => { throw new Error('broker down'); })).rejects.toThrow('broker down');
  const left = await pool.query(`select count(*)::int as n from svc.outbox`);
  expect(left.rows[0].n).toBe(1);
});
