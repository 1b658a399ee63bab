import { z } from 'zod';
import type pg from 'pg';
import { newCredential, parseToken, splitHashedCredential, verifySecret, VerifiedTokenCache } from '../auth/credentials.js';
import { mayIssue, ROLES, seesCustomer, type Principal, type Role } from '../auth/roles.js';
import { forbidden, notFound, refused } from '../http/errors.js';
import { findCustomer } from '../store/accounts.js';
import { findPartner, Id } from './partners.js';
import { requireRole, type Deps } from './context.js';

export const CreateCredential = z
  .object({
    role: z.enum(ROLES),
    /** For partner_admin and partner_sales: the partner (a partner admin may only name its own). */
    partnerId: Id.optional(),
    /** For customer: the customer account it may read. */
    accountId: Id.optional(),
    label: z.string().min(1).max(200),
  })
  .strict();

export type CredentialView = { keyId: string; role: Role; partnerId: string | null; accountId: string | null; label: string; createdAt: Date; revokedAt: Date | null };
const COLUMNS = `key_id as "keyId", role, partner_id as "partnerId", account_id as "accountId", label, created_at as "createdAt", revoked_at as "revokedAt"`;

/** Issues a credential; the token is in the answer once and nowhere else (only its scrypt hash is kept). */
export async function createCredential(deps: Deps, actor: Principal, input: z.output<typeof CreateCredential>): Promise<CredentialView & { token: string }> {
  requireRole(actor, 'credential.manage');
  let partnerId: string | null = null;
  let accountId: string | null = null;
  if (input.role === 'customer') {
    if (!input.accountId) throw refused('account_required', 'a customer credential names the customer account (accountId)');
    const customer = await findCustomer(deps.pool, input.accountId);
    if (!customer || !seesCustomer(actor, customer)) throw notFound('customer', input.accountId);
    accountId = customer.accountId;
  } else if (input.role === 'partner_admin' || input.role === 'partner_sales') {
    partnerId = input.partnerId ?? (actor.role === 'partner_admin' ? actor.partnerId : null);
    if (!partnerId) throw refused('partner_required', `a ${input.role} credential names its partner (partnerId)`);
    if (actor.role !== 'backoffice' && partnerId !== actor.partnerId) throw notFound('partner', partnerId);
    if (!(await findPartner(deps, partnerId))) throw notFound('partner', partnerId);
  }
  // A customer credential is issued for the customer's partner's scope: mayIssue checks the role only.
  if (!mayIssue(actor, { role: input.role, partnerId: input.role === 'customer' ? actor.partnerId : partnerId })) {
    throw forbidden('role_forbidden', `the ${actor.role} role may not issue a ${input.role} credential`);
  }
  const fresh = await newCredential();
  const { rows } = await deps.pool.query<CredentialView>(
    `insert into provisioning.credentials (key_id, secret_hash, role, partner_id, account_id, label, created_by) values ($1, $2, $3, $4, $5, $6, $7) returning ${COLUMNS}`,
    [fresh.keyId, fresh.secretHash, input.role, partnerId, accountId, input.label, actor.keyId],
  );
  return { ...rows[0]!, token: fresh.token };
}

/** The credentials the actor manages: all for the back-office, its partner's (and its customers') for a partner admin. */
export async function listCredentials(deps: Deps, actor: Principal): Promise<CredentialView[]> {
  requireRole(actor, 'credential.manage');
  const { rows } = await deps.pool.query<CredentialView>(
    `select ${COLUMNS} from provisioning.credentials c
     where $1::text is null or c.partner_id = $1 or c.account_id in (select account_id from provisioning.customers where partner_id = $1)
     order by created_at, key_id`,
    [actor.role === 'backoffice' ? null : actor.partnerId],
  );
  return rows;
}

export async function revokeCredential(deps: Deps, actor: Principal, keyId: string, cache: VerifiedTokenCache<Principal>): Promise<CredentialView> {
  requireRole(actor, 'credential.manage');
  const mine = await listCredentials(deps, actor);
  if (!mine.some((c) => c.keyId === keyId)) throw notFound('credential', keyId);
  const { rows } = await deps.pool.query<CredentialView>(
    `update provisioning.credentials set revoked_at = coalesce(revoked_at, now()) where key_id = $1 returning ${COLUMNS}`,
    [keyId],
  );
  cache.forget(keyId);
  return rows[0]!;
}

/**
 * The principal a bearer token stands for, or null: unknown key, wrong secret, revoked. A token verified a
 * moment ago is taken from the cache without re-hashing.
 */
export async function authenticate(pool: pg.Pool, token: string, cache: VerifiedTokenCache<Principal>): Promise<Principal | null> {
  const cached = cache.get(token);
  if (cached) return cached;
  const parsed = parseToken(token);
  if (!parsed) return null;
  const { rows } = await pool.query<{ secretHash: string; role: Role; partnerId: string | null; accountId: string | null }>(
    `select secret_hash as "secretHash", role, partner_id as "partnerId", account_id as "accountId" from provisioning.credentials where key_id = $1 and revoked_at is null`,
    [parsed.keyId],
  );
  const row = rows[0];
  if (!row || !(await verifySecret(parsed.secret, row.secretHash))) return null;
  const principal: Principal = { keyId: parsed.keyId, role: row.role, partnerId: row.partnerId, accountId: row.accountId };
  cache.set(token, principal);
  return principal;
}

/**
 * The first back-office credential, from configuration (`<keyId>:<hash>`): inserted once. Revoking it
 * through the API sticks across restarts; a new one is configured under a new key id.
 */
export async function installBootstrapCredential(pool: pg.Pool, hashed: string): Promise<{ keyId: string; installed: boolean }> {
  const { keyId, secretHash } = splitHashedCredential(hashed);
  const { rowCount } = await pool.query(
    `insert into provisioning.credentials (key_id, secret_hash, role, label, created_by) values ($1, $2, 'backoffice', 'bootstrap (configuration)', 'configuration')
     on conflict (key_id) do nothing`,
    [keyId, secretHash],
  );
  return { keyId, installed: (rowCount ?? 0) > 0 };
}
