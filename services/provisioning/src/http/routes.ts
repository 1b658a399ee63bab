import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { docSchema } from '@rcp/runtime';
import type { VerifiedTokenCache } from '../auth/credentials.js';
import type { Principal } from '../auth/roles.js';
import { Reply, type Deps } from '../use-cases/context.js';
import { authenticate, createCredential, CreateCredential, listCredentials, revokeCredential } from '../use-cases/credentials.js';
import { createCustomer, CreateCustomer, getCustomer, listCustomers, transferCustomer, TransferCustomer, updateCustomer, UpdateCustomer } from '../use-cases/customers.js';
import { addNumber, AddNumber, changeOffer, ChangeOffer, closeLine, CloseLine, createLine, CreateLine, getLine, listLines, modifyLine, ModifyLine, removeNumber } from '../use-cases/lines.js';
import { customerUsage, listInvoices, partnerUsage, PeriodKey, topUp, TopUp } from '../use-cases/money.js';
import { getOverage, OverageService, setOverage, SetOverage } from '../use-cases/overage.js';
import { createPartner, CreatePartner, getPartner, listPartners } from '../use-cases/partners.js';
import { editRetailPrices, EditRetailPrices, getRetailPrices } from '../use-cases/prices.js';
import { ApiError, invalidRequest } from './errors.js';

type Handler<B, Q> = (call: { actor: Principal; body: B; query: Q; params: Record<string, string> }) => Promise<unknown>;

const ReportQuery = z.object({ period: PeriodKey }).strict();
const CustomerListQuery = z.object({ partnerId: z.string().min(1).optional() }).strict();
const NoQuery = z.object({}).strict();
const NoBody = z.undefined().or(z.object({}).strict()).transform(() => undefined);

/**
 * The HTTP API. Every /v1 route needs a bearer credential; the body and query are checked with the zod
 * schema that also documents them (/docs); a refusal is `{ error: <code>, message, ...details }`.
 */
export function registerProvisioningRoutes(app: FastifyInstance, deps: Deps, auth: { cache: VerifiedTokenCache<Principal>; topUpWaitMs: number }): void {
  const principals = new WeakMap<FastifyRequest, Principal>();

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/v1/')) return;
    const header = req.headers.authorization;
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) return reply.code(401).send({ error: 'unauthenticated', message: 'send a credential: Authorization: Bearer rcp_<keyId>_<secret>' });
    const principal = await authenticate(deps.pool, token, auth.cache);
    if (!principal) return reply.code(401).send({ error: 'invalid_credential', message: 'the credential is unknown, wrong or revoked' });
    principals.set(req, principal);
  });

  function route<B, Q>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    spec: { summary: string; tags: string[]; body?: z.ZodType<B>; query?: z.ZodType<Q>; created?: boolean },
    handler: Handler<B, Q>,
  ): void {
    const body = (spec.body ?? NoBody) as z.ZodType<B>;
    const query = (spec.query ?? NoQuery) as z.ZodType<Q>;
    app.route({
      method,
      url,
      schema: {
        tags: spec.tags,
        summary: spec.summary,
        description: 'Needs a credential: Authorization: Bearer rcp_<keyId>_<secret>.',
        ...(spec.body ? { body: docSchema(spec.body) } : {}),
        ...(spec.query ? { querystring: docSchema(spec.query) } : {}),
      },
      // A body fastify itself cannot read (not JSON, too large, wrong type) gets a code of ours too.
      errorHandler: (err: { statusCode?: number; message: string }, req, reply) => {
        const status = err.statusCode ?? 500;
        if (status >= 500) {
          req.log.error({ err }, 'request failed');
          return reply.code(500).send({ error: 'internal_error', message: 'internal error' });
        }
        const code = status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_body';
        return reply.code(status).send({ error: code, message: err.message });
      },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        try {
          const b = body.safeParse(req.body ?? undefined);
          if (!b.success) throw invalidRequest(b.error);
          const q = query.safeParse(req.query ?? {});
          if (!q.success) throw invalidRequest(q.error, 'invalid_query');
          const answer = await handler({ actor: principals.get(req)!, body: b.data, query: q.data, params: req.params as Record<string, string> });
          // A plain value is a 200 (201 for a creation); a Reply carries its own status.
          if (answer instanceof Reply) return reply.code(answer.status).send(answer.body);
          return reply.code(spec.created ? 201 : 200).send(answer);
        } catch (err) {
          if (err instanceof ApiError) return reply.code(err.status).send({ error: err.code, message: err.message, ...err.details });
          // Anything else is a fault here: logged with its stack, answered without it (nor a database code).
          req.log.error({ err }, 'request failed');
          return reply.code(500).send({ error: 'internal_error', message: 'internal error' });
        }
      },
    });
  }

  route('GET', '/v1/me', { summary: 'Who the credential belongs to', tags: ['credentials'] }, async ({ actor }) => actor);

  // Partners (operator back-office creates them; a partner reads itself).
  route('POST', '/v1/partners', { summary: 'Create a partner (back-office; the catalogue must know it)', tags: ['partners'], body: CreatePartner, created: true }, ({ actor, body }) =>
    createPartner(deps, actor, body),
  );
  route('GET', '/v1/partners', { summary: 'Partners the credential sees', tags: ['partners'] }, async ({ actor }) => ({ partners: await listPartners(deps, actor) }));
  route('GET', '/v1/partners/:partnerId', { summary: 'One partner', tags: ['partners'] }, ({ actor, params }) => getPartner(deps, actor, params.partnerId!));
  route('GET', '/v1/partners/:partnerId/retail-prices', { summary: "The partner's own retail rates in force and its edits", tags: ['prices'] }, ({ actor, params }) =>
    getRetailPrices(deps, actor, params.partnerId!),
  );
  route(
    'PATCH',
    '/v1/partners/:partnerId/retail-prices',
    { summary: "Edit rates of the partner's own retail list from an effective date (a new catalogue version in rating)", tags: ['prices'], body: EditRetailPrices },
    ({ actor, params, body }) => editRetailPrices(deps, actor, params.partnerId!, body),
  );
  route('GET', '/v1/partners/:partnerId/reports/usage', { summary: "The partner's traffic report for a period: its customers, retail and wholesale", tags: ['reports'], query: ReportQuery }, ({ actor, params, query }) =>
    partnerUsage(deps, actor, params.partnerId!, query.period),
  );

  // Credentials.
  route('POST', '/v1/credentials', { summary: 'Issue a credential (the token is shown once)', tags: ['credentials'], body: CreateCredential, created: true }, ({ actor, body }) =>
    createCredential(deps, actor, body),
  );
  route('GET', '/v1/credentials', { summary: 'Credentials the caller manages (never their secrets)', tags: ['credentials'] }, async ({ actor }) => ({ credentials: await listCredentials(deps, actor) }));
  route('DELETE', '/v1/credentials/:keyId', { summary: 'Revoke a credential', tags: ['credentials'] }, ({ actor, params }) => revokeCredential(deps, actor, params.keyId!, auth.cache));

  // Customers.
  route('POST', '/v1/customers', { summary: 'Create a customer under a partner (or direct, back-office)', tags: ['customers'], body: CreateCustomer, created: true }, ({ actor, body }) =>
    createCustomer(deps, actor, body),
  );
  route('GET', '/v1/customers', { summary: 'Customers the credential sees', tags: ['customers'], query: CustomerListQuery }, async ({ actor, query }) => ({
    customers: await listCustomers(deps, actor, query),
  }));
  route('GET', '/v1/customers/:accountId', { summary: 'A customer with its lines and overage', tags: ['customers'] }, ({ actor, params }) => getCustomer(deps, actor, params.accountId!));
  route('PATCH', '/v1/customers/:accountId', { summary: 'Change name, tax rate, payment terms or credit policy', tags: ['customers'], body: UpdateCustomer }, ({ actor, params, body }) =>
    updateCustomer(deps, actor, params.accountId!, body),
  );
  route('POST', '/v1/customers/:accountId/transfer', { summary: 'Move a customer to another partner (back-office)', tags: ['customers'], body: TransferCustomer }, ({ actor, params, body }) =>
    transferCustomer(deps, actor, params.accountId!, body),
  );
  route('GET', '/v1/customers/:accountId/overage', { summary: "The customer's overage target per service", tags: ['overage'] }, ({ actor, params }) => getOverage(deps, actor, params.accountId!));
  route(
    'PUT',
    '/v1/customers/:accountId/overage/:service',
    { summary: 'Assign overage of a service to a billing target, or none (partner admin; the holder only)', tags: ['overage'], body: SetOverage },
    ({ actor, params, body }) => {
      const service = OverageService.safeParse(params.service);
      if (!service.success) throw new ApiError(404, 'unknown_service', `no service ${params.service}; one of ${OverageService.options.join(', ')}`);
      return setOverage(deps, actor, params.accountId!, service.data, body);
    },
  );
  route('POST', '/v1/customers/:accountId/top-ups', { summary: 'Top up prepaid credit (posted to charging; idempotent by key)', tags: ['credit'], body: TopUp }, ({ actor, params, body }) =>
    topUp(deps, actor, params.accountId!, body, auth.topUpWaitMs),
  );
  route('GET', '/v1/customers/:accountId/invoices', { summary: "The customer's invoices", tags: ['reports'] }, ({ actor, params }) => listInvoices(deps, actor, params.accountId!));
  route('GET', '/v1/customers/:accountId/reports/usage', { summary: "The customer's traffic report for a period", tags: ['reports'], query: ReportQuery }, ({ actor, params, query }) =>
    customerUsage(deps, actor, params.accountId!, query.period),
  );

  // Lines and numbers.
  route('GET', '/v1/customers/:accountId/lines', { summary: "A customer's lines", tags: ['lines'] }, async ({ actor, params }) => ({ lines: await listLines(deps, actor, params.accountId!) }));
  route('POST', '/v1/customers/:accountId/lines', { summary: 'Create a line with its numbers, offer and channels', tags: ['lines'], body: CreateLine, created: true }, ({ actor, params, body }) =>
    createLine(deps, actor, params.accountId!, body),
  );
  route('GET', '/v1/lines/:lineId', { summary: 'A line with its package history', tags: ['lines'] }, ({ actor, params }) => getLine(deps, actor, params.lineId!));
  route('POST', '/v1/lines/:lineId/modify', { summary: 'Modify: turn a flat on or off, change channels', tags: ['lines'], body: ModifyLine }, ({ actor, params, body }) =>
    modifyLine(deps, actor, params.lineId!, body),
  );
  route('POST', '/v1/lines/:lineId/offer-change', { summary: 'Assign a package: upgrade or downgrade, from an effective date', tags: ['lines'], body: ChangeOffer }, ({ actor, params, body }) =>
    changeOffer(deps, actor, params.lineId!, body),
  );
  route('POST', '/v1/lines/:lineId/numbers', { summary: 'Add a number to a line', tags: ['lines'], body: AddNumber, created: true }, ({ actor, params, body }) =>
    addNumber(deps, actor, params.lineId!, body),
  );
  route('DELETE', '/v1/lines/:lineId/numbers/:number', { summary: 'Remove a number from a line', tags: ['lines'] }, ({ actor, params }) => removeNumber(deps, actor, params.lineId!, params.number!));
  route('POST', '/v1/lines/:lineId/close', { summary: 'Close a line (now or from a date)', tags: ['lines'], body: CloseLine }, ({ actor, params, body }) => closeLine(deps, actor, params.lineId!, body));
}
