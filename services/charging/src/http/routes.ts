import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { MoneyAmount } from '@rcp/contracts';
import { availableCredit, dec } from '@rcp/domain';
import { docSchema, hasOpsBearer } from '@rcp/runtime';
import { NotOwnerError } from '../credit-control/store.js';
import type { AccountTerms, LedgerCause, Posting, PostingResult } from '../ledger/posting.js';

const TopUp = z.object({
  amount: MoneyAmount.refine((s) => dec(s).greaterThan(0), 'a top-up must be a positive amount'),
  /** The same key sent twice tops up once. */
  idempotencyKey: z.string().min(1).max(200),
});

const Adjustment = z.object({
  /** Signed: positive credits the account (a goodwill credit, a refund), negative debits it. */
  amount: MoneyAmount.refine((s) => !dec(s).isZero(), 'an adjustment must not be zero'),
  reason: z.string().min(1).max(500),
  /** The same key sent twice adjusts once. */
  idempotencyKey: z.string().min(1).max(200),
});

const BalanceView = z.object({
  accountId: z.string(),
  currency: z.string(),
  balance: z.string(),
  mode: z.string(),
  blocked: z.boolean(),
  /** Credit held by open reservations (real-time sessions). */
  reserved: z.string(),
  /** Credit new usage may still take: balance down to the mode's floor, less reservations. */
  available: z.string(),
  ledgerSum: z.string(),
  ledgerEntries: z.number().int(),
});
const ErrorAnswer = z.object({ error: z.string(), message: z.string().optional(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() });
const PostedAnswer = z.object({ status: z.enum(['posted', 'already_posted']), balance: z.string().nullable() });

export function registerChargingRoutes(
  app: FastifyInstance,
  deps: {
    pool: pg.Pool;
    terms: (id: string) => AccountTerms | undefined;
    /** Posts through the accounts' owner; resolves once committed. */
    post: (posting: Posting, terms: AccountTerms) => Promise<PostingResult>;
    /** Resolves once every decision made so far is in PostgreSQL (what the reads below see). */
    flushed: () => Promise<void>;
    afterCommit: () => Promise<void>;
    /** Top-ups and adjustments need it as a bearer token; without one configured they are refused. */
    opsToken: string | undefined;
  },
): void {
  const refusedUnlessOps = (req: FastifyRequest, reply: FastifyReply): FastifyReply | null => {
    if (hasOpsBearer(req, deps.opsToken)) return null;
    const message = deps.opsToken ? 'top-ups and adjustments need the ops bearer token' : 'top-ups and adjustments need the ops bearer token, and this instance has none configured (RCP_OPS_TOKEN)';
    return reply.code(401).send({ error: 'unauthorized', message });
  };
  app.get(
    '/v1/accounts/:accountId/balance',
    { schema: { tags: ['balance'], summary: "An account's balance, credit mode, reservations and ledger total", response: { 200: docSchema(BalanceView), 404: docSchema(ErrorAnswer) } } },
    async (req, reply) => {
      const { accountId } = req.params as { accountId: string };
      await deps.flushed();
      const { rows } = await deps.pool.query<{ accountId: string; currency: string; balance: string; mode: 'prepaid' | 'postpaid'; blocked: boolean; reserved: string; ledgerSum: string; ledgerEntries: number }>(
        `select a.account_id as "accountId", a.currency, a.balance::text as balance, a.mode, a.blocked,
                (select coalesce(sum(reserved), 0) from charging.calls c where c.account_id = a.account_id and c.status = 'active' and c.expires_at > now())::text as reserved,
                coalesce((select sum(amount) from charging.ledger l where l.account_id = a.account_id), 0)::text as "ledgerSum",
                (select count(*) from charging.ledger l where l.account_id = a.account_id)::int as "ledgerEntries"
         from charging.accounts a where a.account_id = $1`,
        [accountId],
      );
      const row = rows[0];
      if (!row) return reply.code(404).send({ error: 'unknown_account', message: `no balance for account ${accountId}` });
      const terms = deps.terms(accountId);
      const available = terms ? availableCredit({ balance: row.balance, mode: row.mode, blocked: row.blocked }, terms.policy, row.reserved).toFixed() : '0';
      return { ...row, available };
    },
  );

  app.get('/v1/accounts/:accountId/ledger', { schema: { tags: ['balance'], summary: "An account's ledger entries, oldest first; each names its cause" } }, async (req) => {
    const { accountId } = req.params as { accountId: string };
    await deps.flushed();
    const { rows } = await deps.pool.query(
      `select entry_id::text as "entryId", cause, cause_ref as "causeRef", amount::text as amount, balance_after::text as "balanceAfter", currency, note, posted_at as "postedAt"
       from charging.ledger where account_id = $1 order by entry_id limit 10000`,
      [accountId],
    );
    return { accountId, entries: rows };
  });

  const post = async (reply: FastifyReply, accountId: string, cause: LedgerCause, causeRef: string, amount: string, note?: string) => {
    const terms = deps.terms(accountId);
    if (!terms) return reply.code(404).send({ error: 'unknown_account', message: `account ${accountId} is not known to charging` });
    let result: PostingResult;
    try {
      result = await deps.post({ accountId, currency: terms.currency, cause, causeRef, amount, note }, terms);
    } catch (err) {
      if (err instanceof NotOwnerError) return reply.code(503).send({ error: err.code, message: err.message });
      throw err;
    }
    if (result.status === 'key_conflict') {
      const whose = result.prior.accountId === accountId ? 'this account' : 'another account';
      const what = cause === 'top_up' ? 'top-up' : 'adjustment';
      return reply.code(409).send({
        error: 'idempotency_key_reused',
        message: `idempotency key ${JSON.stringify(causeRef)} was already used for a ${what} of ${result.prior.amount} on ${whose}; this request is for ${amount} on ${accountId}. Nothing was posted: send a new key for a new ${what}`,
      });
    }
    await deps.afterCommit();
    return reply.code(result.status === 'posted' ? 201 : 200).send({ status: result.status, balance: result.balanceAfter });
  };

  app.post(
    '/v1/accounts/:accountId/top-ups',
    {
      schema: {
        tags: ['balance'],
        summary: 'Add prepaid credit (idempotent by key); publishes topped_up on balance.events',
        body: docSchema(TopUp),
        response: { 201: docSchema(PostedAnswer), 200: docSchema(PostedAnswer), 400: docSchema(ErrorAnswer), 404: docSchema(ErrorAnswer), 409: docSchema(ErrorAnswer), 503: docSchema(ErrorAnswer) },
      },
    },
    async (req, reply) => {
      const refused = refusedUnlessOps(req, reply);
      if (refused) return refused;
      const { accountId } = req.params as { accountId: string };
      const parsed = TopUp.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_top_up', issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
      return post(reply, accountId, 'top_up', parsed.data.idempotencyKey, parsed.data.amount);
    },
  );

  app.post(
    '/v1/accounts/:accountId/adjustments',
    {
      schema: {
        tags: ['balance'],
        summary: 'Correct a balance by hand (signed amount with a reason; idempotent by key); a ledger entry with cause adjustment',
        body: docSchema(Adjustment),
        response: { 201: docSchema(PostedAnswer), 200: docSchema(PostedAnswer), 400: docSchema(ErrorAnswer), 404: docSchema(ErrorAnswer), 409: docSchema(ErrorAnswer), 503: docSchema(ErrorAnswer) },
      },
    },
    async (req, reply) => {
      const refused = refusedUnlessOps(req, reply);
      if (refused) return refused;
      const { accountId } = req.params as { accountId: string };
      const parsed = Adjustment.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_adjustment', issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
      return post(reply, accountId, 'adjustment', parsed.data.idempotencyKey, parsed.data.amount, parsed.data.reason);
    },
  );
}
