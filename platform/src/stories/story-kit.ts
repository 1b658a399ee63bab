// What the full-month stories share: one catalogue and one billing document for all of them (the platform
// has one catalogue in force), accounts with distinct numbers, CDR builders, and typed calls to invoicing.
import type { AccountUpserted, InvoiceEventV1 } from '@rcp/contracts';
import { eventually, httpJson } from '../client.js';
import { OPS_TOKEN, type E2ePlatform } from '../testing/e2e-platform.js';

/** Called numbers by destination (as a switch dials them; ingestion normalises them). */
export const TO = { IT_FIXED: '+39 06 5551234', IT_MOBILE: '+39 347 1234567', UK: '+44 20 71234567', US: '+1 212 5551234' } as const;

const national = ['IT_FIXED', 'IT_MOBILE'];

/** Prices simple enough to check by hand; increments 60/60 on every voice rate. */
export const STORY_CATALOGUE = {
  catalogue: 'stories',
  versions: [
    {
      version: 'stories-2026',
      effectiveFrom: '2026-01-01T00:00:00+01:00',
      destinations: [
        { id: 'IT_FIXED', name: 'Italy fixed', prefixes: ['39'] },
        { id: 'IT_MOBILE', name: 'Italy mobile', prefixes: ['393'] },
        { id: 'UK', name: 'United Kingdom', prefixes: ['44'] },
        { id: 'US', name: 'United States', prefixes: ['1'] },
      ],
      defaults: { retailPriceList: 'list-retail', wholesalePriceList: 'list-wholesale' },
      priceLists: [
        {
          id: 'list-retail',
          kind: 'retail',
          currency: 'EUR',
          increments: { initial: 60, subsequent: 60 },
          rates: [
            { destination: 'IT_FIXED', pricePerMinute: '0.0200' },
            { destination: 'IT_MOBILE', pricePerMinute: '0.1000' },
            { destination: 'UK', pricePerMinute: '0.0500' },
            { destination: 'US', pricePerMinute: '0.0300' },
            { destination: 'IT_MOBILE', service: 'sms', pricePerUnit: '0.0600' },
          ],
        },
        {
          id: 'list-wholesale',
          kind: 'wholesale',
          currency: 'EUR',
          rates: [
            { destination: 'IT_FIXED', pricePerMinute: '0.0080' },
            { destination: 'IT_MOBILE', pricePerMinute: '0.0400' },
            { destination: 'UK', pricePerMinute: '0.0200' },
            { destination: 'US', pricePerMinute: '0.0100' },
            { destination: 'IT_MOBILE', service: 'sms', pricePerUnit: '0.0300' },
          ],
        },
        {
          id: 'acme-wholesale',
          kind: 'wholesale',
          partner: 'acme',
          currency: 'EUR',
          rates: [
            { destination: 'IT_FIXED', pricePerMinute: '0.0070' },
            { destination: 'IT_MOBILE', pricePerMinute: '0.0350' },
            { destination: 'UK', pricePerMinute: '0.0180' },
            { destination: 'US', pricePerMinute: '0.0090' },
            { destination: 'IT_MOBILE', service: 'sms', pricePerUnit: '0.0250' },
          ],
        },
      ],
      partners: [
        { id: 'acme', name: 'Acme Telecomunicazioni', wholesalePriceList: 'acme-wholesale' },
        { id: 'contoso', name: 'Contoso Cloud Partner', wholesalePriceList: 'list-wholesale' },
      ],
      offers: [
        { id: 'payg', name: 'Pay as you go', kind: 'payg', channels: { count: 4 } },
        {
          id: 'flat-business',
          name: 'FLAT Business',
          kind: 'flat',
          singleNumber: true,
          channels: { count: 2, fixed: true },
          baskets: [{ id: 'national', destinations: national, allowance: 100 }],
          overage: { enabled: true, target: 'billing-main' },
          fees: { setup: '25.00', recurring: { amount: '29.00', every: 'month' } },
        },
        {
          id: 'flat-per-use',
          name: 'Flat a consumo',
          kind: 'flat_to_customer',
          channels: { count: 4 },
          baskets: [{ id: 'national', destinations: national, allowance: 100 }],
          overage: { enabled: true, target: 'billing-main' },
          fees: { recurring: { amount: '19.00', every: 'month' } },
        },
        {
          id: 'recipe',
          name: 'Office recipe',
          kind: 'custom',
          channels: { count: 8 },
          baskets: [
            { id: 'fixed', destinations: ['IT_FIXED'], allowance: 100 },
            { id: 'mobile', destinations: ['IT_MOBILE'], allowance: 20 },
            { id: 'uk', destinations: ['UK'], allowance: 10 },
          ],
          overage: { enabled: false, target: null },
          fees: { recurring: { amount: '49.00', every: 'month' } },
        },
        {
          id: 'teams',
          name: 'Calling plan 120',
          kind: 'flat',
          channels: { count: 4 },
          baskets: [{ id: 'minutes', destinations: [...national, 'UK', 'US'], allowance: 120 }],
          overage: { enabled: false, target: null },
          fees: { recurring: { amount: '8.00', every: 'month' } },
        },
        {
          id: 'callcenter',
          name: 'Call centre flat',
          kind: 'flat',
          channels: { count: 30 },
          baskets: [{ id: 'all', destinations: national, allowance: 100000 }],
          overage: { enabled: true, target: 'billing-main' },
          fees: { recurring: { amount: '100.00', every: 'month' } },
        },
        {
          id: 'pkg-basic',
          name: 'Broadcast Basic',
          kind: 'custom',
          channels: { count: 2 },
          baskets: [{ id: 'national', destinations: national, allowance: 30, renewal: 'rollover', rolloverCap: 60 }],
          overage: { enabled: true, target: 'billing-main' },
          fees: { setup: '5.00', recurring: { amount: '10.00', every: 'month' } },
        },
        {
          id: 'pkg-pro',
          name: 'Broadcast Pro',
          kind: 'custom',
          channels: { count: 10 },
          baskets: [{ id: 'national', destinations: national, allowance: 300 }],
          overage: { enabled: true, target: 'billing-main' },
          fees: { recurring: { amount: '30.00', every: 'month' } },
        },
        { id: 'pkg-quarter', name: 'Broadcast Quarterly', kind: 'payg', channels: { count: 2 }, fees: { recurring: { amount: '27.00', every: 'quarter' } } },
      ],
    },
  ],
};

/** The billing document of every story: what the catalogue has no place for. */
export const STORY_BILLING = {
  billing: 'stories',
  discounts: [
    { id: 'tiered-250', name: 'tiered spend 0/5/10%', kind: 'steps', model: 'tiered', basis: 'spend', steps: [{ threshold: '0', percentage: '0' }, { threshold: '100', percentage: '5' }, { threshold: '200', percentage: '10' }] },
    { id: 'volume-250', name: 'volume spend 0/5/10%', kind: 'steps', model: 'volume', basis: 'spend', steps: [{ threshold: '0', percentage: '0' }, { threshold: '100', percentage: '5' }, { threshold: '200', percentage: '10' }] },
    {
      id: 'free-sms',
      name: '10 free SMS when mobile calls exceed 30',
      kind: 'cross_product',
      qualifying: { scope: { services: ['voice'], destinations: ['IT_MOBILE'] }, basis: 'calls', atLeast: '31' },
      target: { services: ['sms'] },
      grant: { freeUnits: '10' },
    },
    {
      id: 'intl-bonus',
      name: '10.00 of free calls per 3 hours of international calls last quarter',
      kind: 'bonus',
      earn: { scope: { destinations: ['UK', 'US'] }, basis: 'minutes', per: '180', lookback: 'previous_quarter' },
      target: { services: ['voice'] },
      grant: { amount: '10.00' },
    },
    { id: 'repriced', name: '12.5% off every US call once 2 minutes are reached', kind: 'steps', preItemisation: true, basis: 'minutes', scope: { destinations: ['US'] }, steps: [{ threshold: '2', percentage: '12.5' }] },
    { id: 'half-vat-on-fees', name: 'half VAT on fees', kind: 'tax', scope: { usage: false, fees: true }, percentage: '50' },
    { id: 'welcome', name: 'welcome discount 31.00 a month, prorated', kind: 'fixed', amount: '31.00', prorate: true, validFrom: '2026-10-01', validTo: '2027-01-01' },
  ],
  costCaps: {
    tolerancePercent: '10',
    flagged: { services: ['voice'] },
    categories: [1, 2, 3, 4, 5, 6, 7].map((category) => ({ category, cap: `${category * 10}.00` })),
  },
  profitability: { referencePricePerMinute: '0.05', tolerancePercent: '10' },
  offers: [
    { offerId: 'pkg-basic', freeCredit: { amount: '2.00', renewal: 'keep' } },
    { offerId: 'pkg-pro', freeCredit: { amount: '5.00', renewal: 'reset' } },
  ],
  partners: [
    { partnerId: 'acme', taxRate: '0.22', discountPercent: '0', paymentTermDays: 30 },
    { partnerId: 'contoso', taxRate: '0.22', discountPercent: '5', paymentTermDays: 30 },
  ],
  customers: [
    { accountId: 'S2-FLAT', profitability: { flat: {} } },
    { accountId: 'S2-CAP', costCap: { category: 3 } },
    { accountId: 'S2-CAPOK', costCap: { category: 1 } },
    { accountId: 'S2-TOP', costCap: { category: 7 } },
    { accountId: 'S2-PERCALL', profitability: { fixedPricePerCall: { price: '0.50' } } },
    { accountId: 'S3-TIER', discounts: ['tiered-250'] },
    { accountId: 'S3-VOL', discounts: ['volume-250'] },
    { accountId: 'S3-CROSS', discounts: ['free-sms'] },
    { accountId: 'S3-BONUS', discounts: ['intl-bonus'] },
    { accountId: 'S3-PRE', discounts: ['repriced'] },
    { accountId: 'S3-TAX', discounts: ['half-vat-on-fees'] },
    { accountId: 'S3-EXEMPT', tax: { exempt: { reason: 'non-EU customer, outside the scope of VAT' } } },
    { accountId: 'S3-WELCOME', discounts: ['welcome'] },
    { accountId: 'S4-GONE', dunning: { suspendAfterDays: 5, terminateAfterDays: 20 } },
  ],
};

type LineSpec = { number: string; offerId: string; activeFrom: string; offerPeriods?: { offerId: string; from: string; to: string | null; change: 'activation' | 'upgrade' | 'downgrade' | 'change' | 'modify' }[] };

/** A customer as provisioning publishes it (postpaid unless told otherwise, Rome, VAT 22%, 14 days to pay). */
export function customer(
  accountId: string,
  line: LineSpec,
  opts: { partnerId?: string; cycle?: 'monthly' | 'quarterly' | 'yearly'; credit?: Partial<AccountUpserted['credit']>; overage?: AccountUpserted['overage']; channels?: number } = {},
): AccountUpserted {
  return {
    v: 1,
    type: 'account.upserted',
    eventId: `${accountId}-1`,
    at: '2026-07-01T00:00:00Z',
    accountId,
    partnerId: opts.partnerId ?? null,
    name: `Customer ${accountId}`,
    country: '39',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    billing: { cycle: opts.cycle ?? 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
    credit: { mode: 'postpaid', postpaidFallback: null, creditLimit: '1000.00', autoRecharge: null, lowBalanceThreshold: '0', ...opts.credit },
    lines: [
      {
        lineId: `${accountId}-L1`,
        numbers: [line.number],
        accountCodes: [],
        offerId: line.offerId,
        channels: opts.channels ?? 30,
        activeFrom: line.activeFrom,
        activeTo: null,
        closedUserGroups: [],
        ...(line.offerPeriods ? { offerPeriods: line.offerPeriods.map((p) => ({ ...p, channels: opts.channels ?? 30 })) } : {}),
      },
    ],
    ...(opts.overage ? { overage: opts.overage } : {}),
  };
}

let n = 0;
/** A CDR as a switch posts it: from a line's number, started at a local time in Rome (offset given). */
export function call(from: string, to: string, start: string, seconds: number, opts: { service?: 'voice' | 'sms'; id?: string } = {}) {
  n += 1;
  return { recordId: opts.id ?? `story-${n}-${from}-${start}`, service: opts.service ?? 'voice', callingNumber: `+${from}`, calledNumber: to, startTime: start, billableUnits: seconds, disposition: 'answered' as const };
}

/** `count` calls, one a day from `firstDay` of a month (YYYY-MM), at 09:00 Rome time. */
export function calls(from: string, to: string, month: string, firstDay: number, count: number, seconds: number, opts: { service?: 'voice' | 'sms' } = {}) {
  return Array.from({ length: count }, (_, i) => {
    const day = firstDay + (i % 28);
    const minute = Math.floor(i / 28);
    const offset = Number(month.slice(5, 7)) >= 4 && Number(month.slice(5, 7)) <= 10 ? '+02:00' : '+01:00';
    return call(from, to, `${month}-${String(day).padStart(2, '0')}T09:${String(minute).padStart(2, '0')}:00${offset}`, seconds, opts);
  });
}

export type InvoiceLineView = { kind: string; description: string; quantity: string; unitPrice: string; precise: string; amount: string; listAmount?: string; period?: string };
export type InvoiceView = { invoiceId: string; invoiceNumber: string | null; kind: string; accountId: string; status: string; net: string; tax: string; total: string; dueDate: string | null; lines: InvoiceLineView[]; amountDue: string };
export type CloseResult = {
  invoices: { accountId: string; invoiceId: string; invoiceNumber: string | null; total: string; status: string; tasks?: string[] }[];
  partnerInvoices: { partnerId: string; invoiceId: string; invoiceNumber: string | null; total: string; status: string }[];
  skipped: { accountId: string; code: string; message: string }[];
};

/** Typed calls to invoicing as billing ops and finance make them. */
export class Invoicing {
  constructor(private readonly platform: E2ePlatform) {}

  private get url() {
    return this.platform.url('invoicing');
  }

  /** As billing ops: with the platform's ops token, which invoicing's ops endpoints require. */
  http<T>(method: string, path: string, body?: unknown) {
    return httpJson<T>(method, `${this.url}${path}`, body, { authorization: `Bearer ${OPS_TOKEN}` });
  }

  async applyBilling(doc: unknown): Promise<void> {
    const r = await this.http('PUT', '/v1/billing-config', doc);
    if (r.status !== 201) throw new Error(`billing document refused: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** Waits until invoicing prices from the catalogue rating published. */
  async catalogueArrived(): Promise<void> {
    await eventually('the catalogue to reach invoicing', async () => ((await this.http('GET', '/v1/catalogue')).status === 200 ? true : undefined));
  }

  /** Waits until invoicing knows the account's lines (its line-offer history). */
  async linesKnown(accountId: string, segments = 1): Promise<void> {
    await eventually(`invoicing to know the lines of ${accountId}`, async () => ((await this.http<{ segments: unknown[] }>('GET', `/v1/accounts/${accountId}/lines`)).body.segments.length >= segments ? true : undefined));
  }

  /** Waits until `count` rated CDRs of the account's rating period have reached invoicing. */
  async usageArrived(periodKey: string, accountId: string, count: number): Promise<void> {
    await eventually(
      `${count} rated CDRs of ${accountId} in ${periodKey} to reach invoicing`,
      async () => {
        const r = await this.http<{ accounts: { accountId: string; records: number }[] }>('GET', `/v1/periods/${periodKey}/usage`);
        const records = r.body.accounts.find((a) => a.accountId === accountId)?.records ?? 0;
        if (records > count) throw new Error(`more rated CDRs than sent: ${records} > ${count}`);
        return records === count ? true : undefined;
      },
      90_000,
    );
  }

  async close(periodKey: string, body: { accountIds: string[]; asOf: string; issue?: boolean; partners?: boolean }): Promise<CloseResult> {
    const r = await this.http<CloseResult>('POST', `/v1/periods/${periodKey}/close`, body);
    if (r.status !== 200) throw new Error(`close refused: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async invoice(invoiceId: string): Promise<InvoiceView> {
    return (await this.http<InvoiceView>('GET', `/v1/invoices/${invoiceId}`)).body;
  }

  /** Closes one account's cycle and returns its invoice. */
  async closeOne(periodKey: string, accountId: string, asOf: string): Promise<InvoiceView> {
    const closed = await this.close(periodKey, { accountIds: [accountId], asOf, partners: false });
    const mine = closed.invoices.find((i) => i.accountId === accountId);
    if (!mine) throw new Error(`no invoice for ${accountId}: ${JSON.stringify(closed.skipped)}`);
    return this.invoice(mine.invoiceId);
  }

  async text(path: string): Promise<string> {
    const res = await fetch(`${this.url}${path}`);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.text();
  }
}

/** [kind, description, amount] of each line: how a person reads an invoice. */
export function linesOf(inv: InvoiceView): [string, string, string][] {
  return inv.lines.map((l) => [l.kind, l.description, l.amount]);
}

/** The invoice.events a finance consumer would have received for these subjects. */
export function eventsAbout(events: InvoiceEventV1[], subjects: string[]): InvoiceEventV1[] {
  return events.filter((e) => subjects.includes(e.subject) || subjects.includes((e.data as { accountId?: string }).accountId ?? ''));
}
