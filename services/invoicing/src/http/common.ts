import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { hasOpsBearer } from '@rcp/runtime';
import type { AccountUpserted } from '@rcp/contracts';
import { BillingConfigError, FeeCurrencyError, TemplateError, type BillingConfig } from '@rcp/domain';
import { BillingError } from '../billing/customer-invoice.js';
import type { BillingConfigStore } from '../billing/config-store.js';
import type { CatalogueView } from '../read-models/catalogue.js';

export type RouteDeps = {
  pool: pg.Pool;
  account: (id: string) => AccountUpserted | undefined;
  accounts: () => Iterable<AccountUpserted>;
  catalogue: CatalogueView;
  billing: BillingConfigStore;
  operatorIssuer: string;
  opsToken?: string;
  /** Publishes what the request queued in the outbox (tests see the events at once). */
  afterCommit: () => Promise<void>;
};

export const IsoDate = z.iso.date({ message: 'must be a date YYYY-MM-DD' });

export function config(deps: RouteDeps): () => Promise<BillingConfig> {
  return async () => (await deps.billing.current()).config;
}

/** 400 with every problem of a request body, each with its path. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, reply: FastifyReply): z.infer<T> | undefined {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  void reply.code(400).send({ error: 'invalid_request', message: 'the request body is not valid', issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return undefined;
}

/**
 * Ops endpoints (closing periods, issuing, notes, payments, the billing document, dunning, tasks) need the
 * ops bearer token. An instance without one configured refuses them rather than leaving them open: whoever
 * reaches the port must not be able to issue invoices or record payments.
 */
export function opsGuard(deps: RouteDeps): (req: FastifyRequest, reply: FastifyReply) => boolean {
  const message = deps.opsToken ? 'this operation needs the ops bearer token' : 'this operation needs the ops bearer token, and this instance has none configured (RCP_OPS_TOKEN)';
  return (req, reply) => {
    if (hasOpsBearer(req, deps.opsToken)) return true;
    void reply.code(401).send({ error: 'unauthorized', message });
    return false;
  };
}

/** Known failures become a clear answer with a stable code; anything else is the server's fault. */
export function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof BillingError) return reply.code(err.status).send({ error: err.code, message: err.message });
  if (err instanceof BillingConfigError) return reply.code(422).send({ error: err.code, message: 'the billing document is not valid', issues: err.issues });
  if (err instanceof FeeCurrencyError || err instanceof TemplateError) return reply.code(422).send({ error: err.code, message: err.message });
  throw err;
}

export function validPeriodKey(periodKey: string, reply: FastifyReply): boolean {
  if (IsoDate.safeParse(periodKey).success) return true;
  void reply.code(400).send({ error: 'invalid_period', message: 'period key must be the period’s first day, YYYY-MM-DD' });
  return false;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
