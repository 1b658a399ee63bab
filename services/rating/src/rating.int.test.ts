// The rating service on real Kafka and PostgreSQL: buckets carried from CDR to CDR in the database, a
// CDR delivered twice rated once, a redelivered batch (crash before the offset commit) changing nothing,
// rejections with their reason, and catalogues applied over HTTP and published on catalogue.events.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountUpserted, CdrRatedV1, CdrRawV1, CdrRejectedV1 } from '@rcp/contracts';
import { createScratchDatabase } from '@rcp/db';
import { ContractProducer, createKafka, ensureTopics, physicalTopic } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';
import { loadRatingConfig } from './config.js';
import { rateBatch } from './rating/rate-batch.js';
import { replayPeriod } from './replay/replay.js';
import { readCatalogueText } from './catalogue/store.js';
import { createRatingService, type RatingService } from './service.js';

const TOKEN = 'rating-test-token-0123456789';
const logger = createLogger('rating-test', 'error');
const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: 'rating-test', logger });
const prefix = `rt-${randomBytes(4).toString('hex')}`;
const accounts = JSON.parse(readFileSync(fileURLToPath(new URL('../test/fixtures/accounts.json', import.meta.url)), 'utf8')) as AccountUpserted[];
const catalogueYaml = readFileSync(fileURLToPath(new URL('../../../packages/domain/examples/catalogue.sample.yaml', import.meta.url)), 'utf8');

let service: RatingService;
let url: string;
let drop: () => Promise<void>;
let producer: ContractProducer;

function raw(recordId: string, accountId: string, lineId: string, from: string, to: string, start: string, seconds: number): CdrRawV1 {
  return { v: 1, source: 'pbx', recordId, accountId, lineId, service: 'voice', direction: 'outbound', callingNumber: from, calledNumber: to, startTime: start, answerTime: null, endTime: null, billableUnits: seconds, disposition: 'answered', format: 'json', receivedAt: '2026-10-05T00:00:00Z' };
}

async function read<T>(topic: string, until: (m: T[]) => boolean): Promise<T[]> {
  const consumer = kafka.consumer({ groupId: `${prefix}.r.${randomBytes(3).toString('hex')}`, maxWaitTimeInMs: 100 });
  const seen: T[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: physicalTopic(prefix, topic), fromBeginning: true });
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 30_000);
    void consumer.run({ eachMessage: async ({ message }) => {
      seen.push(JSON.parse(message.value!.toString()) as T);
      if (until(seen)) { clearTimeout(t); resolve(); }
    } });
  });
  await consumer.disconnect();
  return seen;
}

beforeAll(async () => {
  const db = await createScratchDatabase(process.env.DATABASE_URL!, 'rating');
  drop = db.drop;
  await ensureTopics(kafka, prefix);
  producer = new ContractProducer(kafka, prefix, logger);
  await producer.connect();
  await producer.publish('account.events', accounts.map((a) => ({ key: a.accountId, value: a })));
  service = await createRatingService(loadRatingConfig({ KAFKA_BROKERS: process.env.KAFKA_BROKERS, DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'error', RCP_TOPIC_PREFIX: prefix, RCP_OPS_TOKEN: TOKEN }));
  url = await service.listen();
});

afterAll(async () => {
  await producer?.disconnect();
  await service?.stop();
  await drop?.();
});

const put = (body: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/catalogue`, { method: 'PUT', headers: { 'content-type': 'application/yaml', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, body });

describe('rating service', () => {
  it('applies a catalogue only with the ops token, refuses a broken one with exact paths, and publishes it', async () => {
    expect((await put(catalogueYaml)).status).toBe(401);
    const broken = await put(catalogueYaml.replace('pricePerMinute: "0.0250"', 'pricePerMinute: "-1"'), TOKEN);
    expect(broken.status).toBe(422);
    expect(JSON.stringify(await broken.json())).toContain('versions[0].priceLists[0].rates[0].pricePerMinute');
    const applied = await put(catalogueYaml, TOKEN);
    expect(applied.status).toBe(201);
    const events = await read<{ catalogueId: string; revision: number }>('catalogue.events', (m) => m.length >= 1);
    expect(events[0]).toMatchObject({ catalogueId: 'demo-voip-it', revision: 1 });
  });

  it('applies over a named revision only (If-Match), so a read-modify-write cannot undo a change made in between', async () => {
    const read1 = await fetch(`${url}/v1/catalogue`);
    const etag = read1.headers.get('etag')!;
    expect(etag).toBe(`"${((await read1.json()) as { revision: number }).revision}"`);
    const first = await put(catalogueYaml, TOKEN, { 'if-match': etag });
    expect(first.status).toBe(201);
    const { revision } = (await first.json()) as { revision: number };
    // A second writer that read the same revision is refused, told the revision now in force.
    const stale = await put(catalogueYaml, TOKEN, { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ error: 'catalogue_changed', revision });
    expect(stale.headers.get('etag')).toBe(`"${revision}"`);
    expect((await put(catalogueYaml, TOKEN, { 'if-match': 'yesterday' })).status).toBe(400);
    expect((await fetch(`${url}/v1/catalogue`)).headers.get('etag')).toBe(`"${revision}"`);
  });

  it('carries a bucket from CDR to CDR and splits the call that exhausts it', async () => {
    await producer.publish('cdr.raw', [
      { key: 'ACC-BIANCHI', value: raw('b1', 'ACC-BIANCHI', 'L-BIANCHI', '390287654321', '390611112222', '2026-10-02T09:00:00+02:00', 59_400) },
      { key: 'ACC-BIANCHI', value: raw('b2', 'ACC-BIANCHI', 'L-BIANCHI', '390287654321', '390611112222', '2026-10-03T09:00:00+02:00', 610) },
    ]);
    const rated = await read<CdrRatedV1>('cdr.rated', (m) => m.filter((r) => r.accountId === 'ACC-BIANCHI').length >= 2);
    const b2 = rated.find((r) => r.recordId === 'b2')!;
    expect(b2.billedUnits).toBe(612);
    expect(b2.retail.amount).toBe('0.0030');
    expect(b2.explanation.bucketDraws).toEqual([{ basket: 'national', units: 600, remainingAfter: 0 }]);
    const { rows } = await service.ctx.pool.query(`select state from rating.line_states where line_id = 'L-BIANCHI'`);
    expect(rows[0].state.buckets.national.remaining).toBe(0);
  });

  it('rates a CDR delivered twice once, and a redelivered batch changes nothing', async () => {
    const cdr = raw('r1', 'ACC-ROSSI', 'L-ROSSI', '390612345678', '393471234567', '2026-10-05T10:00:00+02:00', 61);
    await producer.publish('cdr.raw', [{ key: 'ACC-ROSSI', value: cdr }, { key: 'ACC-ROSSI', value: cdr }]);
    await read<CdrRatedV1>('cdr.rated', (m) => m.some((r) => r.recordId === 'r1'));
    // As if the service had crashed after its commit and before Kafka's offset commit: the same batch again.
    const again = await rateBatch({ pool: service.ctx.pool, catalogue: service.catalogue, logger, account: async () => accounts[0] }, [cdr]);
    // Nothing rated again; the recorded outcome is handed back to be published again, unchanged.
    expect(again).toMatchObject({ rated: 0, rejected: 0, skipped: 1 });
    expect(again.toPublish).toHaveLength(1);
    expect(again.toPublish[0]!.message).toMatchObject({ ratedId: 'pbx/r1', revision: 0, retail: { amount: '0.1335' } });
    const { rows } = await service.ctx.pool.query(`select count(*)::int as n from rating.rated_events where rated_id = 'pbx/r1'`);
    expect(rows[0].n).toBe(1);
    const rated = await read<CdrRatedV1>('cdr.rated', (m) => m.some((r) => r.recordId === 'r1'));
    // A copy published again after a redelivery is the same rating (same id and revision), never a new one.
    const copies = rated.filter((r) => r.recordId === 'r1');
    expect(new Set(copies.map((r) => `${r.ratedId}#${r.revision}:${r.retail.amount}`))).toEqual(new Set(['pbx/r1#0:0.1335']));
  });

  it('sends a CDR to an unknown destination to cdr.rejected with that reason', async () => {
    await producer.publish('cdr.raw', [{ key: 'ACC-ROSSI', value: raw('x1', 'ACC-ROSSI', 'L-ROSSI', '390612345678', '881234', '2026-10-05T11:00:00+02:00', 60) }]);
    const rejected = await read<CdrRejectedV1>('cdr.rejected', (m) => m.some((r) => r.recordId === 'x1'));
    expect(rejected.find((r) => r.recordId === 'x1')).toMatchObject({ stage: 'rating', reasons: [{ code: 'unknown_destination' }] });
  });
});

describe('replaying a period', () => {
  const accountOf = (id: string) => accounts.find((a) => a.accountId === id);

  it('changes nothing when the catalogue is unchanged', async () => {
    const report = await replayPeriod(service.ctx.pool, { catalogue: service.catalogue.catalogue!, account: accountOf }, { periodKey: '2026-10-01', dryRun: false });
    expect(report.cdrs).toBeGreaterThanOrEqual(4);
    expect(report.changed).toBe(0);
    for (const a of report.accounts) expect([a.retailDelta, a.wholesaleDelta]).toEqual(['0', '0']);
  });

  it('after a tariff fix, a dry run reports the differences and changes nothing; the replay emits corrections once', async () => {
    // The fix: Italy mobile on the reseller's list was 0.0850/min, it should have been 0.0800.
    const fixed = readCatalogueText(catalogueYaml.replace('{ destination: IT_MOBILE, pricePerMinute: "0.0850", connectFee: "0.0400" }', '{ destination: IT_MOBILE, pricePerMinute: "0.0800", connectFee: "0.0400" }'));
    const dry = await replayPeriod(service.ctx.pool, { catalogue: fixed, account: accountOf }, { periodKey: '2026-10-01', accountId: 'ACC-ROSSI', dryRun: true });
    // r1: 66 s at 0.0800 = 0.0880 + 0.04 = 0.1280, was 0.1335.
    expect(dry.accounts).toEqual([expect.objectContaining({ accountId: 'ACC-ROSSI', changed: 1, retailDelta: '-0.0055' })]);
    const unchanged = await service.ctx.pool.query(`select revision from rating.rated_events where rated_id = 'pbx/r1'`);
    expect(unchanged.rows[0].revision).toBe(0);

    const real = await replayPeriod(service.ctx.pool, { catalogue: fixed, account: accountOf }, { periodKey: '2026-10-01', accountId: 'ACC-ROSSI', dryRun: false });
    expect(real.changed).toBe(1);
    const rated = await read<CdrRatedV1>('cdr.rated', (m) => m.some((r) => r.recordId === 'r1' && r.revision === 1));
    const correction = rated.find((r) => r.recordId === 'r1' && r.revision === 1)!;
    expect(correction.retail.amount).toBe('0.1280');
    expect(correction.previous).toMatchObject({ revision: 0, retail: { amount: '0.1335' } });

    const again = await replayPeriod(service.ctx.pool, { catalogue: fixed, account: accountOf }, { periodKey: '2026-10-01', accountId: 'ACC-ROSSI', dryRun: false });
    expect(again.changed).toBe(0);
  });

  it('recomputes buckets in the original order, carrying them from page to page', async () => {
    // Pages of one CDR: every bucket draw crosses a page boundary; a counter not carried over would show as a change.
    const report = await replayPeriod(service.ctx.pool, { catalogue: service.catalogue.catalogue!, account: accountOf, pageSize: 1 }, { periodKey: '2026-10-01', accountId: 'ACC-BIANCHI', dryRun: false });
    expect(report.cdrs).toBeGreaterThanOrEqual(2);
    expect(report.changed).toBe(0);
    const { rows } = await service.ctx.pool.query(`select state from rating.line_states where line_id = 'L-BIANCHI' and period_key = '2026-10-01'`);
    expect(rows[0].state.buckets.national.remaining).toBe(0);
  });
});

