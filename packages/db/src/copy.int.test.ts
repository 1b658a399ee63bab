// COPY on a real PostgreSQL: every value arrives exactly as it was given (tabs, newlines, backslashes, JSON
// escapes, non-ASCII, nulls, amounts with their scale), and a duplicate key fails the copy and its transaction.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyInto, CopyRows, copyValue } from './copy.js';
import { createScratchDatabase } from './testing.js';

let pool: pg.Pool;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createScratchDatabase(process.env.DATABASE_URL!, 'copy');
  drop = db.drop;
  pool = new pg.Pool({ connectionString: db.url });
  await pool.query(`create table t (id text primary key, n int, amount numeric, at timestamptz, note text, doc json)`);
});

afterAll(async () => {
  await pool.end();
  await drop();
});

const awkward = ['plain', 'tab\there', 'line\nbreak', 'cr\rhere', 'back\\slash', '\\N', '\\.', 'end\\', 'Zürich ☎ 東京', '', ' spaced '];

it('stores every value as given', async () => {
  const rows = new CopyRows();
  const docs = awkward.map((note, i) => ({ i, note, nested: { quote: 'say "hi"', path: 'C:\\dir', nl: 'a\nb' } }));
  awkward.forEach((note, i) => rows.row(`id-${i}`, i, i === 0 ? null : `${i}.1000`, '2026-10-05T10:00:00+02:00', note, JSON.stringify(docs[i])));
  rows.row('nulls', null, undefined, null, null, null);
  const client = await pool.connect();
  try {
    expect(await copyInto(client, 't', ['id', 'n', 'amount', 'at', 'note', 'doc'], rows)).toBe(awkward.length + 1);
  } finally {
    client.release();
  }
  const { rows: stored } = await pool.query<{ id: string; n: number | null; amount: string | null; at: Date | null; note: string | null; doc: unknown }>(
    `select id, n, amount::text as amount, at, note, doc from t order by id`,
  );
  const byId = new Map(stored.map((r) => [r.id, r]));
  awkward.forEach((note, i) => {
    const r = byId.get(`id-${i}`)!;
    expect(r.note).toBe(note);
    expect(r.n).toBe(i);
    expect(r.amount).toBe(i === 0 ? null : `${i}.1000`);
    expect(r.at?.toISOString()).toBe('2026-10-05T08:00:00.000Z');
    expect(r.doc).toEqual(docs[i]);
  });
  expect(byId.get('nulls')).toEqual({ id: 'nulls', n: null, amount: null, at: null, note: null, doc: null });
});

it('fails the copy and its transaction on a duplicate key, storing nothing of it', async () => {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const rows = new CopyRows().row('dup-1', 1, '1', null, null, null).row('id-0', 2, '2', null, null, null);
    await expect(copyInto(client, 't', ['id', 'n', 'amount', 'at', 'note', 'doc'], rows)).rejects.toMatchObject({ code: '23505' });
    await client.query('rollback');
  } finally {
    client.release();
  }
  const { rows } = await pool.query(`select id from t where id = 'dup-1'`);
  expect(rows).toEqual([]);
});

it('refuses a NUL character with a clear error', () => {
  expect(() => copyValue('a\0b')).toThrow(/NUL character/);
  expect(copyValue(true)).toBe('true');
  expect(copyValue(12.5)).toBe('12.5');
});
