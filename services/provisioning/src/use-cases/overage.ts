import { z } from 'zod';
import { inTransaction } from '@rcp/db';
import { Service } from '@rcp/contracts';
import { seesCustomer, type Principal } from '../auth/roles.js';
import { notFound, refused } from '../http/errors.js';
import { periodInForce } from '../rules/account-state.js';
import { decideOverage, mayReleaseHeld, type OverageEntry } from '../rules/overage.js';
import { loadLines, loadOverage, lockCustomer, publishAccount } from '../store/accounts.js';
import { Id } from './partners.js';
import { requireRole, scopedCustomer, type Deps } from './context.js';

export const SetOverage = z.object({ target: Id.nullable() }).strict();
export const OverageService = Service;

export type OverageView = { service: string; target: string | null; heldBy: string | null; since: Date };

export async function getOverage(deps: Deps, actor: Principal, accountId: string): Promise<{ accountId: string; services: OverageView[] }> {
  await scopedCustomer(deps.pool, actor, accountId, 'overage.read');
  const rows = await loadOverage(deps.pool, accountId);
  return { accountId, services: rows.map((r) => ({ service: r.service, target: r.target, heldBy: r.heldBy, since: r.updatedAt })) };
}

/**
 * Assigns a customer's overage for a service to a billing target, or to none. Published in the account's
 * state, from which rating's line profile takes it (LineProfile.overage).
 */
export async function setOverage(deps: Deps, actor: Principal, accountId: string, service: z.output<typeof OverageService>, input: z.output<typeof SetOverage>): Promise<OverageView> {
  const result = await inTransaction(deps.pool, async (client) => {
    const customer = await lockCustomer(client, accountId);
    const now = deps.now();
    const stored = customer ? (await loadOverage(client, accountId)).find((o) => o.service === service) : undefined;
    const current: OverageEntry | undefined = stored && { target: stored.target, heldBy: stored.heldBy };
    if (!customer || !(seesCustomer(actor, customer) || mayReleaseHeld(actor, current, input.target))) throw notFound('customer', accountId);
    // A customer reading its own account may still not manage overage: the role check answers it.
    if (seesCustomer(actor, customer)) requireRole(actor, 'overage.read');
    const next = decideOverage(actor, customer.partnerId, current, input.target, service);
    if (next.target !== null) await requireAllowance(client, accountId, service, now, deps);
    await client.query(
      `insert into provisioning.overage_settings (account_id, service, target, held_by, updated_by, updated_at) values ($1, $2, $3, $4, $5, $6)
       on conflict (account_id, service) do update set target = excluded.target, held_by = excluded.held_by, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      [accountId, service, next.target, next.heldBy, actor.keyId, now],
    );
    await client.query(`insert into provisioning.overage_changes (account_id, service, target, held_by, changed_by, changed_at) values ($1, $2, $3, $4, $5, $6)`, [
      accountId,
      service,
      next.target,
      next.heldBy,
      actor.keyId,
      now,
    ]);
    await publishAccount(client, accountId, now);
    return { service, target: next.target, heldBy: next.heldBy, since: now };
  });
  deps.afterCommit();
  return result;
}

/** Overage only exists where an allowance does: a line of the customer must be on an offer with a basket for the service. */
async function requireAllowance(client: Parameters<typeof loadLines>[0], accountId: string, service: string, now: Date, deps: Deps): Promise<void> {
  const version = deps.catalogue.versionAt(now);
  for (const line of await loadLines(client, accountId)) {
    if (line.activeTo !== null) continue;
    const period = periodInForce(line.periods, now);
    const offer = period && version.offers.find((o) => o.id === period.offerId);
    if (offer?.baskets.some((b) => b.service === service)) return;
  }
  throw refused('overage_not_applicable', `no line of customer ${accountId} is on an offer with a ${service} allowance; overage has nothing to apply to`);
}
