import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { AccountUpserted } from '@rcp/contracts';
import { createScratchDatabase } from '@rcp/db';
import { createKafka } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';
import { eventually, httpJson, publishAccounts } from '../client.js';
import { Launcher } from '../launch/launcher.js';

export const E2E_SWITCH = { id: 'e2e-switch', apiKey: 'e2e-switch-key-0123456789abcdef', country: '39', timeZone: 'Europe/Rome' };
export const OPS_TOKEN = 'e2e-ops-token-0123456789abcdef';

/**
 * The whole platform on the real Kafka and PostgreSQL named by KAFKA_BROKERS and DATABASE_URL (npm test
 * starts them), isolated from other runs by a fresh database and a topic prefix of its own.
 */
export async function startE2ePlatform(label: string): Promise<E2ePlatform> {
  const brokers = process.env.KAFKA_BROKERS;
  const serverUrl = process.env.DATABASE_URL;
  if (!brokers || !serverUrl) throw new Error('KAFKA_BROKERS and DATABASE_URL must be set: run through `npm test` (infra with-infra) or point them at running servers');
  const db = await createScratchDatabase(serverUrl, label);
  const prefix = `${label}-${randomBytes(4).toString('hex')}`;
  const launcher = new Launcher({
    env: { KAFKA_BROKERS: brokers, DATABASE_URL: db.url, RCP_TOPIC_PREFIX: prefix, LOG_LEVEL: 'info' },
    serviceEnv: {
      ingestion: { RCP_SWITCHES: JSON.stringify([E2E_SWITCH]) },
      rating: { RCP_OPS_TOKEN: OPS_TOKEN, RCP_ACCOUNT_WAIT_MS: '15000' },
      // The switch asks credit control before calls with the same key it posts CDRs with.
      charging: { RCP_SWITCHES: JSON.stringify([E2E_SWITCH]) },
    },
    logDir: join(tmpdir(), 'rcp-e2e-logs', prefix),
  });
  const kafka = createKafka({ brokers: brokers.split(','), clientId: `rcp-${label}`, logger: createLogger(label, 'error') });
  try {
    await launcher.startAll();
  } catch (err) {
    await launcher.stopAll();
    await db.drop();
    throw err;
  }
  return new E2ePlatform(launcher, kafka, prefix, db.url, async () => {
    await launcher.stopAll();
    await db.drop().catch(() => undefined);
  });
}

export class E2ePlatform {
  constructor(
    readonly launcher: Launcher,
    readonly kafka: Kafka,
    readonly prefix: string,
    /** The platform's own database (each service has its schema in it). */
    readonly databaseUrl: string,
    private readonly teardown: () => Promise<void>,
  ) {}

  url(service: 'ingestion' | 'rating' | 'charging' | 'invoicing'): string {
    return this.launcher.url(service);
  }

  async applyCatalogue(catalogue: unknown): Promise<void> {
    const r = await httpJson('PUT', `${this.url('rating')}/v1/catalogue`, catalogue, { authorization: `Bearer ${OPS_TOKEN}` });
    if (r.status !== 201) throw new Error(`catalogue refused: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** Publishes the accounts and waits until ingestion knows them. */
  async provision(accounts: AccountUpserted[]): Promise<void> {
    await publishAccounts(this.kafka, this.prefix, accounts);
    for (const a of accounts) {
      await eventually(`ingestion to know ${a.accountId}`, async () =>
        (await httpJson('GET', `${this.url('ingestion')}/v1/accounts/${a.accountId}`, undefined, { 'x-api-key': E2E_SWITCH.apiKey })).status === 200 ? true : undefined,
      );
    }
  }

  async topUp(accountId: string, amount: string, key: string): Promise<void> {
    await eventually(`top-up of ${accountId}`, async () => {
      const r = await httpJson('POST', `${this.url('charging')}/v1/accounts/${accountId}/top-ups`, { amount, idempotencyKey: key }, { authorization: `Bearer ${OPS_TOKEN}` });
      return r.status === 201 || r.status === 200 ? true : undefined;
    });
  }

  postCdrs(records: unknown[], apiKey = E2E_SWITCH.apiKey) {
    return httpJson<IntakeResponse>('POST', `${this.url('ingestion')}/v1/cdrs`, records, { 'x-api-key': apiKey });
  }

  balance(accountId: string) {
    return httpJson<BalanceView>('GET', `${this.url('charging')}/v1/accounts/${accountId}/balance`);
  }

  async ledger(accountId: string): Promise<LedgerEntry[]> {
    return (await httpJson<{ entries: LedgerEntry[] }>('GET', `${this.url('charging')}/v1/accounts/${accountId}/ledger`)).body.entries;
  }

  /** Waits until the account's ledger holds `count` entries caused by rated CDRs; more than that fails at once. */
  async ratedEntries(accountId: string, count: number, timeoutMs = 90_000): Promise<LedgerEntry[]> {
    return eventually(
      `${count} rated-CDR ledger entries on ${accountId}`,
      async () => {
        const entries = (await this.ledger(accountId)).filter((e) => e.cause === 'rated_cdr');
        if (entries.length > count) throw new Error(`more ledger entries than CDRs: ${entries.length} > ${count}`);
        return entries.length === count ? entries : undefined;
      },
      timeoutMs,
    );
  }

  closePeriod(periodKey: string, accountIds: string[]) {
    return httpJson<{ invoices: { accountId: string; invoiceNumber: string; total: string; status: string }[] }>('POST', `${this.url('invoicing')}/v1/periods/${periodKey}/close`, { accountIds }, { authorization: `Bearer ${OPS_TOKEN}` });
  }

  stop(): Promise<void> {
    return this.teardown();
  }
}

export type IntakeResponse = {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: { index: number; status: 'accepted' | 'duplicate' | 'rejected'; recordId?: string; reasons?: { code: string; message: string; path?: string }[] }[];
};
export type BalanceView = { accountId: string; balance: string; mode: string; blocked: boolean; ledgerSum: string; ledgerEntries: number };
export type LedgerEntry = { entryId: string; cause: string; causeRef: string; amount: string; balanceAfter: string };

/** A per-minute tariff simple enough to check by hand: Italy 0.10 EUR/min retail, 0.04 wholesale, 60/60. */
export const SIMPLE_CATALOGUE = {
  catalogue: 'e2e',
  versions: [
    {
      version: 'e2e-1',
      effectiveFrom: '2026-01-01T00:00:00Z',
      destinations: [{ id: 'IT', name: 'Italy', prefixes: ['39'] }],
      defaults: { retailPriceList: 'retail', wholesalePriceList: 'wholesale' },
      priceLists: [
        { id: 'retail', kind: 'retail', currency: 'EUR', increments: { initial: 60, subsequent: 60 }, rates: [{ destination: 'IT', pricePerMinute: '0.1000' }] },
        { id: 'wholesale', kind: 'wholesale', currency: 'EUR', rates: [{ destination: 'IT', pricePerMinute: '0.0400' }] },
      ],
      offers: [{ id: 'payg', name: 'Pay as you go', kind: 'payg', channels: { count: 4 } }],
    },
  ],
};

export function prepaidAccount(accountId: string, number: string): AccountUpserted {
  return {
    v: 1,
    type: 'account.upserted',
    eventId: `${accountId}-1`,
    at: '2026-09-01T00:00:00Z',
    accountId,
    partnerId: null,
    name: accountId,
    country: '39',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
    credit: { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '1.00' },
    lines: [{ lineId: `${accountId}-L1`, numbers: [number], accountCodes: [], offerId: 'payg', channels: 4, activeFrom: '2026-01-01', activeTo: null, closedUserGroups: [] }],
  };
}

/** A voice CDR from `from` in October 2026 (Rome time), answered for `seconds` unless told otherwise. */
export function voiceCdr(recordId: string, from: string, seconds: number, opts: { day?: number; minute?: number; disposition?: 'answered' | 'no_answer' | 'busy'; to?: string } = {}) {
  const start = `2026-10-${String(opts.day ?? 5).padStart(2, '0')}T10:${String(opts.minute ?? 0).padStart(2, '0')}:00+02:00`;
  return {
    recordId,
    callingNumber: `+${from}`,
    calledNumber: opts.to ?? '+39 06 5551234',
    startTime: start,
    billableUnits: opts.disposition && opts.disposition !== 'answered' ? 0 : seconds,
    disposition: opts.disposition ?? 'answered',
  };
}
