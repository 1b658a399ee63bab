// Charging on the real Kafka and PostgreSQL named by KAFKA_BROKERS and DATABASE_URL, isolated per test file by
// a scratch database and a topic prefix: publish what the other services would (accounts, catalogue, rated
// CDRs, dunning), call the APIs as a switch would, and check the ledger's invariants.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect } from 'vitest';
import type { z } from 'zod';
import type { AccountUpserted, BalanceEventV1, CatalogueEventV1, CdrRatedV1, InvoiceEventV1, MessageOf, TopicName } from '@rcp/contracts';
import { createPool, createScratchDatabase } from '@rcp/db';
import { Decimal } from '@rcp/domain';
import { ContractProducer, createKafka, ensureTopics, physicalTopic } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';
import { loadChargingConfig } from '../src/config.js';
import { createChargingService, type ChargingService } from '../src/service.js';

export const SWITCH = { id: 'pbx-rome', apiKey: 'pbx-rome-key-0123456789abcdef', country: '39', timeZone: 'Europe/Rome' };
/** Billing ops' bearer token: calls made without a switch key (top-ups, adjustments, reads) carry it. */
export const OPS_TOKEN = 'charging-ops-token-0123456789';

/** Italy 0.10/min at 60/60, Italian mobiles 0.12/min at 30/6 (with a 10-minute flat basket), SMS 0.05. */
export const CATALOGUE = {
  catalogue: 'charging-test',
  versions: [
    {
      version: 'ct-1',
      effectiveFrom: '2026-01-01T00:00:00Z',
      destinations: [
        { id: 'IT', name: 'Italy', prefixes: ['39'] },
        { id: 'IT-MOB', name: 'Italy mobile', prefixes: ['393'] },
      ],
      defaults: { retailPriceList: 'retail', wholesalePriceList: 'wholesale' },
      priceLists: [
        {
          id: 'retail',
          kind: 'retail',
          currency: 'EUR',
          increments: { initial: 60, subsequent: 60 },
          rates: [
            { destination: 'IT', pricePerMinute: '0.1000' },
            { destination: 'IT-MOB', pricePerMinute: '0.1200', increments: { initial: 30, subsequent: 6 } },
            { destination: 'IT', service: 'sms', pricePerUnit: '0.0500' },
            { destination: 'IT-MOB', service: 'sms', pricePerUnit: '0.0500' },
          ],
        },
        {
          id: 'wholesale',
          kind: 'wholesale',
          currency: 'EUR',
          rates: [
            { destination: 'IT', pricePerMinute: '0.0400' },
            { destination: 'IT-MOB', pricePerMinute: '0.0500' },
            { destination: 'IT', service: 'sms', pricePerUnit: '0.0200' },
            { destination: 'IT-MOB', service: 'sms', pricePerUnit: '0.0200' },
          ],
        },
      ],
      offers: [
        { id: 'payg', name: 'Pay as you go', kind: 'payg', channels: { count: 4 } },
        {
          id: 'flat-mobile',
          name: 'FLAT Business mobile 10',
          kind: 'flat',
          baskets: [{ id: 'mob10', destinations: ['IT-MOB'], allowance: 10 }],
          overage: { enabled: false, target: null },
          channels: { count: 2, fixed: true },
        },
      ],
    },
  ],
};

export function account(accountId: string, number: string, opts: { credit?: Partial<AccountUpserted['credit']>; offerId?: string; channels?: number; accountCodes?: string[] } = {}): AccountUpserted {
  return {
    v: 1,
    type: 'account.upserted',
    eventId: `${accountId}-${randomBytes(3).toString('hex')}`,
    at: '2026-09-01T00:00:00Z',
    accountId,
    partnerId: null,
    name: accountId,
    country: '39',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
    credit: { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '0', ...opts.credit },
    lines: [
      {
        lineId: `${accountId}-L1`,
        numbers: [number],
        accountCodes: opts.accountCodes ?? [],
        offerId: opts.offerId ?? 'payg',
        channels: opts.channels ?? 4,
        activeFrom: '2026-01-01',
        activeTo: null,
        closedUserGroups: [],
      },
    ],
  };
}

/** A cdr.rated message as rating publishes it for a CDR of `pbx-rome` (fields with defaults left to them). */
export function rated(a: AccountUpserted, recordId: string, amount: string, opts: { revision?: number; billedUnits?: number; bucketDraws?: { basket: string; units: number; remainingAfter: number }[]; startTime?: string } = {}): CdrRatedV1 {
  const message: z.input<typeof CdrRatedV1> = {
    v: 1,
    ratedId: `${SWITCH.id}/${recordId}`,
    revision: opts.revision ?? 0,
    source: SWITCH.id,
    recordId,
    accountId: a.accountId,
    lineId: a.lines[0]!.lineId,
    service: 'voice',
    startTime: opts.startTime ?? '2026-10-05T10:00:00+02:00',
    periodKey: '2026-10-01',
    periodEnd: '2026-11-01',
    billedUnits: opts.billedUnits ?? 60,
    deniedUnits: 0,
    retail: { amount, precise: amount, currency: 'EUR' },
    wholesale: { amount: '0', precise: '0', currency: 'EUR' },
    explanation: { catalogueVersion: 'ct-1', billedUnits: opts.billedUnits ?? 60, offer: a.lines[0]!.offerId, bucketDraws: opts.bucketDraws ?? [] },
    ratedAt: '2026-10-05T10:05:00Z',
    previous: null,
  };
  return message as CdrRatedV1;
}

export function suspended(accountId: string, kind: 'account.suspended' | 'account.terminated' = 'account.suspended'): InvoiceEventV1 {
  const id = `${kind}:${accountId}:${randomBytes(3).toString('hex')}`;
  return { specversion: '1.0', id, source: 'invoicing', time: new Date().toISOString(), subject: accountId, idempotencyKey: id, datacontenttype: 'application/json', type: kind, data: { accountId, reason: 'invoice unpaid for 30 days' } };
}

export type Harness = {
  url: string;
  prefix: string;
  service: ChargingService;
  db: pg.Pool;
  dbUrl: string;
  publish<T extends TopicName>(topic: T, messages: { key: string; value: MessageOf<T> }[]): Promise<void>;
  provision(accounts: AccountUpserted[]): Promise<void>;
  http<T = Record<string, unknown>>(method: string, path: string, body?: unknown, apiKey?: string | null): Promise<{ status: number; body: T }>;
  balanceEvents(accountId: string, until: (events: BalanceEventV1[]) => boolean): Promise<BalanceEventV1[]>;
  expectLedgerInvariants(): Promise<void>;
  stop(): Promise<void>;
};

export const brokers = () => (process.env.KAFKA_BROKERS ?? '').split(',');

/** Prepares a scratch database and topics with accounts and the catalogue published, without starting charging. */
export async function prepare(label: string, accounts: AccountUpserted[]): Promise<{ prefix: string; dbUrl: string; drop(): Promise<void>; producer: ContractProducer; kafka: ReturnType<typeof createKafka> }> {
  if (!process.env.KAFKA_BROKERS || !process.env.DATABASE_URL) throw new Error('KAFKA_BROKERS and DATABASE_URL must be set (run under infra with-infra)');
  const scratch = await createScratchDatabase(process.env.DATABASE_URL, label);
  const prefix = `${label}-${randomBytes(4).toString('hex')}`;
  const kafka = createKafka({ brokers: brokers(), clientId: `${label}-test`, logger: createLogger(`${label}-test`, 'error') });
  // Two files creating their topics at once can catch the broker mid-election: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureTopics(kafka, prefix);
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  const producer = new ContractProducer(kafka, prefix, createLogger(`${label}-test`, 'error'));
  await producer.connect();
  const catalogue: CatalogueEventV1 = { v: 1, type: 'catalogue.applied', catalogueId: CATALOGUE.catalogue, revision: 1, document: CATALOGUE, appliedAt: '2026-09-01T00:00:00Z' };
  await producer.publish('catalogue.events', [{ key: catalogue.catalogueId, value: catalogue }]);
  await producer.publish('account.events', accounts.map((a) => ({ key: a.accountId, value: a })));
  return { prefix, dbUrl: scratch.url, drop: scratch.drop, producer, kafka };
}

export async function startHarness(label: string, accounts: AccountUpserted[], env: Record<string, string> = {}): Promise<Harness> {
  const prep = await prepare(label, accounts);
  const config = loadChargingConfig({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    DATABASE_URL: prep.dbUrl,
    PORT: '0',
    LOG_LEVEL: 'error',
    RCP_TOPIC_PREFIX: prep.prefix,
    RCP_SWITCHES: JSON.stringify([SWITCH]),
    RCP_OPS_TOKEN: OPS_TOKEN,
    RCP_EXPIRY_SWEEP_MS: '200',
    ...env,
  });
  const service = await createChargingService(config);
  const url = await service.listen();
  const db = createPool(prep.dbUrl, { max: 4 });
  const harness: Harness = {
    url,
    prefix: prep.prefix,
    service,
    db,
    dbUrl: prep.dbUrl,
    publish: (topic, messages) => prep.producer.publish(topic, messages),
    provision: async (list) => {
      await prep.producer.publish('account.events', list.map((a) => ({ key: a.accountId, value: a })));
      for (const a of list) await eventually(`charging to know ${a.accountId}`, async () => (service.accounts.get(a.accountId)?.eventId === a.eventId ? true : undefined));
    },
    http: async (method, path, body, apiKey = SWITCH.apiKey) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { 'x-api-key': apiKey } : apiKey === null ? { authorization: `Bearer ${OPS_TOKEN}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    balanceEvents: (accountId, until) => readBalanceEvents(prep.kafka, prep.prefix, accountId, until),
    expectLedgerInvariants: () => expectLedgerInvariants(db),
    stop: async () => {
      await service.stop();
      await db.end();
      await prep.producer.disconnect();
      await prep.drop().catch(() => undefined);
    },
  };
  for (const a of accounts) await eventually(`charging to know ${a.accountId}`, async () => (service.accounts.get(a.accountId) ? true : undefined));
  return harness;
}

/**
 * Every balance equals the sum of its ledger entries (and the last entry's balance_after), every entry names
 * one of the known causes, and no (cause, cause_ref) appears twice.
 */
export async function expectLedgerInvariants(db: pg.Pool): Promise<void> {
  const { rows } = await db.query<{ account_id: string; balance: string; ledger_sum: string; last_after: string | null }>(
    `select a.account_id, a.balance::text, coalesce((select sum(amount) from charging.ledger l where l.account_id = a.account_id), 0)::text as ledger_sum,
            (select balance_after::text from charging.ledger l where l.account_id = a.account_id order by entry_id desc limit 1) as last_after
     from charging.accounts a`,
  );
  for (const r of rows) {
    expect(new Decimal(r.balance).equals(r.ledger_sum), `${r.account_id}: balance ${r.balance} = ledger sum ${r.ledger_sum}`).toBe(true);
    if (r.last_after !== null) expect(new Decimal(r.balance).equals(r.last_after), `${r.account_id}: balance = last balance_after`).toBe(true);
  }
  const causes = await db.query<{ cause: string }>(`select distinct cause from charging.ledger`);
  for (const c of causes.rows) expect(['rated_cdr', 'top_up', 'auto_recharge', 'adjustment', 'reservation_commit']).toContain(c.cause);
  const dupes = await db.query(`select cause, cause_ref from charging.ledger group by 1, 2 having count(*) > 1`);
  expect(dupes.rows).toEqual([]);
}

export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

async function readBalanceEvents(kafka: ReturnType<typeof createKafka>, prefix: string, accountId: string, until: (events: BalanceEventV1[]) => boolean, timeoutMs = 20_000): Promise<BalanceEventV1[]> {
  const consumer = kafka.consumer({ groupId: `${prefix}.reader.${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
  const events: BalanceEventV1[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: physicalTopic(prefix, 'balance.events'), fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          const e = JSON.parse(message.value!.toString()) as BalanceEventV1;
          if (e.accountId === accountId) events.push(e);
          if (until(events)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return events;
  } finally {
    await consumer.disconnect();
  }
}

export const amountOf = (s: string) => new Decimal(s);
