import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { IANAZone } from 'luxon';
import { CreditPolicy, Currency, DecimalString, type AccountUpserted } from '@rcp/contracts';
import { inTransaction } from '@rcp/db';
import { partnerById } from '@rcp/domain';
import type { Principal } from '../auth/roles.js';
import { conflict, notFound, refused } from '../http/errors.js';
import { accountStateOf, type StoredCustomer } from '../rules/account-state.js';
import { loadLines, loadOverage, publishAccount } from '../store/accounts.js';
import { findPartner, Id, partnerForNewCustomer } from './partners.js';
import { requireRole, scopedCustomer, uniqueViolation, type Deps } from './context.js';

const TimeZone = z.string().refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as "Europe/Rome"');
const TaxRate = DecimalString.refine((s) => Number(s) >= 0 && Number(s) < 1, 'a tax rate is a fraction between 0 and 1, e.g. "0.22"');

export const CreateCustomer = z
  .object({
    /** The account id; generated when absent. */
    accountId: Id.optional(),
    /** The partner; a partner role's own by default; null (back-office only) for a direct customer. */
    partnerId: Id.nullable().optional(),
    name: z.string().min(1).max(200),
    country: z.string().regex(/^\d{1,3}$/, 'country calling code, e.g. "39"'),
    timezone: TimeZone,
    currency: Currency,
    billing: z
      .object({
        cycle: z.literal('monthly').default('monthly'),
        anchorDay: z.number().int().min(1).max(31).default(1),
        taxRate: TaxRate,
        paymentTermDays: z.number().int().min(0).max(365).default(14),
      })
      .strict(),
    credit: CreditPolicy.default({ mode: 'prepaid', postpaidFallback: null, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '0' }),
  })
  .strict();

/** What may change on an existing customer. The billing cycle and its anchor are fixed once lines are rated on them. */
export const UpdateCustomer = z
  .object({
    name: z.string().min(1).max(200).optional(),
    billing: z.object({ taxRate: TaxRate.optional(), paymentTermDays: z.number().int().min(0).max(365).optional() }).strict().optional(),
    credit: CreditPolicy.optional(),
  })
  .strict();

export const TransferCustomer = z.object({ partnerId: Id.nullable() }).strict();

export type CustomerView = Omit<AccountUpserted, 'v' | 'type' | 'eventId' | 'at'> & { revision: number };

export async function customerView(deps: Deps, customer: StoredCustomer): Promise<CustomerView> {
  const { v: _v, type: _t, eventId: _e, at: _a, ...state } = accountStateOf(
    customer,
    await loadLines(deps.pool, customer.accountId),
    await loadOverage(deps.pool, customer.accountId),
    deps.now(),
  );
  return { ...state, revision: customer.revision };
}

export async function createCustomer(deps: Deps, actor: Principal, input: z.output<typeof CreateCustomer>): Promise<CustomerView> {
  requireRole(actor, 'customer.create');
  const partnerId = partnerForNewCustomer(actor, input.partnerId);
  if (partnerId !== null && !(await findPartner(deps, partnerId))) throw notFound('partner', partnerId);
  const accountId = input.accountId ?? `ACC-${randomUUID()}`;
  const now = deps.now();
  try {
    await inTransaction(deps.pool, async (client) => {
      await client.query(
        `insert into provisioning.customers (account_id, partner_id, name, country, timezone, currency, billing, credit, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
        [accountId, partnerId, input.name, input.country, input.timezone, input.currency, input.billing, input.credit, actor.keyId, now],
      );
      await publishAccount(client, accountId, now);
    });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('customer_exists', `customer ${accountId} already exists`);
    throw err;
  }
  deps.afterCommit();
  return getCustomer(deps, actor, accountId);
}

export async function getCustomer(deps: Deps, actor: Principal, accountId: string): Promise<CustomerView> {
  return customerView(deps, await scopedCustomer(deps.pool, actor, accountId, 'customer.read'));
}

/** The customers the actor sees (a partner's own; the back-office all, or one partner's). */
export async function listCustomers(deps: Deps, actor: Principal, filter: { partnerId?: string }): Promise<{ accountId: string; partnerId: string | null; name: string; revision: number }[]> {
  requireRole(actor, 'customer.read');
  const scope = actor.role === 'backoffice' ? (filter.partnerId ?? null) : actor.partnerId;
  if (actor.role !== 'backoffice' && filter.partnerId !== undefined && filter.partnerId !== actor.partnerId) throw notFound('partner', filter.partnerId);
  const { rows } = await deps.pool.query(
    `select account_id as "accountId", partner_id as "partnerId", name, revision from provisioning.customers
     where ($1::text is null or partner_id = $1) and ($2::text is null or account_id = $2) order by account_id limit 10000`,
    [scope, actor.role === 'customer' ? actor.accountId : null],
  );
  return rows;
}

export async function updateCustomer(deps: Deps, actor: Principal, accountId: string, input: z.output<typeof UpdateCustomer>): Promise<CustomerView> {
  if (input.name === undefined && input.billing === undefined && input.credit === undefined) throw refused('nothing_to_update', 'name, billing or credit is needed');
  await inTransaction(deps.pool, async (client) => {
    const customer = await scopedCustomer(client, actor, accountId, 'customer.update', client);
    const billing = { ...customer.billing, ...Object.fromEntries(Object.entries(input.billing ?? {}).filter(([, v]) => v !== undefined)) };
    await client.query(`update provisioning.customers set name = $2, billing = $3, credit = $4 where account_id = $1`, [
      accountId,
      input.name ?? customer.name,
      billing,
      input.credit ?? customer.credit,
    ]);
    await publishAccount(client, accountId, deps.now());
  });
  deps.afterCommit();
  return getCustomer(deps, actor, accountId);
}

/**
 * Moves a customer to another partner (or to the operator). Back-office only. Its overage settings stay
 * held by the partner that set them until that partner sets them to none (seed 001).
 */
export async function transferCustomer(deps: Deps, actor: Principal, accountId: string, input: z.output<typeof TransferCustomer>): Promise<CustomerView> {
  await inTransaction(deps.pool, async (client) => {
    const customer = await scopedCustomer(client, actor, accountId, 'customer.transfer', client);
    if (customer.partnerId === input.partnerId) throw refused('no_change', `customer ${accountId} already belongs to ${input.partnerId ?? 'the operator'}`);
    if (input.partnerId !== null) {
      if (!(await findPartner(deps, input.partnerId))) throw notFound('partner', input.partnerId);
      const version = deps.catalogue.versionAt(deps.now());
      if (!partnerById(version, input.partnerId)) throw refused('partner_not_in_catalogue', `partner ${input.partnerId} is not in catalogue version ${version.version}`);
    }
    await client.query(`update provisioning.customers set partner_id = $2 where account_id = $1`, [accountId, input.partnerId]);
    await publishAccount(client, accountId, deps.now());
  });
  deps.afterCommit();
  return getCustomer(deps, actor, accountId);
}
