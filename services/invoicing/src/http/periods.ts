import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { docSchema } from '@rcp/runtime';
import { closePeriod } from '../periods/close-period.js';
import { correctPeriod } from '../invoices/corrections.js';
import { IsoDate, opsGuard, parseBody, sendError, today, validPeriodKey, type RouteDeps } from './common.js';

const CloseRequest = z
  .object({
    /** Only these accounts; all accounts whose cycle starts that day (or that have usage in it) when absent. */
    accountIds: z.array(z.string().min(1)).min(1).optional(),
    /** The business date of issue; today when absent. Due dates count from it. */
    asOf: IsoDate.optional(),
    /** false: build drafts to review, issue them later (POST /v1/invoices/:id/issue). */
    issue: z.boolean().default(true),
    /** Also close the partners' wholesale invoices of the period's month (default true). */
    partners: z.boolean().default(true),
  })
  .strict();

const CorrectionsRequest = z.object({ accountIds: z.array(z.string().min(1)).min(1).optional(), asOf: IsoDate.optional() }).strict();

export function registerPeriodRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const ops = opsGuard(deps);
  app.post(
    '/v1/periods/:periodKey/close',
    { schema: { tags: ['periods'], summary: 'Close a billing cycle (keyed by its first day, YYYY-MM-DD): customer invoices, profitability tasks, partner invoices; idempotent', body: docSchema(CloseRequest) } },
    async (req, reply) => {
      if (!ops(req, reply)) return reply;
      const { periodKey } = req.params as { periodKey: string };
      if (!validPeriodKey(periodKey, reply)) return reply;
      const body = parseBody(CloseRequest, req.body, reply);
      if (!body) return reply;
      try {
        const result = await closePeriod(
          { pool: deps.pool, account: deps.account, accounts: deps.accounts, catalogue: deps.catalogue, config: async (c) => (await deps.billing.current(c)).config, operatorIssuer: deps.operatorIssuer },
          { periodKey, accountIds: body.accountIds, issueDate: body.asOf, issue: body.issue, partners: body.partners },
        );
        await deps.afterCommit();
        return { periodKey, ...result };
      } catch (err) {
        return sendError(reply, err);
      }
    },
  );

  app.post(
    '/v1/periods/:periodKey/corrections',
    { schema: { tags: ['periods'], summary: 'Recompute the issued invoices of a period from the latest rated usage; credit or debit notes for the differences', body: docSchema(CorrectionsRequest) } },
    async (req, reply) => {
      if (!ops(req, reply)) return reply;
      const { periodKey } = req.params as { periodKey: string };
      if (!validPeriodKey(periodKey, reply)) return reply;
      const body = parseBody(CorrectionsRequest, req.body, reply);
      if (!body) return reply;
      const notes = await correctPeriod(deps.pool, { periodKey, accountIds: body.accountIds, issueDate: body.asOf ?? today() });
      await deps.afterCommit();
      return { periodKey, notes };
    },
  );

  app.get('/v1/periods/:periodKey/usage', { schema: { tags: ['periods'], summary: 'Rated usage of a rating period per account: records, units, retail and wholesale amounts' } }, async (req) => {
    const { periodKey } = req.params as { periodKey: string };
    const { rows } = await deps.pool.query(
      `select account_id as "accountId", count(*)::int as records,
              count(*) filter (where service = 'voice' and units > 0)::int as "voiceCalls",
              coalesce(sum(units) filter (where service = 'voice'), 0)::int as "voiceSeconds",
              sum(retail_amount)::text as retail, sum(wholesale_amount)::text as wholesale
       from invoicing.usage where period_key = $1 group by account_id order by account_id`,
      [periodKey],
    );
    return { periodKey, accounts: rows };
  });
}
