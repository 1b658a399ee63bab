// Ingestion on real Kafka and PostgreSQL: per-switch keys, JSON and streamed NDJSON, body limits, the
// FreeSWITCH mod_json_cdr endpoint (plain and URL-encoded values) and an Asterisk Master.csv file import,
// each record accounted for on cdr.raw (keyed by account) or cdr.rejected (with its reason).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountUpserted, CdrRawV1, CdrRejectedV1 } from '@rcp/contracts';
import { createScratchDatabase } from '@rcp/db';
import { ContractProducer, createKafka, physicalTopic } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';
import { loadIngestionConfig } from './config.js';
import { main as importCli } from './import/cli.js';
import { createIngestionService, type IngestionService } from './service.js';

const fixture = (p: string) => fileURLToPath(new URL(`../test/fixtures/${p}`, import.meta.url));
const SWITCH = { id: 'pbx-rome', apiKey: 'pbx-rome-key-0123456789abcdef', country: '39', timeZone: 'Europe/Rome' };
const OPS = 'ingestion-ops-token-0123456789';
const OTHER = { id: 'pbx-milan', apiKey: 'pbx-milan-key-0123456789abcdef', country: '39', timeZone: 'Europe/Rome' };
const ACCOUNT: AccountUpserted = {
  v: 1, type: 'account.upserted', eventId: 'ing-1', at: '2026-09-01T00:00:00Z', accountId: 'ACC-ING', partnerId: null, name: 'Ingestion test',
  country: '39', timezone: 'Europe/Rome', currency: 'EUR', billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
  credit: { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '0' },
  lines: [{ lineId: 'L-ING', numbers: ['391001', '390612345678'], accountCodes: ['1001', '1002'], offerId: 'payg', channels: 4, activeFrom: '2026-01-01', activeTo: null, closedUserGroups: [] }],
};

let service: IngestionService;
let url: string;
let drop: () => Promise<void>;
const prefix = `ing-${randomBytes(4).toString('hex')}`;
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const kafka = createKafka({ brokers, clientId: 'ingestion-test', logger: createLogger('ingestion-test', 'error') });

beforeAll(async () => {
  const db = await createScratchDatabase(process.env.DATABASE_URL!, 'ingestion');
  drop = db.drop;
  const config = loadIngestionConfig({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    DATABASE_URL: db.url,
    PORT: '0',
    LOG_LEVEL: 'error',
    RCP_TOPIC_PREFIX: prefix,
    RCP_SWITCHES: JSON.stringify([SWITCH, OTHER]),
    RCP_INGEST_BODY_LIMIT_MB: '1',
    RCP_INGEST_CHUNK: '100',
    RCP_OPS_TOKEN: OPS,
  });
  // The account exists before ingestion starts, as it would in production.
  const { ensureTopics } = await import('@rcp/kafka');
  await ensureTopics(kafka, prefix);
  const producer = new ContractProducer(kafka, prefix, createLogger('ingestion-test', 'error'));
  await producer.connect();
  await producer.publish('account.events', [{ key: ACCOUNT.accountId, value: ACCOUNT }]);
  await producer.disconnect();
  service = await createIngestionService(config);
  url = await service.listen();
});

afterAll(async () => {
  await service?.stop();
  await drop?.();
});

const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${url}${path}`, { method: 'POST', body, headers });
const json = (records: unknown) => JSON.stringify(records);
const cdr = (recordId: string, extra: Record<string, unknown> = {}) => ({ recordId, callingNumber: '06 12345678', calledNumber: '+39 347 1234567', startTime: '2026-10-05T10:00:00+02:00', billableUnits: 61, disposition: 'answered', ...extra });

/** Every message on a topic of this test's prefix, read from the start. */
async function topicMessages<T>(topic: string, expected: (m: { key: string; value: T }[]) => boolean): Promise<{ key: string; value: T }[]> {
  const consumer = kafka.consumer({ groupId: `${prefix}.reader.${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
  const seen: { key: string; value: T }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: physicalTopic(prefix, topic), fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()) as T });
        if (expected(seen)) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

describe('ingestion API', () => {
  it('refuses a missing or unknown API key with 401', async () => {
    expect((await post('/v1/cdrs', json([cdr('k-1')]), { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post('/v1/cdrs', json([cdr('k-1')]), { 'content-type': 'application/json', 'x-api-key': 'not-a-key-of-any-switch' })).status).toBe(401);
  });

  it("refuses with 403 a batch that claims another switch's records", async () => {
    const res = await post('/v1/cdrs', json([cdr('k-2', { source: OTHER.id })]), { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toContain('[0]');
  });

  it('takes a streamed NDJSON batch, publishes each record keyed by account, and names the bad lines', async () => {
    const lines = Array.from({ length: 250 }, (_, i) => json(cdr(`nd-${i}`, { startTime: `2026-10-06T09:${String(i % 60).padStart(2, '0')}:00+02:00` })));
    lines.splice(100, 0, '{"recordId": "broken", ');
    const res = await post('/v1/cdrs', lines.join('\n'), { 'content-type': 'application/x-ndjson', 'x-api-key': SWITCH.apiKey });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { accepted: number; rejected: number; results: { index: number; reasons?: { code: string; path?: string }[] }[] };
    expect(body.accepted).toBe(250);
    expect(body.rejected).toBe(1);
    expect(body.results.find((r) => r.index === 100)?.reasons?.[0]).toMatchObject({ code: 'invalid_json', path: '[100]' });

    const raw = await topicMessages<CdrRawV1>('cdr.raw', (m) => m.filter((x) => x.value.recordId.startsWith('nd-')).length >= 250);
    const mine = raw.filter((m) => m.value.recordId.startsWith('nd-'));
    expect(mine).toHaveLength(250);
    expect(new Set(mine.map((m) => m.key))).toEqual(new Set(['ACC-ING']));
    expect(mine[0]!.value).toMatchObject({ source: SWITCH.id, lineId: 'L-ING', callingNumber: '390612345678', calledNumber: '393471234567' });
  });

  it('takes the same records sent four times at once exactly once: the others answer duplicate', async () => {
    const body = json(Array.from({ length: 300 }, (_, i) => cdr(`race-${i}`, { startTime: `2026-10-07T09:${String(i % 60).padStart(2, '0')}:00+02:00` })));
    const answers = await Promise.all(
      Array.from({ length: 4 }, async () => (await post('/v1/cdrs', body, { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey })).json() as Promise<{ accepted: number; duplicates: number }>),
    );
    expect(answers.reduce((n, a) => n + a.accepted, 0)).toBe(300);
    expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(900);
    const raw = await topicMessages<CdrRawV1>('cdr.raw', (m) => m.filter((x) => x.value.recordId.startsWith('race-')).length >= 300);
    const ids = raw.filter((m) => m.value.recordId.startsWith('race-')).map((m) => m.value.recordId);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
  });

  it('refuses a record id or account code with a control character, by name, and takes the rest of the batch', async () => {
    const records = [cdr('ctl-ok'), cdr('ctl\u0000nul'), cdr('ctl\ttab'), cdr('ctl-code', { accountCode: '1001\n' })];
    const res = await post('/v1/cdrs', json(records), { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { accepted: number; rejected: number; results: { index: number; status: string; reasons?: { code: string; message: string; path?: string }[] }[] };
    expect(body).toMatchObject({ accepted: 1, rejected: 3 });
    expect(body.results.find((r) => r.index === 0)?.status).toBe('accepted');
    for (const [index, field] of [[1, 'recordId'], [2, 'recordId'], [3, 'accountCode']] as const) {
      expect(body.results.find((r) => r.index === index)?.reasons?.[0]).toMatchObject({ code: 'invalid_field', path: `[${index}].${field}`, message: expect.stringContaining('control characters') });
    }
    // Kept for ops, the NUL (which PostgreSQL cannot store) as U+FFFD; the topic has the record exactly as sent.
    const listed = (await (await fetch(`${url}/v1/rejections`, { headers: { authorization: `Bearer ${OPS}` } })).json()) as { rejections: { original: { recordId?: string } }[] };
    const kept = listed.rejections.map((r) => r.original?.recordId);
    expect(kept).toEqual(expect.arrayContaining(['ctl\ufffdnul', 'ctl\ttab', 'ctl-code']));
    const rejected = await topicMessages<CdrRejectedV1>('cdr.rejected', (m) => m.some((x) => (x.value.original as { recordId?: string })?.recordId === 'ctl\u0000nul'));
    expect(rejected.some((x) => (x.value.original as { recordId?: string })?.recordId === 'ctl\u0000nul')).toBe(true);
  });

  it('refuses a record nested too deeply by itself in a stream, and a batch nested too deeply as a whole', async () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const streamed = await post('/v1/cdrs', [json(cdr('deep-ok')), deep].join('\n'), { 'content-type': 'application/x-ndjson', 'x-api-key': SWITCH.apiKey });
    expect(streamed.status).toBe(422);
    const body = (await streamed.json()) as { accepted: number; results: { index: number; reasons?: { code: string }[] }[] };
    expect(body.accepted).toBe(1);
    expect(body.results.find((r) => r.index === 1)?.reasons?.[0]?.code).toBe('invalid_body');
    const whole = await post('/v1/cdrs', `[${deep}]`, { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey });
    expect(whole.status).toBe(400);
    expect(await whole.json()).toMatchObject({ error: 'invalid_body' });
  });

  it('answers 413 to a JSON body over the limit, and takes nothing from it', async () => {
    const big = json(Array.from({ length: 9000 }, (_, i) => cdr(`big-${i}`, { padding: 'x'.repeat(100) })));
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const res = await post('/v1/cdrs', big, { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey });
    expect(res.status).toBe(413);
  });

  it('takes a FreeSWITCH mod_json_cdr post, and knows the URL-encoded form of the same call as a duplicate', async () => {
    const plain = readFileSync(fixture('freeswitch/json_cdr_answered_68s.json'), 'utf8');
    const first = await post('/v1/cdrs/freeswitch', plain, { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ accepted: 1, results: [{ recordId: '3da8bf84-c133-4959-9e24-e72875cb33a1' }] });

    const encoded = readFileSync(fixture('freeswitch/json_cdr_answered_68s.encode_values.json'), 'utf8');
    const form = `cdr=${encodeURIComponent(encoded)}`;
    const second = await post('/v1/cdrs/freeswitch', form, { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': SWITCH.apiKey });
    expect(await second.json()).toMatchObject({ accepted: 0, duplicates: 1 });

    const raw = await topicMessages<CdrRawV1>('cdr.raw', (m) => m.some((x) => x.value.format === 'freeswitch_json'));
    expect(raw.find((m) => m.value.format === 'freeswitch_json')?.value).toMatchObject({ billableUnits: 68, callingNumber: '391001', disposition: 'answered', startTime: '2018-01-11T10:25:44Z' });
  });

  it('imports an Asterisk Master.csv file with the CLI; importing it again finds only duplicates', async () => {
    const out: string[] = [];
    const io = { stdout: sink(out), stderr: sink(out) };
    const args = ['--url', url, '--api-key', SWITCH.apiKey, '--format', 'asterisk_csv', '--time-zone', 'Europe/Rome', '--progress-every', '60', fixture('asterisk/Master.csv')];
    expect(await importCli(args, io)).toBe(0);
    expect(out.join('')).toMatch(/accepted\D+4/);
    const again: string[] = [];
    expect(await importCli(args, { stdout: sink(again), stderr: sink(again) })).toBe(0);
    expect(again.join('')).toMatch(/duplicates?\D+4/);

    const raw = await topicMessages<CdrRawV1>('cdr.raw', (m) => m.filter((x) => x.value.format === 'asterisk_csv').length >= 4);
    const rows = raw.filter((m) => m.value.format === 'asterisk_csv').map((m) => m.value);
    expect(rows.map((r) => r.disposition).sort()).toEqual(['answered', 'answered', 'busy', 'no_answer']);
    expect(rows.find((r) => r.recordId === '1791111111.1')).toMatchObject({ startTime: '2026-10-05T10:00:00+02:00', billableUnits: 61 });
  });

  it('sends every refused record to cdr.rejected with its reason', async () => {
    const res = await post('/v1/cdrs', json([cdr('rej-1', { callingNumber: '+39 06 99999999' }), cdr('rej-2', { billableUnits: -5 })]), { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey });
    expect(res.status).toBe(422);
    const rejected = await topicMessages<CdrRejectedV1>('cdr.rejected', (m) => m.filter((x) => x.value.recordId === 'rej-1' || (x.value.original as { recordId?: string })?.recordId === 'rej-2').length >= 2);
    const codes = rejected.filter((x) => x.value.recordId === 'rej-1' || (x.value.original as { recordId?: string })?.recordId === 'rej-2').map((x) => x.value.reasons[0]!.code).sort();
    expect(codes).toEqual(['invalid_field', 'unknown_account']);
  });
});

describe('re-driving refused records', () => {
  it('takes a record refused for an unknown line once the line exists, and only once', async () => {
    const orphan = cdr('late-line-1', { callingNumber: '+39 02 7777 0001' });
    const first = await post('/v1/cdrs', json([orphan]), { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey });
    expect(((await first.json()) as { results: { reasons: { code: string }[] }[] }).results[0]!.reasons[0]!.code).toBe('unknown_account');
    const listed = await fetch(`${url}/v1/rejections`, { headers: { authorization: `Bearer ${OPS}` } });
    expect(((await listed.json()) as { rejections: { recordId: string }[] }).rejections.map((r) => r.recordId)).toContain('late-line-1');
    expect((await post('/v1/rejections/redrive', '{}', { 'content-type': 'application/json' })).status).toBe(401);

    // The line is provisioned afterwards.
    const producer = new ContractProducer(kafka, prefix, createLogger('ingestion-test', 'error'));
    await producer.connect();
    await producer.publish('account.events', [{ key: 'ACC-LATE', value: { ...ACCOUNT, accountId: 'ACC-LATE', eventId: 'late-1', lines: [{ ...ACCOUNT.lines[0]!, lineId: 'L-LATE', numbers: ['390277770001'], accountCodes: [] }] } }]);
    await producer.disconnect();
    for (let i = 0; i < 100 && !service.directory.linesOf('ACC-LATE'); i++) await new Promise((r) => setTimeout(r, 100));

    const redrive = () => post('/v1/rejections/redrive', json({ codes: ['unknown_account'] }), { 'content-type': 'application/json', authorization: `Bearer ${OPS}` }).then((r) => r.json());
    expect(await redrive()).toMatchObject({ accepted: 1 });
    // Taken records are not considered again; a record whose cause is not fixed (rej-1 above) stays pending.
    const second = (await redrive()) as { considered: number; accepted: number; duplicates: number; rejectedAgain: number };
    expect(second).toMatchObject({ accepted: 0, duplicates: 0 });
    expect(second.rejectedAgain).toBe(second.considered);
    const raw = await topicMessages<CdrRawV1>('cdr.raw', (m) => m.some((x) => x.value.recordId === 'late-line-1'));
    expect(raw.find((x) => x.value.recordId === 'late-line-1')).toMatchObject({ key: 'ACC-LATE', value: { lineId: 'L-LATE' } });
  });
});

function sink(into: string[]): NodeJS.WritableStream {
  return new Writable({
    write(chunk, _enc, done) {
      into.push(chunk.toString());
      done();
    },
  });
}
