import type pg from 'pg';
import { hasWrites, type Writes } from './writes.js';

/**
 * One credit decision in one transaction of two round trips: the first begins it and runs `open` (a
 * statement that locks and reads), the second applies the decision's writes and commits. Values go into both
 * as escaped literals (the simple protocol carries several statements at once, but no parameters).
 *
 * A decision that moved money (wrote ledger entries) commits durably, waiting for its WAL flush; one that only
 * held, extended or released a reservation commits without waiting: no money moved, and if PostgreSQL lost
 * it in a crash the call is still charged once by its rated CDR (a lost reservation only frees credit early).
 */
export async function decideInTransaction<R, T>(
  pool: pg.Pool,
  open: (literal: (value: string | null) => string) => string,
  decide: (opened: R) => Promise<{ value: T; writes: Writes; movedMoney: boolean }> | { value: T; writes: Writes; movedMoney: boolean },
): Promise<T> {
  const client = await pool.connect();
  const literal = (v: string | null) => (v === null ? 'NULL' : client.escapeLiteral(v));
  try {
    const results = (await client.query(`BEGIN; ${open(literal)}`)) as unknown as pg.QueryResult<{ r: R }>[];
    const { value, writes, movedMoney } = await decide(results[1]!.rows[0]!.r);
    const commit = movedMoney ? 'COMMIT' : 'SET LOCAL synchronous_commit TO off; COMMIT';
    await client.query(hasWrites(writes) ? `SELECT charging.apply_writes(${literal(JSON.stringify(writes))}::json); ${commit}` : commit);
    return value;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
