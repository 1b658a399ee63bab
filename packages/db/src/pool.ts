import pg from 'pg';
import type { Logger } from 'pino';

// numeric stays a string (never a binary float); bigint (int8) counts come back as strings too,
// which is what drizzle expects for mode 'string'.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => v);

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(url: string, opts: { max?: number; logger?: Logger; applicationName?: string } = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, application_name: opts.applicationName, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (database restart) must not crash the process; the pool reconnects.
  pool.on('error', (err) => opts.logger?.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  // Nor a client that is checked out but between queries (a transaction waiting on Kafka): without a
  // listener its 'error' event is unhandled and kills the process. Its next query fails and the work is
  // retried; inTransaction discards the broken connection.
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.logger?.warn({ err: err.message }, 'PostgreSQL connection lost while in use'));
  });
  return pool;
}

/** Runs fn in one transaction; rolls back on any error and rethrows it. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    failed = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    // A connection that failed is not given back to the pool: it may be the one the server dropped.
    client.release(failed);
  }
}

export async function ping(pool: pg.Pool): Promise<void> {
  await pool.query('select 1');
}

/** Whether a PostgreSQL error is a unique violation (SQLSTATE 23505): the key was taken, by this or a concurrent transaction. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}
