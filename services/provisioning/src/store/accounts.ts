import type pg from 'pg';
import type { AccountUpserted } from '@rcp/contracts';
import { enqueueOutbox } from '@rcp/db';
import { accountStateOf, type StoredCustomer, type StoredLine, type StoredOverage, type StoredPeriod } from '../rules/account-state.js';

type Db = pg.PoolClient | pg.Pool;

const CUSTOMER_COLUMNS = `account_id as "accountId", partner_id as "partnerId", name, country, timezone, currency, billing, credit, revision`;

export async function findCustomer(db: Db, accountId: string): Promise<StoredCustomer | undefined> {
  const { rows } = await db.query<StoredCustomer>(`select ${CUSTOMER_COLUMNS} from provisioning.customers where account_id = $1`, [accountId]);
  return rows[0];
}

/**
 * The customer row, locked for the rest of the transaction: changes to one account are serialised, so
 * its revisions (and the outbox rows carrying them) follow the order the changes were committed in.
 */
export async function lockCustomer(client: pg.PoolClient, accountId: string): Promise<StoredCustomer | undefined> {
  const { rows } = await client.query<StoredCustomer>(`select ${CUSTOMER_COLUMNS} from provisioning.customers where account_id = $1 for update`, [accountId]);
  return rows[0];
}

export async function loadLines(db: Db, accountId: string, lineIds?: string[]): Promise<StoredLine[]> {
  const { rows } = await db.query<{ lineId: string; activeFrom: string; activeTo: string | null; closedUserGroups: string[]; numbers: string[]; accountCodes: string[] }>(
    `select l.line_id as "lineId", l.active_from::text as "activeFrom", l.active_to::text as "activeTo", l.closed_user_groups as "closedUserGroups",
            coalesce((select array_agg(n.number order by n.number) from provisioning.line_numbers n where n.line_id = l.line_id), '{}') as numbers,
            coalesce((select array_agg(c.code order by c.code) from provisioning.line_account_codes c where c.line_id = l.line_id), '{}') as "accountCodes"
     from provisioning.lines l where l.account_id = $1 and ($2::text[] is null or l.line_id = any($2)) order by l.line_id`,
    [accountId, lineIds ?? null],
  );
  if (rows.length === 0) return [];
  const periods = await db.query<StoredPeriod & { lineId: string }>(
    `select line_id as "lineId", offer_id as "offerId", channels, effective_from as "effectiveFrom", effective_to as "effectiveTo", change
     from provisioning.line_offer_periods where line_id = any($1) and status = 'active' order by line_id, effective_from, period_id`,
    [rows.map((r) => r.lineId)],
  );
  const byLine = new Map<string, StoredPeriod[]>();
  for (const { lineId, ...p } of periods.rows) {
    const list = byLine.get(lineId) ?? [];
    list.push(p);
    byLine.set(lineId, list);
  }
  return rows.map((r) => ({ ...r, periods: byLine.get(r.lineId) ?? [] }));
}

export async function loadOverage(db: Db, accountId: string): Promise<StoredOverage[]> {
  const { rows } = await db.query<StoredOverage>(
    `select service, target, held_by as "heldBy", updated_at as "updatedAt" from provisioning.overage_settings where account_id = $1 order by service`,
    [accountId],
  );
  return rows;
}

/**
 * Queues the account's full state on account.events (keyed by account, compacted) in the caller's
 * transaction, under the next revision. Every change to a customer, its lines or its overage ends here.
 */
export async function publishAccount(client: pg.PoolClient, accountId: string, now: Date): Promise<AccountUpserted> {
  const { rows } = await client.query<{ revision: number }>(
    `update provisioning.customers set revision = revision + 1, updated_at = $2 where account_id = $1 returning revision`,
    [accountId, now],
  );
  if (!rows[0]) throw new Error(`customer ${accountId} vanished inside its own transaction`);
  const customer = (await findCustomer(client, accountId))!;
  const state = accountStateOf(customer, await loadLines(client, accountId), await loadOverage(client, accountId), now);
  // Periods in force from now on have been published as the line's current package.
  await client.query(
    `update provisioning.line_offer_periods set announced = true
     where not announced and status = 'active' and effective_from <= $2 and line_id in (select line_id from provisioning.lines where account_id = $1)`,
    [accountId, now],
  );
  await enqueueOutbox(client, 'provisioning', [{ topic: 'account.events', key: accountId, payload: state }]);
  return state;
}

/**
 * Runs fn while holding a session advisory lock, so instances of this service do one such thing at a time
 * (a lost-update window across GET and PUT of rating's catalogue, for one).
 */
export async function withAdvisoryLock<T>(pool: pg.Pool, name: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [name]);
    try {
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [name]);
    }
  } finally {
    client.release();
  }
}
