import type pg from 'pg';

/** One write of a transaction: a statement with its own $1..$n parameters. */
export type WritePiece = { kind: string; sql: string; params: unknown[] };

/**
 * Runs a transaction's writes as one statement (writable CTEs, parameters renumbered), prepared once per
 * combination on each connection: one round trip, no re-planning, whatever the transaction wrote.
 */
export async function executeWrites(client: pg.PoolClient, pieces: (WritePiece | null)[]): Promise<void> {
  const live = pieces.filter((p): p is WritePiece => p !== null);
  if (live.length === 0) return;
  let text: string;
  const values: unknown[] = [];
  if (live.length === 1) {
    text = live[0]!.sql;
    values.push(...live[0]!.params);
  } else {
    const ctes = live.map((p, i) => {
      const offset = values.length;
      values.push(...p.params);
      return `w${i} as (${p.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
    });
    text = `with ${ctes.join(',\n')} select 1`;
  }
  await client.query({ name: `charging.write:${live.map((p) => p.kind).join('+')}`, text, values });
}
