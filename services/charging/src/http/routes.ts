import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { DecimalString } from '@rcp/contracts';
import { inTransaction } from '@rcp/db';
import { docSchema } from '@rcp/runtime';
import type { CreditPolicy } from '@rcp/domain';
import { postEntries } from '../ledger/posting.js';

const TopUp = z.object({
  amount: DecimalString.refine((s) => Number(s) > 0, 'a top-up must be a positive amount'),
  /** The same key sent twice tops up once. */
  idempotencyKey: z.string().min(1).max(200),
});

export function registerChargingRoutes(
  app: FastifyInstance,
  deps: { pool: pg.Pool; account: (id: string) => { currency: string; policy: CreditPolicy } | undefined; afterCommit: () => Promise<void> },
): void {
  app.get('/v1/accounts/:accountId/balance', { schema: { tags: ['balance'], summary: "An account's balance, credit mode and ledger total" } }, async (req, reply) => {
    const { accountId } = req.params as { accountId: string };
    const { rows } = await deps.pool.query(
      `select a.account_id as "accountId", a.currency, a.balance::text as balance, a.mode, a.blocked,
              coalesce((select sum(amount) from charging.ledger l where l.account_id = a.account_id), 0)::text as "ledgerSum",
              (select count(*) from charging.ledger l where l.account_id = a.account_id)::int as "ledgerEntries"
       from charging.accounts a where a.account_id = $1`,
      [accountId],
    );
    if (rows.length === 0) return reply.code(404).send({ error: 'unknown_account', message: `no balance for account ${accountId}` });
    return rows[0];
  });

  app.get('/v1/accounts/:accountId/ledger', { schema: { tags: ['balance'], summary: "An account's ledger entries, oldest first" } }, async (req) => {
    const { accountId } = req.params as { accountId: string };
    const { rows } = await deps.pool.query(
      `select entry_id::text as "entryId", cause, cause_ref as "causeRef", amount::text as amount, balance_after::text as "balanceAfter", currency, posted_at as "postedAt"
       from charging.ledger where account_id = $1 order by entry_id limit 10000`,
      [accountId],
    );
    return { accountId, entries: rows };
  });

  app.post('/v1/accounts/:accountId/top-ups', { schema: { tags: ['balance'], summary: 'Add prepaid credit (idempotent by key)', body: docSchema(TopUp) } }, async (req, reply) => {
    const { accountId } = req.params as { accountId: string };
    const parsed = TopUp.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_top_up', issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    const account = deps.account(accountId);
    if (!account) return reply.code(404).send({ error: 'unknown_account', message: `account ${accountId} is not known to charging` });
    const [result] = await inTransaction(deps.pool, (client) =>
      postEntries(client, [{ accountId, currency: account.currency, cause: 'top_up', causeRef: parsed.data.idempotencyKey, amount: parsed.data.amount }], () => account.policy),
    );
    await deps.afterCommit();
    return reply.code(result!.status === 'posted' ? 201 : 200).send({ status: result!.status, balance: result!.balanceAfter });
  });
}
