// An in-process invoicing service on the real Kafka and PostgreSQL of the environment (KAFKA_BROKERS,
// DATABASE_URL), with a scratch database and a topic prefix of its own; the other services are played by
// publishing their messages (account.events, catalogue.events, cdr.rated) directly.
import { randomBytes } from 'node:crypto';
import type { AccountUpserted, CatalogueEventV1, CdrRatedV1, InvoiceEventV1 } from '@rcp/contracts';
import { createScratchDatabase } from '@rcp/db';
import { ContractProducer, createKafka, ensureTopics, physicalTopic } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';
import { loadInvoicingConfig } from '../src/config.js';
import { createInvoicingService, type InvoicingService } from '../src/service.js';

export type Harness = {
  url: string;
  service: InvoicingService;
  publishAccounts(accounts: AccountUpserted[]): Promise<void>;
  publishCatalogue(document: unknown, revision?: number): Promise<void>;
  publishRated(rated: CdrRatedV1[]): Promise<void>;
  http<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; text: string }>;
  /** invoice.events read from the start until `done` holds (or 30 s). */
  events(done: (events: InvoiceEventV1[]) => boolean): Promise<InvoiceEventV1[]>;
  eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
};

export async function startHarness(label: string, env: Record<string, string> = {}): Promise<Harness> {
  const logger = createLogger(`${label}-test`, 'error');
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const kafka = createKafka({ brokers, clientId: `${label}-test`, logger });
  const prefix = `${label}-${randomBytes(4).toString('hex')}`;
  const db = await createScratchDatabase(process.env.DATABASE_URL!, label);
  await ensureTopics(kafka, prefix);
  const producer = new ContractProducer(kafka, prefix, logger);
  await producer.connect();
  const service = await createInvoicingService(
    loadInvoicingConfig({ KAFKA_BROKERS: process.env.KAFKA_BROKERS, DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'error', RCP_TOPIC_PREFIX: prefix, RCP_DAILY_RUN_INTERVAL_MS: '0', ...env }),
  );
  const address = await service.listen();
  const url = address.replace('[::1]', '127.0.0.1');

  const eventually = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const v = await check();
        if (v !== undefined) return v;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
  };

  return {
    url,
    service,
    publishAccounts: async (accounts) => producer.publish('account.events', accounts.map((a) => ({ key: a.accountId, value: a }))),
    publishCatalogue: async (document, revision = 1) => {
      const event: CatalogueEventV1 = { v: 1, type: 'catalogue.applied', catalogueId: 'test', revision, document, appliedAt: new Date().toISOString() };
      await producer.publish('catalogue.events', [{ key: 'test', value: event }]);
    },
    publishRated: async (rated) => producer.publish('cdr.rated', rated.map((r) => ({ key: r.accountId, value: r }))),
    http: async (method, path, body, headers = {}) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(env.RCP_OPS_TOKEN ? { authorization: `Bearer ${env.RCP_OPS_TOKEN}` } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* CSV, HTML */
      }
      return { status: res.status, body: parsed as never, text };
    },
    events: async (done) => {
      const consumer = kafka.consumer({ groupId: `${prefix}.reader.${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
      const seen: InvoiceEventV1[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: physicalTopic(prefix, 'invoice.events'), fromBeginning: true });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 30_000);
          void consumer.run({
            eachMessage: async ({ message }) => {
              seen.push(JSON.parse(message.value!.toString()) as InvoiceEventV1);
              if (done(seen)) {
                clearTimeout(t);
                resolve();
              }
            },
          });
        });
      } finally {
        await consumer.disconnect();
      }
      return seen;
    },
    eventually,
    stop: async () => {
      await producer.disconnect();
      await service.stop();
      await db.drop();
    },
  };
}

/** A customer account state as provisioning publishes it. */
export function account(accountId: string, opts: { partnerId?: string | null; cycle?: 'monthly' | 'quarterly' | 'yearly'; anchorDay?: number; taxRate?: string; at?: string; lines?: { lineId?: string; offerId: string; activeFrom: string; activeTo?: string | null }[] } = {}): AccountUpserted {
  return {
    v: 1,
    type: 'account.upserted',
    eventId: `${accountId}-${opts.at ?? 'init'}`,
    at: opts.at ?? '2026-09-01T08:00:00Z',
    accountId,
    partnerId: opts.partnerId ?? null,
    name: `Customer ${accountId}`,
    country: '39',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    billing: { cycle: opts.cycle ?? 'monthly', anchorDay: opts.anchorDay ?? 1, taxRate: opts.taxRate ?? '0.22', paymentTermDays: 14 },
    credit: { mode: 'postpaid', postpaidFallback: null, creditLimit: '100', autoRecharge: null, lowBalanceThreshold: '0' },
    lines: (opts.lines ?? [{ offerId: 'payg', activeFrom: '2026-01-01' }]).map((l, i) => ({
      lineId: l.lineId ?? `${accountId}-L${i + 1}`,
      numbers: [`3906${String(1000000 + i).padStart(7, '0')}`],
      accountCodes: [],
      offerId: l.offerId,
      channels: 2,
      activeFrom: l.activeFrom,
      activeTo: l.activeTo ?? null,
      closedUserGroups: [],
    })),
  };
}

let seq = 0;
/** A rated CDR as rating publishes it; `parts` decide how it splits between allowance and overage. */
export function rated(accountId: string, opts: { start: string; seconds: number; retail: string; wholesale?: string; destination?: string; service?: CdrRatedV1['service']; lineId?: string; revision?: number; recordId?: string; periodKey?: string; periodEnd?: string; offer?: string; parts?: { units: number; source: string; amount: string; wholesaleAmount: string }[] }): CdrRatedV1 {
  seq += 1;
  const recordId = opts.recordId ?? `${accountId}-${seq}`;
  const periodKey = opts.periodKey ?? `${opts.start.slice(0, 7)}-01`;
  const [y, m] = periodKey.split('-').map(Number) as [number, number];
  return {
    v: 1,
    ratedId: `pbx/${recordId}`,
    revision: opts.revision ?? 0,
    source: 'pbx',
    direction: 'outbound',
    recordId,
    accountId,
    lineId: opts.lineId ?? `${accountId}-L1`,
    service: opts.service ?? 'voice',
    startTime: opts.start,
    periodKey,
    periodEnd: opts.periodEnd ?? `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01`,
    billedUnits: opts.seconds,
    deniedUnits: 0,
    retail: { amount: opts.retail, precise: opts.retail, currency: 'EUR' },
    wholesale: { amount: opts.wholesale ?? '0.0000', precise: opts.wholesale ?? '0', currency: 'EUR' },
    explanation: {
      catalogueVersion: 'v1',
      destination: opts.destination ?? 'IT',
      billedUnits: opts.seconds,
      offer: opts.offer ?? 'payg',
      cug: null,
      connectFee: { retail: '0', wholesale: '0' },
      parts: opts.parts ?? [{ units: opts.seconds, source: 'payg', amount: opts.retail, wholesaleAmount: opts.wholesale ?? '0' }],
    },
    ratedAt: '2026-10-31T00:00:00Z',
    previous: null,
  };
}

/** A small catalogue with fees: what invoicing reads from catalogue.events. */
export const FEE_CATALOGUE = {
  catalogue: 'test',
  versions: [
    {
      version: 'v1',
      effectiveFrom: '2026-01-01T00:00:00+01:00',
      destinations: [
        { id: 'IT', name: 'Italy fixed', prefixes: ['39'] },
        { id: 'IT_MOBILE', name: 'Italy mobile', prefixes: ['393'] },
      ],
      defaults: { retailPriceList: 'retail', wholesalePriceList: 'wholesale' },
      priceLists: [
        { id: 'retail', kind: 'retail', currency: 'EUR', increments: { initial: 60, subsequent: 60 }, rates: [{ destination: 'IT', pricePerMinute: '0.1000' }, { destination: 'IT_MOBILE', pricePerMinute: '0.2000' }] },
        { id: 'wholesale', kind: 'wholesale', currency: 'EUR', rates: [{ destination: 'IT', pricePerMinute: '0.0400' }, { destination: 'IT_MOBILE', pricePerMinute: '0.0800' }] },
      ],
      offers: [
        { id: 'payg', name: 'Pay as you go', kind: 'payg', channels: { count: 4 } },
        { id: 'flat', name: 'FLAT Business', kind: 'flat', channels: { count: 2, fixed: true }, baskets: [{ id: 'national', destinations: ['IT', 'IT_MOBILE'], allowance: 1000 }], overage: { enabled: true, target: 'main' }, fees: { setup: '25.00', recurring: { amount: '29.00', every: 'month' } } },
        { id: 'big', name: 'FLAT Big', kind: 'flat', channels: { count: 4, fixed: true }, baskets: [{ id: 'national', destinations: ['IT', 'IT_MOBILE'], allowance: 3000 }], overage: { enabled: true, target: 'main' }, fees: { recurring: { amount: '62.00', every: 'month' } } },
        { id: 'callcenter', name: 'Call centre flat', kind: 'flat', channels: { count: 8 }, baskets: [{ id: 'inbound', destinations: ['IT'], allowance: 100000 }], overage: { enabled: true, target: 'main' }, fees: { recurring: { amount: '100.00', every: 'month' } } },
        { id: 'quarterly', name: 'Quarterly pack', kind: 'payg', channels: { count: 2 }, fees: { recurring: { amount: '90.00', every: 'quarter' } } },
        { id: 'annual', name: 'Annual pack', kind: 'payg', channels: { count: 2 }, fees: { setup: '10.00', recurring: { amount: '365.00', every: 'year' } } },
      ],
    },
  ],
};
