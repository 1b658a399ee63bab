import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import type { AccountUpserted } from '@rcp/contracts';
import { docSchema } from '@rcp/runtime';
import { closePeriod } from '../periods/close-period.js';

const CloseRequest = z.object({
  /** Only these accounts; all accounts with usage in the period when absent. */
  accountIds: z.array(z.string().min(1)).min(1).optional(),
});

export function registerInvoicingRoutes(app: FastifyInstance, deps: { pool: pg.Pool; account: (id: string) => AccountUpserted | undefined; afterCommit: () => Promise<void> }): void {
  app.post(
    '/v1/periods/:periodKey/close',
    { schema: { tags: ['periods'], summary: 'Close a billing period (keyed by its first day, YYYY-MM-DD) and issue its invoices; idempotent', body: docSchema(CloseRequest) } },
    async (req, reply) => {
      const { periodKey } = req.params as { periodKey: string };
      if (!/^\d{4}-\d{2}-\d{2}$/.test(periodKey)) return reply.code(400).send({ error: 'invalid_period', message: 'period key must be the period’s first day, YYYY-MM-DD' });
      const body = CloseRequest.safeParse(req.body ?? {});
      if (!body.success) return reply.code(400).send({ error: 'invalid_request', issues: body.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
      const invoices = await closePeriod(deps.pool, { periodKey, accountIds: body.data.accountIds, account: deps.account });
      await deps.afterCommit();
      return { periodKey, invoices };
    },
  );

  app.get('/v1/periods/:periodKey/usage', { schema: { tags: ['periods'], summary: 'Rated usage of a period per account: records, units, retail and wholesale amounts' } }, async (req) => {
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

  app.get('/v1/invoices', { schema: { tags: ['invoices'], summary: 'Invoices, optionally of one account or period' } }, async (req) => {
    const q = req.query as { accountId?: string; periodKey?: string };
    const { rows } = await deps.pool.query(
      `select invoice_id as "invoiceId", invoice_number as "invoiceNumber", issuer, account_id as "accountId", period_key as "periodKey",
              status, currency, net::text as net, tax::text as tax, total::text as total, lines, due_date as "dueDate", issued_at as "issuedAt"
       from invoicing.invoices where ($1::text is null or account_id = $1) and ($2::text is null or period_key = $2)
       order by issuer, invoice_number limit 1000`,
      [q.accountId ?? null, q.periodKey ?? null],
    );
    return { invoices: rows };
  });
}
