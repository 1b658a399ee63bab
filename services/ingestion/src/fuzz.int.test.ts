// Fuzzing ingestion on real Kafka and PostgreSQL: malformed, oversized, negative, far-future, not-text and
// unknown-account records mixed with good ones. Every record is answered (accepted, duplicate or rejected
// with a reason), and the counts add up in the response, the archive and the rejected-records table.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountUpserted } from '@rcp/contracts';
import { createScratchDatabase } from '@rcp/db';
import { ContractProducer, createKafka, ensureTopics } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';
import { loadIngestionConfig } from './config.js';
import { createIngestionService, type IngestionService } from './service.js';

const SWITCH = { id: 'fuzz-pbx', apiKey: 'fuzz-pbx-key-0123456789abcdef', country: '39', timeZone: 'Europe/Rome' };
const KNOWN = ['390655500001', '390655500002', '390655500003'];
const prefix = `fz-${randomBytes(4).toString('hex')}`;
const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: 'fuzz', logger: createLogger('fuzz', 'error') });
let service: IngestionService;
let url: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createScratchDatabase(process.env.DATABASE_URL!, 'fuzz');
  drop = db.drop;
  await ensureTopics(kafka, prefix);
  const producer = new ContractProducer(kafka, prefix, createLogger('fuzz', 'error'));
  await producer.connect();
  const account: AccountUpserted = {
    v: 1, type: 'account.upserted', eventId: 'fz', at: '2026-09-01T00:00:00Z', accountId: 'ACC-FUZZ', partnerId: null, name: 'fuzz', country: '39', timezone: 'Europe/Rome', currency: 'EUR',
    billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
    credit: { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '0' },
    lines: [{ lineId: 'L-FUZZ', numbers: KNOWN, accountCodes: [], offerId: 'payg', channels: 4, activeFrom: '2026-01-01', activeTo: null, closedUserGroups: [] }],
  };
  await producer.publish('account.events', [{ key: 'ACC-FUZZ', value: account }]);
  await producer.disconnect();
  service = await createIngestionService(
    loadIngestionConfig({ KAFKA_BROKERS: process.env.KAFKA_BROKERS, DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent', RCP_TOPIC_PREFIX: prefix, RCP_SWITCHES: JSON.stringify([SWITCH]) }),
  );
  url = await service.listen();
});

afterAll(async () => {
  await service?.stop();
  await drop?.();
});

const goodRecord = fc.record({
  recordId: fc.stringMatching(/^[a-z0-9]{1,12}$/),
  callingNumber: fc.constantFrom(...KNOWN.map((n) => `+${n}`), '06 555 00001', '0039 06 55500002'),
  calledNumber: fc.constantFrom('+39 347 1234567', '0612345678', '+44 20 7946 0000'),
  startTime: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 10, 1) }).map((ms) => new Date(ms).toISOString()),
  billableUnits: fc.integer({ min: 0, max: 7200 }),
  disposition: fc.constantFrom('answered', 'busy', 'no_answer', 'failed'),
});

/** What a broken switch, a bad export or an attacker may send. */
const hostileRecord = fc.oneof(
  goodRecord.map((r) => ({ ...r, billableUnits: -1 - (r.billableUnits % 100) })), // negative
  goodRecord.map((r) => ({ ...r, startTime: '2099-01-01T00:00:00Z' })), // far future
  goodRecord.map((r) => ({ ...r, callingNumber: '+39 06 0000000' })), // unknown account
  goodRecord.map((r) => ({ ...r, recordId: 'x'.repeat(5000) })), // oversized id
  goodRecord.map((r) => ({ ...r, calledNumber: 'anonymous' })), // not a number
  goodRecord.map((r) => ({ ...r, startTime: '2026-13-45 25:61' })), // not a time
  goodRecord.map((r) => ({ ...r, startTime: r.startTime.replace('Z', '+23:59') })), // an offset no zone has (PostgreSQL refuses it)
  goodRecord.map(({ startTime: _s, ...r }) => r), // missing field
  goodRecord.map((r) => ({ ...r, disposition: 'ANSWERED!!' })), // unknown value
  goodRecord.map((r) => ({ ...r, recordId: `${r.recordId}\u0000` })), // NUL, which PostgreSQL text cannot hold
  goodRecord.map((r) => ({ ...r, recordId: `${r.recordId}\t\n` })), // control characters in the id
  goodRecord.map((r) => ({ ...r, recordId: `${r.recordId}\ud800` })), // a lone surrogate: not text at all
  goodRecord.map((r) => ({ ...r, format: `odd\u0000\ud800format` })), // the same outside the identifiers
  goodRecord.chain((r) => fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((id) => ({ ...r, recordId: id }))), // any code points
  fc.anything(), // anything at all: null, numbers, nested objects, strings
);

describe('ingestion fuzz', () => {
  it('answers every record with accepted, duplicate or a reason, and the counts add up everywhere', async () => {
    const batches = fc.sample(fc.array(fc.oneof({ weight: 2, arbitrary: goodRecord }, { weight: 3, arbitrary: hostileRecord }), { minLength: 20, maxLength: 120 }), { numRuns: 30, seed: 20261121 });
    let accepted = 0;
    let rejected = 0;
    let total = 0;
    for (const batch of batches) {
      const res = await fetch(`${url}/v1/cdrs`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey }, body: JSON.stringify(batch) });
      expect([200, 422], `status ${res.status}: ${await res.clone().text()}`).toContain(res.status);
      const body = (await res.json()) as { accepted: number; duplicates: number; rejected: number; results: { index: number; status: string; reasons?: { code: string; message: string }[] }[] };
      expect(body.results.map((r) => r.index)).toEqual(batch.map((_, i) => i));
      expect(body.accepted + body.duplicates + body.rejected).toBe(batch.length);
      for (const r of body.results.filter((x) => x.status === 'rejected')) {
        expect(r.reasons?.length).toBeGreaterThan(0);
        for (const reason of r.reasons!) expect(reason.code).toMatch(/^[a-z][a-z0-9_]*$/);
      }
      accepted += body.accepted;
      rejected += body.rejected;
      total += batch.length;
    }
    expect(total).toBeGreaterThan(500);
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
    const archived = await service.ctx.pool.query<{ n: number }>(`select count(*)::int as n from ingestion.received_cdrs where published_at is not null`);
    expect(archived.rows[0]!.n).toBe(accepted);
    const kept = await service.ctx.pool.query<{ n: number }>(`select count(*)::int as n from ingestion.rejected_records`);
    expect(kept.rows[0]!.n).toBe(rejected);
  });

  it('answers a body that is not JSON at all with a clear 400, not a stack trace', async () => {
    const res = await fetch(`${url}/v1/cdrs`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': SWITCH.apiKey }, body: '{"recordId": ' });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    expect(JSON.parse(text)).toHaveProperty('message');
  });
});
