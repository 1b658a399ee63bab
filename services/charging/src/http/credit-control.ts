import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Direction, IDENTIFIER_TEXT, Identifier, IsoInstant, Service } from '@rcp/contracts';
import type { SwitchConfig, SwitchKeys } from '@rcp/runtime';
import { Counter } from 'prom-client';
import { docSchema, type Metrics } from '@rcp/runtime';
import type { CreditControl } from '../credit-control/control.js';
import { NotOwnerError } from '../credit-control/store.js';
import { fastAuthorize, fastEvent, fastTerminate, fastUpdate } from './validate.js';

/** The id the switch will give the call's CDR (its record id): it ties the session to its rated CDR. */
// Session and event ids become the call's key in PostgreSQL: text it can store and keep apart (see Identifier).
const SessionId = Identifier(256);
const Units = z.number().int().min(0).max(31 * 24 * 3600);

export const AuthorizeBody = z.object({
  sessionId: SessionId.describe('the record id the switch will put in this call’s CDR (with the switch id, the call’s identity)'),
  accountCode: Identifier(128).nullable().optional(),
  callingNumber: z.string().min(1).max(40),
  calledNumber: z.string().min(1).max(40),
  service: Service.default('voice'),
  direction: Direction.default('outbound'),
  /** When the call starts (default: now); it picks the tariff band and the catalogue version. */
  startTime: IsoInstant.optional(),
  /** Units wanted (seconds for voice; default and cap: the longest grant). */
  requestedUnits: Units.min(1).optional(),
});
export const UpdateBody = z.object({ usedUnits: Units.describe('units used since the call started (a running total)'), requestedUnits: Units.min(1).optional() });
export const TerminateBody = z.object({ usedUnits: Units.describe('the call’s final used units (billable seconds for voice)') });
export const EventBody = z.object({
  eventId: SessionId.describe('the record id the switch will put in this event’s CDR'),
  accountCode: Identifier(128).nullable().optional(),
  callingNumber: z.string().min(1).max(40),
  calledNumber: z.string().min(1).max(40),
  service: z.enum(['sms', 'fax', 'email', 'data']),
  direction: Direction.default('outbound'),
  startTime: IsoInstant.optional(),
  units: Units.min(1).describe('messages, pages, e-mails or bytes'),
});

const Reason = z.object({ code: z.string(), message: z.string() });
const Money = z.object({ amount: z.string(), currency: z.string() });
const GrantedAnswer = z.object({
  result: z.literal('granted'),
  sessionId: z.string(),
  accountId: z.string(),
  lineId: z.string(),
  service: z.string(),
  unit: z.string(),
  grantedUnits: z.number().int(),
  totalGrantedUnits: z.number().int(),
  usedUnits: z.number().int(),
  limitedBy: z.enum(['requested', 'credit', 'allowance']),
  finalGrant: z.boolean(),
  validitySeconds: z.number().int(),
  expiresAt: z.string(),
  reservation: Money,
  rate: z
    .object({
      destination: z.string().nullable(),
      price: z.string(),
      per: z.enum(['minute', 'unit']),
      unitSize: z.number().int(),
      connectFee: z.string(),
      increments: z.object({ initial: z.number().int(), subsequent: z.number().int() }),
    })
    .nullable(),
  allowance: z.array(z.object({ basket: z.string(), drawn: z.number().int(), remainingAfter: z.number().int() })),
  overage: z.object({ enabled: z.boolean(), target: z.string().nullable() }),
  availableCredit: z.string(),
  repeated: z.boolean(),
});
const RefusedAnswer = z.object({ result: z.literal('refused'), sessionId: z.string(), reason: Reason, usedUnits: z.number().int().optional(), finalGrant: z.boolean().optional() });
const TerminatedAnswer = z.object({
  result: z.literal('terminated'),
  sessionId: z.string(),
  accountId: z.string(),
  usedUnits: z.number().int(),
  committed: Money,
  charged: z.string(),
  chargedBy: z.enum(['commit', 'rated_cdr']),
  repeated: z.boolean(),
});
const EventAnswer = z.object({ result: z.literal('charged'), eventId: z.string(), accountId: z.string(), lineId: z.string(), units: z.number().int(), amount: z.string(), currency: z.string(), repeated: z.boolean() });
const ErrorAnswer = z.object({ error: z.string(), message: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() });
const SessionView = z.object({
  sessionId: z.string(),
  accountId: z.string(),
  lineId: z.string(),
  service: z.string(),
  status: z.string(),
  grantedUnits: z.number().int(),
  usedUnits: z.number().int(),
  reserved: z.string(),
  charged: z.string(),
  committed: z.boolean(),
  ratedRevision: z.number().int().nullable(),
  expiresAt: z.string().nullable(),
});

const errors = { 400: docSchema(ErrorAnswer), 401: docSchema(ErrorAnswer), 503: docSchema(ErrorAnswer) };

/**
 * The real-time API switches call before and during a call (in the spirit of Diameter Gy: CCR-Initial,
 * -Update, -Terminate and -Event). A refusal is an answer, not an error: HTTP 403 with `result: "refused"` and
 * a stable reason code.
 */
export function registerCreditControlRoutes(app: FastifyInstance, deps: { control: CreditControl; keys: SwitchKeys; metrics: Metrics }): void {
  /**
   * Answers counted per label set in plain numbers and handed to prom-client when it is scraped (its collect):
   * prom-client validates and hashes the labels on every inc, even of a bound child, which at switch rates was
   * a third of the metrics' cost. The counts a scrape shows are exact.
   */
  type Tally = { labels: { operation: string; result: string; reason: string }; n: number };
  const tallies: Tally[] = [];
  const decisions = new Counter({
    name: 'rcp_credit_decisions_total',
    help: 'Credit-control answers by operation, result and refusal reason',
    labelNames: ['operation', 'result', 'reason'],
    registers: [deps.metrics.registry],
    collect() {
      for (const t of tallies) {
        if (t.n === 0) continue;
        this.inc(t.labels, t.n);
        t.n = 0;
      }
    },
  });
  /**
   * Counts an operation's answers and times them, found by the answer's result or its refusal's code (no key
   * built per request).
   */
  const counter = (operation: string) => {
    const byOutcome = new Map<string, Tally>();
    const timer = deps.metrics.processingSeconds.labels({ operation: `credit:${operation}` });
    return (answer: { result: string; reason?: { code: string } }, started: number) => {
      const outcome = answer.reason ? answer.reason.code : answer.result;
      let tally = byOutcome.get(outcome);
      if (!tally) {
        tally = { labels: { operation, result: answer.result, reason: answer.reason?.code ?? '' }, n: 0 };
        byOutcome.set(outcome, tally);
        tallies.push(tally);
        decisions.inc(tally.labels, 0); // the label set shows from the first scrape on
      }
      tally.n++;
      timer.observe((performance.now() - started) / 1000);
    };
  };
  const counted = { authorize: counter('authorize'), update: counter('update'), terminate: counter('terminate'), event: counter('event') };
  /**
   * The switch a request's key belongs to. A keep-alive connection that sends the key it was authenticated
   * with last time is not hashed again: that comparison is between two values the same client sent (no secret
   * is compared), and a different key on it goes through the constant-time check of every switch.
   */
  const known = new WeakMap<object, { apiKey: unknown; authorization: unknown; sw: SwitchConfig }>();
  const authenticate = (req: FastifyRequest, reply: FastifyReply): SwitchConfig | null => {
    const apiKey = req.headers['x-api-key'];
    const authorization = req.headers.authorization;
    const last = known.get(req.raw.socket);
    if (last && typeof apiKey !== 'object' && last.apiKey === apiKey && last.authorization === authorization) return last.sw;
    const sw = deps.keys.authenticate(req);
    if (!sw) void reply.code(401).send({ error: 'unauthorized', message: 'missing or unknown API key (send it in the x-api-key header)' });
    else known.set(req.raw.socket, { apiKey, authorization, sw });
    return sw;
  };
  // The caller a switch's decisions are made for, made once per switch (not per request).
  const callers = new WeakMap<SwitchConfig, { id: string; country: string }>();
  const parse = <T extends z.ZodType>(schema: T, fast: (b: unknown) => z.infer<T> | null, body: unknown, reply: FastifyReply): z.infer<T> | null => {
    const quick = fast(body);
    if (quick) return quick;
    const parsed = schema.safeParse(body ?? {});
    if (parsed.success) return parsed.data;
    void reply.code(400).send({
      error: 'invalid_request',
      message: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
    return null;
  };
  const caller = (sw: SwitchConfig) => {
    let c = callers.get(sw);
    if (!c) callers.set(sw, (c = { id: sw.id, country: sw.country }));
    return c;
  };
  /** A decision's answer; when this instance does not own the accounts, answers 503 not_owner (null) instead. */
  const owned = async <T>(reply: FastifyReply, decision: Promise<T>): Promise<T | null> => {
    try {
      return await decision;
    } catch (err) {
      if (!(err instanceof NotOwnerError)) throw err;
      void reply.code(503).send({ error: err.code, message: err.message });
      return null;
    }
  };

  // No child logger per request (fastify's default makes one, with its bindings, for every request): these
  // routes log nothing per request, and an error is logged with the service's logger.
  const hot = { childLoggerFactory: (logger: FastifyBaseLogger) => logger };

  app.post(
    '/v1/sessions',
    {
      ...hot,
      schema: {
        tags: ['credit control'],
        summary: 'Authorize a call and reserve credit for it (initial request): granted units, price, allowance, validity; or a refusal with a reason code',
        body: docSchema(AuthorizeBody),
        response: { 201: docSchema(GrantedAnswer), 200: docSchema(GrantedAnswer), 403: docSchema(RefusedAnswer), ...errors },
      },
    },
    async (req, reply) => {
      const sw = authenticate(req, reply);
      if (!sw) return reply;
      const body = parse(AuthorizeBody, fastAuthorize, req.body, reply);
      if (!body) return reply;
      const started = performance.now();
      const answer = await owned(reply, deps.control.authorize(caller(sw), body));
      if (!answer) return reply;
      counted.authorize(answer, started);
      return reply.code(answer.result === 'refused' ? 403 : answer.repeated ? 200 : 201).send(answer);
    },
  );

  app.post(
    '/v1/sessions/:sessionId/update',
    {
      ...hot,
      schema: {
        tags: ['credit control'],
        summary: 'Report the units used so far and ask for more (update request)',
        body: docSchema(UpdateBody),
        response: { 200: docSchema(GrantedAnswer), 403: docSchema(RefusedAnswer), 404: docSchema(ErrorAnswer), ...errors },
      },
    },
    async (req, reply) => {
      const sw = authenticate(req, reply);
      if (!sw) return reply;
      const body = parse(UpdateBody, fastUpdate, req.body, reply);
      if (!body) return reply;
      const { sessionId } = req.params as { sessionId: string };
      if (!IDENTIFIER_TEXT.test(sessionId)) return reply.code(404).send(unknownSession(sessionId, sw));
      const started = performance.now();
      const answer = await owned(reply, deps.control.update(caller(sw), sessionId, body));
      if (!answer) return reply;
      counted.update(answer, started);
      if (answer.result === 'unknown_session') return reply.code(404).send(unknownSession(sessionId, sw));
      return reply.code(answer.result === 'refused' ? 403 : 200).send(answer);
    },
  );

  app.post(
    '/v1/sessions/:sessionId/terminate',
    {
      ...hot,
      schema: {
        tags: ['credit control'],
        summary: 'End a call: commit its final used units to the ledger and release the rest of the reservation and its channel',
        body: docSchema(TerminateBody),
        response: { 200: docSchema(TerminatedAnswer), 404: docSchema(ErrorAnswer), 409: docSchema(ErrorAnswer), ...errors },
      },
    },
    async (req, reply) => {
      const sw = authenticate(req, reply);
      if (!sw) return reply;
      const body = parse(TerminateBody, fastTerminate, req.body, reply);
      if (!body) return reply;
      const { sessionId } = req.params as { sessionId: string };
      if (!IDENTIFIER_TEXT.test(sessionId)) return reply.code(404).send(unknownSession(sessionId, sw));
      const started = performance.now();
      const answer = await owned(reply, deps.control.terminate(caller(sw), sessionId, body));
      if (!answer) return reply;
      counted.terminate(answer, started);
      if (answer.result === 'unknown_session') return reply.code(404).send(unknownSession(sessionId, sw));
      if (answer.result === 'conflict') return reply.code(409).send({ error: 'not_a_session', message: answer.message });
      return reply.code(200).send(answer);
    },
  );

  app.get(
    '/v1/sessions/:sessionId',
    { schema: { tags: ['credit control'], summary: 'A session’s reservation and charge', response: { 200: docSchema(SessionView), 404: docSchema(ErrorAnswer), 401: docSchema(ErrorAnswer) } } },
    async (req, reply) => {
      const sw = authenticate(req, reply);
      if (!sw) return reply;
      const { sessionId } = req.params as { sessionId: string };
      // An id authorize would refuse names no session (and PostgreSQL could not even look it up).
      if (!IDENTIFIER_TEXT.test(sessionId)) return reply.code(404).send(unknownSession(sessionId, sw));
      const row = await owned(reply, deps.control.session(caller(sw), sessionId));
      if (reply.sent) return reply;
      if (!row) return reply.code(404).send(unknownSession(sessionId, sw));
      return {
        sessionId,
        accountId: row.accountId,
        lineId: row.lineId,
        service: row.service,
        status: row.status,
        grantedUnits: row.grantedUnits,
        usedUnits: row.usedUnits,
        reserved: row.reserved,
        charged: row.charged,
        committed: row.committed,
        ratedRevision: row.ratedRevision,
        expiresAt: row.expiresAt,
      };
    },
  );

  app.post(
    '/v1/events',
    {
      ...hot,
      schema: {
        tags: ['credit control'],
        summary: 'Charge a one-shot event (SMS, fax pages, e-mail) before delivering it: all its units are granted and committed, or it is refused',
        body: docSchema(EventBody),
        response: { 201: docSchema(EventAnswer), 200: docSchema(EventAnswer), 403: docSchema(RefusedAnswer), 409: docSchema(ErrorAnswer), ...errors },
      },
    },
    async (req, reply) => {
      const sw = authenticate(req, reply);
      if (!sw) return reply;
      const body = parse(EventBody, fastEvent, req.body, reply);
      if (!body) return reply;
      const started = performance.now();
      const answer = await owned(reply, deps.control.chargeEvent(caller(sw), body));
      if (!answer) return reply;
      counted.event(answer, started);
      if (answer.result === 'conflict') return reply.code(409).send({ error: 'event_id_reused', message: answer.message });
      return reply.code(answer.result === 'refused' ? 403 : answer.repeated ? 200 : 201).send(answer);
    },
  );
}

function unknownSession(sessionId: string, sw: SwitchConfig) {
  return { error: 'unknown_session', message: `switch ${sw.id} has no session ${sessionId}` };
}
