import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bodyProblem, docSchema, hasOpsBearer } from '@rcp/runtime';
import type { SwitchConfig } from '../config.js';
import { ApiCdrRecord } from '../intake/api-record.js';
import type { IncomingRecord, Intake, RecordOutcome } from '../intake/intake.js';
import { parseFreeSwitchJsonCdr } from '../formats/index.js';
import { SwitchKeys } from '@rcp/runtime';
import type { LineDirectory } from '../intake/line-directory.js';
import { redriveRejections } from '../intake/redrive.js';
import type pg from 'pg';

const Outcome = z.object({
  index: z.number().int(),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  source: z.string().optional(),
  recordId: z.string().optional(),
  reasons: z.array(z.object({ code: z.string(), message: z.string(), path: z.string().optional() })).optional(),
});
const RedriveRequest = z.object({ codes: z.array(z.string().min(1)).min(1).optional(), switchId: z.string().optional(), limit: z.number().int().min(1).max(100_000).optional() });
const ErrorResponse = z.object({ error: z.string(), message: z.string() });
const IntakeResponse = z.object({ accepted: z.number().int(), duplicates: z.number().int(), rejected: z.number().int(), results: z.array(Outcome) });

/** A record the import CLI could not parse locally: it is sent anyway, with its reasons, to be recorded. */
const LocallyRefused = z.object({ original: z.unknown(), reasons: z.array(z.object({ code: z.string(), message: z.string(), path: z.string().optional() })).min(1) });

/** Validates one JSON record against the API shape; every problem names the record index and field. */
export function checkApiRecord(index: number, value: unknown): IncomingRecord {
  const refused = LocallyRefused.safeParse(value);
  if (refused.success && (value as { recordId?: unknown }).recordId === undefined) {
    return { index, original: refused.data.original, ok: false, reasons: refused.data.reasons.map((r) => ({ ...r, path: `[${index}]${r.path ? ` ${r.path}` : ''}` })) };
  }
  const parsed = ApiCdrRecord.safeParse(value);
  if (parsed.success) return { index, original: value, ok: true, record: parsed.data };
  return {
    index,
    original: value,
    ok: false,
    reasons: parsed.error.issues.map((i) => ({
      code: i.code === 'invalid_type' && i.input === undefined ? 'missing_field' : 'invalid_field',
      message: i.message,
      path: `[${index}]${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`,
    })),
  };
}

export function registerIngestionRoutes(app: FastifyInstance, deps: { intake: Intake; keys: SwitchKeys; directory: LineDirectory; chunk: number; bodyLimitBytes: number; pool: pg.Pool; switches: SwitchConfig[]; opsToken?: string }): void {
  // NDJSON is streamed: records are taken chunk by chunk while the body is still arriving.
  app.addContentTypeParser('application/x-ndjson', (_req, payload, done) => done(null, payload));
  // mod_json_cdr posts form-encoded when configured so; the parser gets the raw text.
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'application/x-www-form-base64-encoded'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const authenticate = (req: FastifyRequest, reply: FastifyReply): SwitchConfig | null => {
    const sw = deps.keys.authenticate(req);
    if (!sw) {
      void reply.code(401).send({ error: 'unauthorized', message: 'missing or unknown API key (send it in the x-api-key header)' });
      return null;
    }
    return sw;
  };

  const answer = (reply: FastifyReply, outcomes: RecordOutcome[]) => {
    const count = (s: RecordOutcome['status']) => outcomes.filter((o) => o.status === s).length;
    const body = { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), results: outcomes };
    // 422 tells the switch some records were refused; the valid ones of the batch were still taken.
    return reply.code(body.rejected > 0 ? 422 : 200).send(body);
  };

  // A streamed body cannot be refused as a whole once taking has begun: there intake refuses each
  // record of a foreign source (source_not_allowed). A JSON array is checked before anything is taken.
  const forbidForeignSource = (sw: SwitchConfig, records: IncomingRecord[], reply: FastifyReply): boolean => {
    const foreign = records.find((r) => r.ok && r.record.source !== undefined && r.record.source !== sw.id);
    if (!foreign) return false;
    void reply.code(403).send({ error: 'forbidden', message: `this API key belongs to switch ${sw.id}; record [${foreign.index}] claims another source` });
    return true;
  };

  app.post(
    '/v1/cdrs',
    {
      // Every record is answered on its own, a bad text included (see Intake.keepRejections).
      config: { checksTextPerRecord: true },
      schema: {
        tags: ['cdrs'],
        summary: 'Submit CDRs: a JSON array (application/json) or one record per line (application/x-ndjson, streamed)',
        body: { type: 'array', items: docSchema(ApiCdrRecord) },
        response: { 200: docSchema(IntakeResponse), 422: docSchema(IntakeResponse), 400: docSchema(ErrorResponse), 401: docSchema(ErrorResponse), 403: docSchema(ErrorResponse) },
      },
    },
    async (req, reply) => {
      const sw = authenticate(req, reply);
      if (!sw) return reply;
      if (req.headers['content-type']?.startsWith('application/x-ndjson')) return answer(reply, await takeNdjson(sw, req.body as Readable));
      const body = req.body;
      const list = Array.isArray(body) ? body : body && typeof body === 'object' ? [body] : null;
      if (!list) return reply.code(400).send({ error: 'bad_request', message: 'body must be a JSON array of CDR records (or one record object)' });
      const records = list.map((v, i) => checkApiRecord(i, v));
      if (forbidForeignSource(sw, records, reply)) return reply;
      const outcomes: RecordOutcome[] = [];
      for (let i = 0; i < records.length; i += deps.chunk) outcomes.push(...(await deps.intake.take(sw, records.slice(i, i + deps.chunk))));
      return answer(reply, outcomes);
    },
  );

  async function takeNdjson(sw: SwitchConfig, stream: Readable): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = [];
    let pending: IncomingRecord[] = [];
    let index = 0;
    let bytes = 0;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    for await (const line of lines) {
      bytes += Buffer.byteLength(line) + 1;
      if (bytes > deps.bodyLimitBytes) {
        // What was taken so far stays taken; the rest is refused as a whole and reported.
        outcomes.push({ index, status: 'rejected', reasons: [{ code: 'body_too_large', message: `stream exceeds ${deps.bodyLimitBytes} bytes; records from index ${index} on were not read` }] });
        stream.destroy();
        break;
      }
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
        // Streamed lines miss the server's body check: a line nested too deeply is refused here, kept as its text.
        const deep = bodyProblem(value, { text: false });
        pending.push(deep ? { index, original: line, ok: false, reasons: [{ code: deep.error, message: deep.message, path: `[${index}]` }] } : checkApiRecord(index, value));
      } catch {
        pending.push({ index, original: line, ok: false, reasons: [{ code: 'invalid_json', message: 'line is not valid JSON', path: `[${index}]` }] });
      }
      index++;
      if (pending.length >= deps.chunk) {
        outcomes.push(...(await deps.intake.take(sw, pending)));
        pending = [];
      }
    }
    if (pending.length > 0) {
      outcomes.push(...(await deps.intake.take(sw, pending)));
    }
    return outcomes;
  }

  app.get('/v1/accounts/:accountId', { schema: { tags: ['directory'], summary: 'Whether ingestion knows an account (its view of account.events)' } }, async (req, reply) => {
    const sw = authenticate(req, reply);
    if (!sw) return reply;
    const { accountId } = req.params as { accountId: string };
    const lines = deps.directory.linesOf(accountId);
    if (!lines) return reply.code(404).send({ error: 'unknown_account', message: `ingestion knows no account ${accountId} yet` });
    return { accountId, lines };
  });

  const isOps = (req: FastifyRequest) => hasOpsBearer(req, deps.opsToken);

  app.get('/v1/rejections', { schema: { tags: ['ops'], summary: 'Records refused and not yet re-driven, oldest first (ops token)' } }, async (req, reply) => {
    if (!isOps(req)) return reply.code(401).send({ error: 'unauthorized', message: 'listing rejections needs the ops bearer token' });
    const { rows } = await deps.pool.query(
      `select id::text, switch_id as "switchId", source, record_id as "recordId", reasons, original, rejected_at as "rejectedAt", redrive_outcome as "lastRedrive"
       from ingestion.rejected_records where redriven_at is null order by id limit 1000`,
    );
    return { rejections: rows };
  });

  app.post(
    '/v1/rejections/redrive',
    { schema: { tags: ['ops'], summary: 'Send refused records through intake again once their cause is fixed (ops token)', body: docSchema(RedriveRequest) } },
    async (req, reply) => {
      if (!isOps(req)) return reply.code(401).send({ error: 'unauthorized', message: 're-driving needs the ops bearer token' });
      const body = RedriveRequest.safeParse(req.body ?? {});
      if (!body.success) return reply.code(400).send({ error: 'invalid_request', message: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return redriveRejections(deps.pool, deps.intake, deps.switches, checkApiRecord, body.data);
    },
  );

  app.post(
    '/v1/cdrs/freeswitch',
    { config: { checksTextPerRecord: true }, schema: { tags: ['cdrs'], summary: 'FreeSWITCH mod_json_cdr HTTP POST target (encode-values true or false)', response: { 200: docSchema(IntakeResponse), 422: docSchema(IntakeResponse) } } },
    async (req, reply) => {
      const sw = authenticate(req, reply);
      if (!sw) return reply;
      const parsed = parseFreeSwitchJsonCdr(req.body as unknown, { source: sw.id });
      const record: IncomingRecord = parsed.ok
        ? checkApiRecord(0, parsed.record)
        : { index: 0, original: req.body, ok: false, reasons: parsed.reasons };
      return answer(reply, await deps.intake.take(sw, [record]));
    },
  );
}
