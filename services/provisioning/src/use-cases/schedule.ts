import { inTransaction } from '@rcp/db';
import { lockCustomer, publishAccount } from '../store/accounts.js';
import type { Deps } from './context.js';

/**
 * Publishes the accounts whose scheduled package change (or future activation) has come into force, so a
 * reader of the state's top-level offerId sees it without anyone touching the line. Safe on several
 * instances: the account row is locked and the due check repeated inside the transaction.
 */
export async function publishDueChanges(deps: Pick<Deps, 'pool' | 'now'>): Promise<number> {
  const now = deps.now();
  const due = async (db: Pick<Deps['pool'], 'query'>, accountId?: string) =>
    (
      await db.query<{ account_id: string }>(
        `select distinct l.account_id from provisioning.line_offer_periods p join provisioning.lines l on l.line_id = p.line_id
         where p.status = 'active' and not p.announced and p.effective_from <= $1 and ($2::text is null or l.account_id = $2) limit 200`,
        [now, accountId ?? null],
      )
    ).rows.map((r) => r.account_id);
  let published = 0;
  for (const accountId of await due(deps.pool)) {
    published += await inTransaction(deps.pool, async (client) => {
      await lockCustomer(client, accountId);
      if ((await due(client, accountId)).length === 0) return 0; // another instance was first
      await publishAccount(client, accountId, now);
      return 1;
    });
  }
  return published;
}
