import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Metrics } from './metrics.js';

export type ReadinessCheck = () => Promise<void>;

export type HttpServerOptions = {
  service: string;
  description: string;
  logger: Logger;
  metrics: Metrics;
  /** Named checks; /readyz answers 200 only when every one resolves. */
  readiness: Record<string, ReadinessCheck>;
  bodyLimitBytes?: number;
};

/**
 * A fastify instance with the endpoints every service has: /healthz (the process is up), /readyz (its
 * dependencies answer), /metrics (Prometheus) and /docs (OpenAPI of its HTTP API). Request bodies are
 * validated in the handlers with zod so errors name the record and field; route schemas feed the docs.
 */
export async function createHttpServer(opts: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger as unknown as FastifyBaseLogger,
    // One log line per request would drown the logs at switch traffic rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimitBytes ?? 10 * 1024 * 1024,
  });
  // Schemas document the API; zod in the handler does the validating, with record- and field-level errors.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  await app.register(swagger, {
    openapi: { info: { title: `${opts.service} API`, description: opts.description, version: '1.0.0' } },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/healthz', { schema: { tags: ['ops'], summary: 'The process is alive' } }, async () => ({ status: 'ok', service: opts.service }));
  app.get('/readyz', { schema: { tags: ['ops'], summary: 'Kafka, PostgreSQL and other dependencies answer' } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    let ready = true;
    await Promise.all(
      Object.entries(opts.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000, name);
          checks[name] = 'ok';
        } catch (err) {
          ready = false;
          checks[name] = err instanceof Error ? err.message : String(err);
        }
      }),
    );
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
  // Bodies are checked before any handler sees them. Nesting: no API body is more than a dozen levels deep (a
  // catalogue is 9), and a deeper one overflows the stack of whatever walks it (JSON.stringify, PostgreSQL's
  // jsonb), answering 500. Text: PostgreSQL text and jsonb cannot hold a NUL character, and a lone surrogate
  // reaches it as U+FFFD (two different texts become one). A route that answers record by record (ingestion's
  // CDR batches) sets `config: { checksTextPerRecord: true }` and is spared the text check only.
  app.addHook('preValidation', async (req, reply) => {
    const perRecord = (req.routeOptions.config as { checksTextPerRecord?: boolean } | undefined)?.checksTextPerRecord === true;
    const problem = bodyProblem(req.body, { text: !perRecord });
    if (problem) return reply.code(400).send(problem);
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send({ error: err.code ?? (status >= 500 ? 'internal_error' : 'bad_request'), message: status >= 500 ? 'internal error' : err.message });
  });
  return app;
}

/** What PostgreSQL text and jsonb cannot hold (a NUL) or cannot keep apart (a lone surrogate, stored as U+FFFD). */
const UNSTORABLE = /[\u0000\p{Cs}]/u;
const UNSTORABLES = /[\u0000\p{Cs}]/gu;

/** The text with U+FFFD for every character PostgreSQL cannot store (for keeping evidence that must not be lost). */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLES, '\uFFFD') : text;
}

/** The deepest nesting a request body may have. */
export const MAX_BODY_DEPTH = 32;

/** A node met while walking a body: its path is built from its parent only when a problem is reported. */
type Node = { value: unknown; parent: Node | null; key: string | number; depth: number };

/**
 * What is wrong with a parsed body, as the 400 answer to send, or null: nesting deeper than MAX_BODY_DEPTH, or
 * (with `text`) a NUL or lone surrogate in a key or a string, named by its path (`lines[0].name`, `(body)` for
 * the body itself). Walks without recursion, so no body can overflow the stack here.
 */
export function bodyProblem(body: unknown, opts: { text: boolean }): { error: string; message: string } | null {
  const stack: Node[] = [{ value: body, parent: null, key: '', depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value, depth } = node;
    if (typeof value === 'string') {
      if (opts.text && UNSTORABLE.test(value)) return unstorable(pathOf(node));
      continue;
    }
    // Only parsed JSON is walked: a streamed body (a Readable) or a Buffer is the route's to read.
    if (value === null || typeof value !== 'object' || !(Array.isArray(value) || isPlainObject(value))) continue;
    if (depth >= MAX_BODY_DEPTH) return { error: 'invalid_body', message: `${pathOf(node)}: nested deeper than ${MAX_BODY_DEPTH} levels` };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], parent: node, key: i, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const child: Node = { value: (value as Record<string, unknown>)[key], parent: node, key, depth: depth + 1 };
      if (opts.text && UNSTORABLE.test(key)) return unstorable(pathOf(child));
      stack.push(child);
    }
  }
  return null;
}

function pathOf(node: Node): string {
  let path = '';
  for (let n: Node | null = node; n?.parent; n = n.parent) path = typeof n.key === 'number' ? `[${n.key}]${path}` : `${n.parent.parent ? '.' : ''}${n.key}${path}`;
  return path || '(body)';
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function unstorable(path: string) {
  return { error: 'invalid_text', message: `${path}: text must not contain NUL characters or lone surrogates (they cannot be stored)` };
}

/** JSON schema for OpenAPI docs from a zod schema (the zod schema stays the single source). */
export function docSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
