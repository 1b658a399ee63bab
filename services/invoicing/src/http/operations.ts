import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { docSchema } from '@rcp/runtime';
import { accountBilling, cycleOf } from '../billing/customer-invoice.js';
import { lineSegments } from '../accounts/line-history.js';
import { runDunning } from '../dunning/run.js';
import { answerOffer, closeTask, listOffers, listTasks, offerById, offerView, runFollowUps, sendOffer, taskById, taskView } from '../profitability/offers.js';
import { partnerAccounts } from '../periods/close-partner.js';
import { customerTrafficCsv, partnerTrafficCsv, reconciliationCsv } from '../reports/traffic.js';
import { addMonths } from '@rcp/domain';
import { config, IsoDate, opsGuard, parseBody, sendError, today, validPeriodKey, type RouteDeps } from './common.js';

const RunRequest = z.object({ asOf: IsoDate.optional(), accountIds: z.array(z.string().min(1)).min(1).optional() }).strict();
const OfferRequest = z.object({ greeting: z.string().min(1), sentOn: IsoDate.optional() }).strict();
const AnswerRequest = z.object({ accepted: z.boolean(), answeredOn: IsoDate.optional() }).strict();
const CloseTaskRequest = z.object({ resolution: z.string().min(1) }).strict();

/** The month a partner report covers, from "YYYY-MM" or its first day. */
function monthRange(period: string): { from: string; to: string } | null {
  const m = /^(\d{4}-\d{2})(-01)?$/.exec(period);
  if (!m) return null;
  return { from: `${m[1]}-01`, to: addMonths(`${m[1]}-01`, 1) };
}

export function registerOperationRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const ops = opsGuard(deps);

  // --- the billing document ---------------------------------------------------------------------------
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseYaml(body as string));
    } catch (err) {
      done(Object.assign(new Error(`the billing document is not valid YAML: ${(err as Error).message}`), { statusCode: 400, code: 'invalid_yaml' }), undefined);
    }
  });
  app.put('/v1/billing-config', { schema: { tags: ['billing'], summary: 'Apply the billing document (YAML or JSON): billing-time discounts, cost caps, taxes, dunning, profitability, templates' } }, async (req, reply) => {
    if (!ops(req, reply)) return reply;
    try {
      const applied = await deps.billing.apply(req.body, 'http');
      return reply.code(201).send({ revision: applied.revision, discounts: applied.config.discounts.length, customers: applied.config.customers.length });
    } catch (err) {
      return sendError(reply, err);
    }
  });
  app.get('/v1/billing-config', { schema: { tags: ['billing'], summary: 'The billing document in force, with defaults filled in' } }, async () => deps.billing.current());

  app.get('/v1/catalogue', { schema: { tags: ['billing'], summary: 'The catalogue invoicing prices fees from (from catalogue.events): revision and versions' } }, async (_req, reply) => {
    const c = deps.catalogue.current;
    if (!c) return reply.code(404).send({ error: 'no_catalogue', message: 'no catalogue has reached invoicing yet' });
    return { revision: c.revision, catalogue: c.catalogue.catalogue ?? null, versions: c.catalogue.versions.map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom, offers: v.offers.map((o) => o.id) })) };
  });

  // --- accounts ---------------------------------------------------------------------------------------
  app.get('/v1/accounts/:accountId/lines', { schema: { tags: ['accounts'], summary: "The account's line-offer history (what fees are prorated from)" } }, async (req) => {
    const { accountId } = req.params as { accountId: string };
    return { accountId, segments: await lineSegments(deps.pool, accountId) };
  });
  app.get('/v1/accounts/:accountId/standing', { schema: { tags: ['dunning'], summary: 'Where the account stands in dunning: active, suspended or terminated' } }, async (req) => {
    const { accountId } = req.params as { accountId: string };
    const { rows } = await deps.pool.query(`select standing, since, reason, version from invoicing.account_standing where account_id = $1`, [accountId]);
    return { accountId, ...(rows[0] ?? { standing: 'active', since: null, reason: null, version: 0 }) };
  });

  // --- dunning ----------------------------------------------------------------------------------------
  app.post('/v1/dunning/run', { schema: { tags: ['dunning'], summary: 'Dunning for a day (asOf, default today): reminders, overdue, suspension, termination; each step once', body: docSchema(RunRequest) } }, async (req, reply) => {
    if (!ops(req, reply)) return reply;
    const body = parseBody(RunRequest, req.body, reply);
    if (!body) return reply;
    const asOf = body.asOf ?? today();
    const actions = await runDunning(deps.pool, { config: config(deps) }, { asOf, accountIds: body.accountIds });
    await deps.afterCommit();
    return { asOf, actions };
  });

  // --- profitability tasks and offers -------------------------------------------------------------------
  app.post('/v1/follow-ups/run', { schema: { tags: ['profitability'], summary: 'Open follow-up tasks for offers unanswered for 7 days on asOf (default today)', body: docSchema(RunRequest) } }, async (req, reply) => {
    if (!ops(req, reply)) return reply;
    const body = parseBody(RunRequest, req.body, reply);
    if (!body) return reply;
    const asOf = body.asOf ?? today();
    return { asOf, tasks: await runFollowUps(deps.pool, { config: config(deps) }, { asOf }) };
  });
  app.get('/v1/tasks', { schema: { tags: ['profitability'], summary: 'Tasks for ops, optionally of one account, status or kind' } }, async (req) => ({ tasks: (await listTasks(deps.pool, req.query as { accountId?: string; status?: string; kind?: string })).map(taskView) }));
  app.get('/v1/tasks/:taskId', { schema: { tags: ['profitability'], summary: 'One task' } }, async (req, reply) => {
    const t = await taskById(deps.pool, (req.params as { taskId: string }).taskId);
    return t ? taskView(t) : reply.code(404).send({ error: 'unknown_task', message: 'no such task' });
  });
  app.post('/v1/tasks/:taskId/offers', { schema: { tags: ['profitability'], summary: "Send the customer the task's offer (or follow-up) rendered from its template", body: docSchema(OfferRequest) } }, async (req, reply) => {
    if (!ops(req, reply)) return reply;
    const body = parseBody(OfferRequest, req.body, reply);
    if (!body) return reply;
    try {
      const r = await sendOffer(deps.pool, { config: config(deps) }, { taskId: (req.params as { taskId: string }).taskId, greeting: body.greeting, sentOn: body.sentOn ?? today() });
      return reply.code(r.status === 'sent' ? 201 : 200).send({ status: r.status, offer: offerView(r.offer) });
    } catch (err) {
      return sendError(reply, err);
    }
  });
  app.post('/v1/tasks/:taskId/close', { schema: { tags: ['profitability'], summary: 'Close a task with a resolution', body: docSchema(CloseTaskRequest) } }, async (req, reply) => {
    if (!ops(req, reply)) return reply;
    const body = parseBody(CloseTaskRequest, req.body, reply);
    if (!body) return reply;
    try {
      return taskView(await closeTask(deps.pool, { taskId: (req.params as { taskId: string }).taskId, resolution: body.resolution }));
    } catch (err) {
      return sendError(reply, err);
    }
  });
  app.get('/v1/offers', { schema: { tags: ['profitability'], summary: 'Offers sent, optionally of one account or task' } }, async (req) => ({ offers: (await listOffers(deps.pool, req.query as { accountId?: string; taskId?: string })).map(offerView) }));
  app.get('/v1/offers/:offerId', { schema: { tags: ['profitability'], summary: 'One offer' } }, async (req, reply) => {
    const o = await offerById(deps.pool, (req.params as { offerId: string }).offerId);
    return o ? offerView(o) : reply.code(404).send({ error: 'unknown_offer', message: 'no such offer' });
  });
  app.post('/v1/offers/:offerId/answer', { schema: { tags: ['profitability'], summary: "The customer's answer to an offer; closes its tasks", body: docSchema(AnswerRequest) } }, async (req, reply) => {
    if (!ops(req, reply)) return reply;
    const body = parseBody(AnswerRequest, req.body, reply);
    if (!body) return reply;
    try {
      return offerView(await answerOffer(deps.pool, { offerId: (req.params as { offerId: string }).offerId, accepted: body.accepted, answeredOn: body.answeredOn ?? today() }));
    } catch (err) {
      return sendError(reply, err);
    }
  });

  // --- reports ----------------------------------------------------------------------------------------
  app.get('/v1/accounts/:accountId/periods/:periodKey/traffic.csv', { schema: { tags: ['reports'], summary: "The customer's traffic report of a billing cycle at retail prices (CSV)" } }, async (req, reply) => {
    const { accountId, periodKey } = req.params as { accountId: string; periodKey: string };
    if (!validPeriodKey(periodKey, reply)) return reply;
    const account = deps.account(accountId);
    try {
      const billing = accountBilling(account, periodKey, 'EUR');
      const cycle = cycleOf(billing, periodKey);
      const names = deps.catalogue.destinationNames(cycle.start, billing.timeZone);
      const csv = await customerTrafficCsv(deps.pool, { accountId, from: cycle.start, to: cycle.end, destinationName: (id) => names[id] ?? id });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="traffic-${accountId}-${periodKey}.csv"`).send(csv);
    } catch (err) {
      return sendError(reply, err);
    }
  });
  const partnerReport = (kind: 'traffic' | 'reconciliation') => async (req: { params: unknown }, reply: import('fastify').FastifyReply) => {
    const { partnerId, month } = req.params as { partnerId: string; month: string };
    const range = monthRange(month);
    if (!range) return reply.code(400).send({ error: 'invalid_period', message: 'a partner report covers a month: YYYY-MM or YYYY-MM-01' });
    const accountIds = partnerAccounts(deps.accounts(), partnerId);
    const names = deps.catalogue.destinationNames(range.from, 'UTC');
    const destinationName = (id: string) => names[id] ?? id;
    const csv =
      kind === 'traffic'
        ? await partnerTrafficCsv(deps.pool, { accountIds, ...range, destinationName })
        : await reconciliationCsv(deps.pool, { accountIds, ...range, destinationName, discountPercent: (await config(deps)()).partners.find((p) => p.partnerId === partnerId)?.discountPercent ?? '0' });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${kind}-${partnerId}-${range.from.slice(0, 7)}.csv"`).send(csv);
  };
  app.get('/v1/partners/:partnerId/periods/:month/traffic.csv', { schema: { tags: ['reports'], summary: "The partner's traffic report of a month at wholesale amounts, its own customers only (CSV)" } }, partnerReport('traffic'));
  app.get('/v1/partners/:partnerId/periods/:month/reconciliation.csv', { schema: { tags: ['reports'], summary: "The partner's reconciliation of a month: retail, wholesale, margin; overage without partner discount (CSV)" } }, partnerReport('reconciliation'));
}
