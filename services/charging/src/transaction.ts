import type pg from 'pg';

/**
 * Runs fn in one transaction. A transaction that moved money (wrote ledger entries) commits durably, waiting
 * for its WAL flush; one that only held, extended or released a reservation commits without waiting (no money
 * moved: if PostgreSQL crashed in the next instant and lost it, the call is still charged once by its rated
 * CDR, and a lost reservation only frees credit early). This keeps the disk out of most real-time answers.
 */
export async function inAccountTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<{ value: T; movedMoney: boolean }>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { value, movedMoney } = await fn(client);
    await client.query(movedMoney ? 'COMMIT' : 'SET LOCAL synchronous_commit TO off; COMMIT');
    return value;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
