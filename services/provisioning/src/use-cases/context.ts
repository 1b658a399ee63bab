import type pg from 'pg';
import type { Logger } from 'pino';
import { isUniqueViolation } from '@rcp/db';
import { roleMay, seesCustomer, seesPartner, type Action, type Principal } from '../auth/roles.js';
import type { CatalogueView } from '../catalogue/catalogue-view.js';
import { forbidden, notFound } from '../http/errors.js';
import { findCustomer, lockCustomer } from '../store/accounts.js';
import type { StoredCustomer } from '../rules/account-state.js';
import type { Upstreams } from '../upstream/clients.js';

/** What the use cases need: the database, the catalogue, the other services' APIs, and a clock. */
export type Deps = {
  pool: pg.Pool;
  catalogue: CatalogueView;
  upstream: Upstreams;
  logger: Logger;
  now: () => Date;
  /** Publishes what the last transaction queued (the outbox drain); called after each commit. */
  afterCommit: () => void;
};

export function requireRole(actor: Principal, action: Action): void {
  if (!roleMay(actor.role, action)) throw forbidden('role_forbidden', `the ${actor.role} role may not ${action.replace('.', ' ')}`);
}

/**
 * The customer if it exists for the actor (scope first, so another partner's customer is simply not
 * found), then the role check. With a client the row is locked for the transaction.
 */
export async function scopedCustomer(db: pg.Pool | pg.PoolClient, actor: Principal, accountId: string, action: Action, lock?: pg.PoolClient): Promise<StoredCustomer> {
  const customer = lock ? await lockCustomer(lock, accountId) : await findCustomer(db, accountId);
  if (!customer || !seesCustomer(actor, customer)) throw notFound('customer', accountId);
  requireRole(actor, action);
  return customer;
}

export function scopedPartner(actor: Principal, partnerId: string, action: Action): void {
  if (!seesPartner(actor, partnerId)) throw notFound('partner', partnerId);
  requireRole(actor, action);
}

/** The account a line belongs to, or a 404 naming the line (which must not reveal whose it is). */
export async function accountOfLine(db: pg.Pool | pg.PoolClient, lineId: string): Promise<string> {
  const { rows } = await db.query<{ account_id: string }>('select account_id from provisioning.lines where line_id = $1', [lineId]);
  if (!rows[0]) throw notFound('line', lineId);
  return rows[0].account_id;
}

/** Unique-key violations, by the constraint that was hit. */
export function uniqueViolation(err: unknown): string | undefined {
  return isUniqueViolation(err) ? (err as { constraint?: string }).constraint : undefined;
}

/** An answer whose HTTP status the use case decides (202 pending, 200 for a repeated top-up, ...). */
export class Reply<B = unknown> {
  constructor(
    readonly status: number,
    readonly body: B,
  ) {}
}
