// Full-month stories, one per seed, from CDRs posted to ingestion through rating and charging to invoices and
// invoice.events, on real Kafka and PostgreSQL with every service in its own process. The stories share one
// platform (and so one catalogue and one billing document) with accounts of their own.
//   000 line offers: pay as you go, FLAT Business, flat to the customer / per use to the partner, a recipe
//   001 overage on and off, prepaid credit first, the partner's reconciliation without discount on overage
//   002 profitability: flat, fixed price per call, cost caps 1..7; tasks, offers, follow-ups
//   003 billing-time discounts: tiered, volume, cross-product, bonus, pre-itemisation, tax, prorated periods
//   004 packages: setup and recurring fees, proration, upgrade, free credit kept, rollover, quarterly, dunning
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvoiceEventV1 } from '@rcp/contracts';
import { Decimal } from '@rcp/domain';
import { eventually, httpJson, readTopic } from '../client.js';
import { E2E_SWITCH, startE2ePlatform, type E2ePlatform } from '../testing/e2e-platform.js';
import { call, calls, customer, eventsAbout, Invoicing, linesOf, STORY_BILLING, STORY_CATALOGUE, TO, type InvoiceView } from './story-kit.js';

let platform: E2ePlatform;
let inv: Invoicing;

const OCT = '2026-10-01';
const NOV = '2026-11-01';

// Story 000: a partner's four customers, one per kind of line offer.
const S0_PAYG = customer('S0-PAYG', { number: '390610000001', offerId: 'payg', activeFrom: '2026-01-01' }, { partnerId: 'acme' });
const S0_FLAT = customer('S0-FLAT', { number: '390610000002', offerId: 'flat-business', activeFrom: '2026-10-01' }, { partnerId: 'acme', channels: 2 });
const S0_FPU = customer('S0-FPU', { number: '390610000003', offerId: 'flat-per-use', activeFrom: '2026-09-01' }, { partnerId: 'acme' });
const S0_RECIPE = customer('S0-RECIPE', { number: '390610000004', offerId: 'recipe', activeFrom: '2026-09-01' }, { partnerId: 'acme' });
// Story 001: a calling plan with overage assigned to a billing target, one without, a prepaid customer.
const overageOn = [{ service: 'voice' as const, target: 'azure-sub-1', heldBy: 'contoso', since: '2026-09-01T00:00:00Z' }];
const S1_TEAMS = customer('S1-TEAMS', { number: '390610000011', offerId: 'teams', activeFrom: '2026-09-01' }, { partnerId: 'contoso', overage: overageOn });
const S1_NOOVER = customer('S1-NOOVER', { number: '390610000012', offerId: 'teams', activeFrom: '2026-09-01' }, { partnerId: 'contoso' });
const S1_PREPAID = customer('S1-PREPAID', { number: '390610000013', offerId: 'payg', activeFrom: '2026-09-01' }, { partnerId: 'contoso', credit: { mode: 'prepaid', postpaidFallback: { creditLimit: '5.00' }, creditLimit: '0' } });
// Story 002: profitability control.
const S2_FLAT = customer('S2-FLAT', { number: '390610000021', offerId: 'callcenter', activeFrom: '2026-09-01' });
const S2_CAP = customer('S2-CAP', { number: '390610000022', offerId: 'payg', activeFrom: '2026-09-01' });
const S2_CAPOK = customer('S2-CAPOK', { number: '390610000023', offerId: 'payg', activeFrom: '2026-09-01' });
const S2_TOP = customer('S2-TOP', { number: '390610000024', offerId: 'payg', activeFrom: '2026-09-01' });
const S2_PERCALL = customer('S2-PERCALL', { number: '390610000025', offerId: 'payg', activeFrom: '2026-09-01' });
// Story 003: billing-time discounts.
const S3_TIER = customer('S3-TIER', { number: '390610000031', offerId: 'payg', activeFrom: '2026-09-01' });
const S3_VOL = customer('S3-VOL', { number: '390610000032', offerId: 'payg', activeFrom: '2026-09-01' });
const S3_CROSS = customer('S3-CROSS', { number: '390610000033', offerId: 'payg', activeFrom: '2026-09-01' });
const S3_BONUS = customer('S3-BONUS', { number: '390610000034', offerId: 'payg', activeFrom: '2026-07-01' });
const S3_PRE = customer('S3-PRE', { number: '390610000035', offerId: 'payg', activeFrom: '2026-09-01' });
const S3_TAX = customer('S3-TAX', { number: '390610000036', offerId: 'flat-per-use', activeFrom: '2026-09-01' });
const S3_EXEMPT = customer('S3-EXEMPT', { number: '390610000037', offerId: 'payg', activeFrom: '2026-09-01' });
const S3_WELCOME = customer('S3-WELCOME', { number: '390610000038', offerId: 'flat-per-use', activeFrom: '2026-10-21' });
// Story 004: packages. Basic from 10 October; on 16 November provisioning upgrades the line to Pro (the new
// state carries the package history), published when it happens, as provisioning does.
const basicSince = { offerId: 'pkg-basic', from: '2026-10-09T22:00:00Z', change: 'activation' as const };
const S4_PKG = customer('S4-PKG', { number: '390610000041', offerId: 'pkg-basic', activeFrom: '2026-10-10', offerPeriods: [{ ...basicSince, to: null }] });
const S4_PKG_UPGRADED = {
  ...customer('S4-PKG', {
    number: '390610000041',
    offerId: 'pkg-pro',
    activeFrom: '2026-10-10',
    offerPeriods: [
      { ...basicSince, to: '2026-11-15T23:00:00Z' },
      { offerId: 'pkg-pro', from: '2026-11-15T23:00:00Z', to: null, change: 'upgrade' },
    ],
  }),
  eventId: 'S4-PKG-2',
  at: '2026-11-15T23:00:00Z',
};
const S4_QTR = customer('S4-QTR', { number: '390610000042', offerId: 'pkg-quarter', activeFrom: '2026-07-01' }, { cycle: 'quarterly' });
const S4_GONE = customer('S4-GONE', { number: '390610000043', offerId: 'payg', activeFrom: '2026-09-01' });

const ALL = [S0_PAYG, S0_FLAT, S0_FPU, S0_RECIPE, S1_TEAMS, S1_NOOVER, S1_PREPAID, S2_FLAT, S2_CAP, S2_CAPOK, S2_TOP, S2_PERCALL, S3_TIER, S3_VOL, S3_CROSS, S3_BONUS, S3_PRE, S3_TAX, S3_EXEMPT, S3_WELCOME, S4_PKG, S4_QTR, S4_GONE];
const num = (a: typeof S0_PAYG) => a.lines[0]!.numbers[0]!;

beforeAll(async () => {
  // Credit control (charging) serves the same switch as ingestion, so a story can ask it to authorize a call.
  process.env.RCP_SWITCHES = JSON.stringify([E2E_SWITCH]);
  platform = await startE2ePlatform('stories');
  inv = new Invoicing(platform);
  await platform.applyCatalogue(STORY_CATALOGUE);
  await inv.applyBilling(STORY_BILLING);
  await platform.provision(ALL);
  await inv.catalogueArrived();
  for (const a of ALL) await inv.linesKnown(a.accountId);
});

afterAll(async () => {
  await platform?.stop();
});

/** Posts CDRs (all must be taken) and waits until invoicing holds them, per account and rating period. */
async function post(records: ReturnType<typeof call>[], expect_: { periodKey: string; accountId: string; count: number }[]) {
  for (let i = 0; i < records.length; i += 200) {
    const r = await platform.postCdrs(records.slice(i, i + 200));
    if (r.body.accepted !== Math.min(200, records.length - i)) throw new Error(`ingestion did not take every CDR: ${JSON.stringify(r.body.results.filter((x) => x.status !== 'accepted'))}`);
  }
  for (const e of expect_) await inv.usageArrived(e.periodKey, e.accountId, e.count);
}

async function financeEvents(done: (e: InvoiceEventV1[]) => boolean): Promise<InvoiceEventV1[]> {
  const events = await readTopic(platform.kafka, platform.prefix, 'invoice.events', done, 60_000);
  return events.map((e) => InvoiceEventV1.parse(e));
}

function expectIssued(events: InvoiceEventV1[], invoice: InvoiceView) {
  const issued = events.filter((e) => e.type === 'invoice.issued' && e.subject === invoice.invoiceNumber);
  expect(issued, `one invoice.issued for ${invoice.invoiceNumber}`).toHaveLength(1);
  expect(issued[0]!.data).toMatchObject({ invoiceId: invoice.invoiceId, net: invoice.net, tax: invoice.tax, total: invoice.total });
}

describe('seed 000: line offers over a month', () => {
  const closed: Record<string, InvoiceView> = {};
  let partnerInvoice: InvoiceView;

  beforeAll(async () => {
    await post(
      [
        call(num(S0_PAYG), TO.IT_FIXED, '2026-10-05T10:00:00+02:00', 61),
        call(num(S0_PAYG), TO.IT_FIXED, '2026-10-05T10:05:00+02:00', 61),
        call(num(S0_PAYG), TO.IT_MOBILE, '2026-10-05T10:10:00+02:00', 90),
        call(num(S0_FLAT), TO.IT_FIXED, '2026-10-06T10:00:00+02:00', 5400),
        call(num(S0_FLAT), TO.IT_FIXED, '2026-10-06T12:00:00+02:00', 300),
        call(num(S0_FLAT), TO.IT_MOBILE, '2026-10-07T10:00:00+02:00', 600),
        call(num(S0_FLAT), TO.UK, '2026-10-08T10:00:00+02:00', 180),
        call(num(S0_FPU), TO.IT_FIXED, '2026-10-06T10:00:00+02:00', 1800),
        call(num(S0_RECIPE), TO.IT_FIXED, '2026-10-06T10:00:00+02:00', 3000),
        call(num(S0_RECIPE), TO.IT_MOBILE, '2026-10-07T10:00:00+02:00', 1500),
        call(num(S0_RECIPE), TO.UK, '2026-10-08T10:00:00+02:00', 300),
      ],
      [
        { periodKey: OCT, accountId: 'S0-PAYG', count: 3 },
        { periodKey: OCT, accountId: 'S0-FLAT', count: 4 },
        { periodKey: OCT, accountId: 'S0-FPU', count: 1 },
        { periodKey: OCT, accountId: 'S0-RECIPE', count: 3 },
      ],
    );
    const result = await inv.close(OCT, { accountIds: ['S0-PAYG', 'S0-FLAT', 'S0-FPU', 'S0-RECIPE'], asOf: NOV });
    for (const i of result.invoices) closed[i.accountId] = await inv.invoice(i.invoiceId);
    expect(result.partnerInvoices.map((p) => p.partnerId)).toEqual(['acme']);
    partnerInvoice = await inv.invoice(result.partnerInvoices[0]!.invoiceId);
  });

  it('bills pay as you go at list prices, line by destination', () => {
    expect(linesOf(closed['S0-PAYG']!)).toEqual([
      ['usage', 'voice Italy fixed', '0.08'], // 2 calls of 61 s at 60/60: 2 x 2 min x 0.02
      ['usage', 'voice Italy mobile', '0.20'],
      ['tax', 'tax 22%', '0.06'],
    ]);
    expect(closed['S0-PAYG']!.total).toBe('0.34');
    expect(closed['S0-PAYG']!.invoiceNumber).toMatch(/^acme-2026-\d{6}$/); // the partner bills its customers
  });

  it('bills FLAT Business: minutes inside the flat at 0, overage and other destinations at list prices, setup and monthly fee', () => {
    expect(linesOf(closed['S0-FLAT']!)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['usage', 'voice Italy mobile (included)', '0.00'],
      ['usage', 'voice Italy mobile (overage)', '0.50'], // 5 of the 10 minutes beyond the 100
      ['usage', 'voice United Kingdom', '0.15'],
      ['fee', 'Monthly fee FLAT Business, line S0-FLAT-L1, 2026-10-01 to 2026-11-01', '29.00'],
      ['fee', 'Setup fee FLAT Business, line S0-FLAT-L1', '25.00'],
      ['tax', 'tax 22%', '12.02'],
    ]);
    expect(closed['S0-FLAT']!.lines[0]!.quantity).toBe('95');
    expect(closed['S0-FLAT']!.total).toBe('66.67');
  });

  it('bills a flat to the customer at 0 inside the allowance, and a recipe of baskets per destination (overage refused)', () => {
    expect(linesOf(closed['S0-FPU']!)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['fee', 'Monthly fee Flat a consumo, line S0-FPU-L1, 2026-10-01 to 2026-11-01', '19.00'],
      ['tax', 'tax 22%', '4.18'],
    ]);
    expect(linesOf(closed['S0-RECIPE']!)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['usage', 'voice Italy mobile (included)', '0.00'],
      ['usage', 'voice United Kingdom (included)', '0.00'],
      ['fee', 'Monthly fee Office recipe, line S0-RECIPE-L1, 2026-10-01 to 2026-11-01', '49.00'],
      ['tax', 'tax 22%', '10.78'],
    ]);
    // 25 minutes to mobiles, only the basket's 20 billed: the other 5 were refused (overage disabled).
    expect(closed['S0-RECIPE']!.lines[1]!.quantity).toBe('20');
  });

  it('bills the partner wholesale: per use for the flat-to-customer line, nothing inside FLAT Business, overage at list price', () => {
    expect(linesOf(partnerInvoice)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.21'], // the flat a consumo's 30 minutes at 0.007
      ['usage', 'voice Italy fixed', '0.03'],
      ['usage', 'voice Italy mobile (included)', '0.00'],
      ['usage', 'voice Italy mobile (overage), no partner discount', '0.50'],
      ['usage', 'voice Italy mobile', '0.07'],
      ['usage', 'voice United Kingdom (included)', '0.00'],
      ['usage', 'voice United Kingdom', '0.05'],
      ['tax', 'tax 22%', '0.19'],
    ]);
    expect(partnerInvoice).toMatchObject({ kind: 'partner_invoice', accountId: 'acme', total: '1.05', invoiceNumber: expect.stringMatching(/^operator-2026-/) });
  });

  it('reports the customer’s traffic at list prices (0 inside the flat) and the partner’s at wholesale, its own customers only', async () => {
    const flat = await inv.text('/v1/accounts/S0-FLAT/periods/2026-10-01/traffic.csv');
    expect(flat.split('\r\n')[0]).toBe('start_time,record,line,service,destination,destination_name,billed_units,included_units,overage_units,charge,retail_amount,currency');
    expect(flat).toContain(',S0-FLAT-L1,voice,IT_FIXED,Italy fixed,5400,5400,0,bundle,0.0000,EUR');
    expect(flat).toContain(',S0-FLAT-L1,voice,IT_MOBILE,Italy mobile,600,300,300,bundle,0.5000,EUR');
    const partner = await inv.text('/v1/partners/acme/periods/2026-10/traffic.csv');
    expect(partner).toContain('S0-FPU,');
    expect(partner).toContain(',0.2100,0.0000,EUR');
    expect(partner).not.toContain('S1-');
    expect(partner.trim().split('\r\n')).toHaveLength(1 + 11);
  });

  it('restarts the flat’s allowance in the next monthly cycle', async () => {
    await post([call(num(S0_FLAT), TO.IT_FIXED, '2026-11-02T10:00:00+01:00', 5400)], [{ periodKey: NOV, accountId: 'S0-FLAT', count: 1 }]);
    const nov = await inv.text('/v1/accounts/S0-FLAT/periods/2026-11-01/traffic.csv');
    expect(nov).toContain(',S0-FLAT-L1,voice,IT_FIXED,Italy fixed,5400,5400,0,bundle,0.0000,EUR');
  });

  it('publishes one invoice.issued per invoice for finance', async () => {
    const numbers = [...Object.values(closed), partnerInvoice].map((i) => i.invoiceNumber!);
    const events = await financeEvents((e) => numbers.every((n) => e.some((x) => x.subject === n)));
    for (const i of [...Object.values(closed), partnerInvoice]) expectIssued(events, i);
  });
});

describe('seed 001: overage and credits', () => {
  let teams: InvoiceView;
  let noOverage: InvoiceView;
  let prepaid: InvoiceView;
  let partner: InvoiceView;

  beforeAll(async () => {
    await platform.topUp('S1-PREPAID', '1.00', 'story-001-topup');
    await post(
      [
        call(num(S1_TEAMS), TO.IT_FIXED, '2026-10-05T10:00:00+02:00', 6000),
        call(num(S1_TEAMS), TO.IT_MOBILE, '2026-10-06T10:00:00+02:00', 3000),
        call(num(S1_NOOVER), TO.IT_FIXED, '2026-10-05T10:00:00+02:00', 6000),
        call(num(S1_NOOVER), TO.IT_MOBILE, '2026-10-06T10:00:00+02:00', 3000),
        call(num(S1_PREPAID), TO.IT_MOBILE, '2026-10-07T10:00:00+02:00', 900),
      ],
      [
        { periodKey: OCT, accountId: 'S1-TEAMS', count: 2 },
        { periodKey: OCT, accountId: 'S1-NOOVER', count: 2 },
        { periodKey: OCT, accountId: 'S1-PREPAID', count: 1 },
      ],
    );
    const result = await inv.close(OCT, { accountIds: ['S1-TEAMS', 'S1-NOOVER', 'S1-PREPAID'], asOf: NOV });
    const by = Object.fromEntries(await Promise.all(result.invoices.map(async (i) => [i.accountId, await inv.invoice(i.invoiceId)] as const)));
    [teams, noOverage, prepaid] = [by['S1-TEAMS']!, by['S1-NOOVER']!, by['S1-PREPAID']!];
    partner = await inv.invoice(result.partnerInvoices[0]!.invoiceId);
  });

  it('charges usage beyond the plan’s minutes as overage when it is assigned to a billing target', () => {
    expect(linesOf(teams)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['usage', 'voice Italy mobile (included)', '0.00'],
      ['usage', 'voice Italy mobile (overage)', '3.00'], // 150 minutes against 120: 30 at 0.10
      ['fee', 'Monthly fee Calling plan 120, line S1-TEAMS-L1, 2026-10-01 to 2026-11-01', '8.00'],
      ['tax', 'tax 22%', '2.42'],
    ]);
  });

  it('bills only the plan’s minutes when overage is off: the rest was refused', () => {
    expect(linesOf(noOverage)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['usage', 'voice Italy mobile (included)', '0.00'],
      ['fee', 'Monthly fee Calling plan 120, line S1-NOOVER-L1, 2026-10-01 to 2026-11-01', '8.00'],
      ['tax', 'tax 22%', '1.76'],
    ]);
    expect(noOverage.lines[1]!.quantity).toBe('20');
  });

  it('uses prepaid credit first, then postpaid metering; the invoice is a statement of the usage', async () => {
    const balance = (await platform.balance('S1-PREPAID')).body;
    expect(new Decimal(balance.balance).equals('-0.50'), `balance ${balance.balance}`).toBe(true); // 1.00 of credit, 1.50 of calls
    expect(new Decimal(balance.ledgerSum).equals(balance.balance)).toBe(true);
    expect(linesOf(prepaid)).toEqual([
      ['usage', 'voice Italy mobile', '1.50'],
      ['tax', 'tax 22%', '0.33'],
    ]);
  });

  it('gives the partner no discount on overage, in its invoice and its reconciliation export', async () => {
    expect(linesOf(partner)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['usage', 'voice Italy mobile (included)', '0.00'],
      ['usage', 'voice Italy mobile (overage), no partner discount', '3.00'],
      ['usage', 'voice Italy mobile', '0.60'],
      ['discount', 'partner discount 5% (overage excluded)', '-0.03'],
      ['tax', 'tax 22%', '0.79'],
    ]);
    const rec = (await inv.text('/v1/partners/contoso/periods/2026-10/reconciliation.csv')).trim().split('\r\n');
    expect(rec).toContain('S1-TEAMS,voice,IT_MOBILE,Italy mobile,overage,1,1800,3,3,0,0,EUR');
    expect(rec).toContain('S1-PREPAID,voice,IT_MOBILE,Italy mobile,payg,1,900,1.5,0.6,0.9,5,EUR');
    expect(rec.some((r) => r.startsWith('S0-'))).toBe(false);
  });
});

describe('seed 002: profitability control', () => {
  const invoices: Record<string, InvoiceView> = {};
  const tasksOf = async (accountId: string) =>
    (await inv.http<{ tasks: { taskId: string; kind: string; status: string; details: Record<string, unknown> }[] }>('GET', `/v1/tasks?accountId=${accountId}`)).body.tasks;

  beforeAll(async () => {
    await post(
      [
        ...calls(num(S2_FLAT), TO.IT_FIXED, '2026-10', 1, 10, 18780), // 10 x 313 minutes = 3130
        ...calls(num(S2_CAP), TO.IT_MOBILE, '2026-10', 1, 4, 6000), // 400 minutes = 40.00
        call(num(S2_CAPOK), TO.IT_MOBILE, '2026-10-02T09:00:00+02:00', 6300), // 10.50
        ...calls(num(S2_TOP), TO.IT_MOBILE, '2026-10', 1, 8, 6000), // 80.00
        ...calls(num(S2_PERCALL), TO.IT_FIXED, '2026-10', 1, 4, 720), // 4 calls, 48 minutes
      ],
      [
        { periodKey: OCT, accountId: 'S2-FLAT', count: 10 },
        { periodKey: OCT, accountId: 'S2-CAP', count: 4 },
        { periodKey: OCT, accountId: 'S2-CAPOK', count: 1 },
        { periodKey: OCT, accountId: 'S2-TOP', count: 8 },
        { periodKey: OCT, accountId: 'S2-PERCALL', count: 4 },
      ],
    );
    const result = await inv.close(OCT, { accountIds: ['S2-FLAT', 'S2-CAP', 'S2-CAPOK', 'S2-TOP', 'S2-PERCALL'], asOf: NOV });
    for (const i of result.invoices) invoices[i.accountId] = await inv.invoice(i.invoiceId);
  });

  it('flags an unprofitable flat and offers m x r rounded down to ten: P=100, r=0.05, t=10%, m=3130 -> 150', async () => {
    expect(linesOf(invoices['S2-FLAT']!)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['fee', 'Monthly fee Call centre flat, line S2-FLAT-L1, 2026-10-01 to 2026-11-01', '100.00'],
      ['tax', 'tax 22%', '22.00'],
    ]);
    const [task] = await tasksOf('S2-FLAT');
    expect(task).toMatchObject({ kind: 'flat', status: 'open', details: { currentPrice: '100', minutes: '3130', referencePricePerMinute: '0.05', valueAtReference: '156.5', newPrice: '150', month: '2026-10' } });
    const sent = await inv.http<{ offer: { offerId: string; text: string } }>('POST', `/v1/tasks/${task!.taskId}/offers`, { greeting: 'Dear Ms Rossi', sentOn: '2026-11-02' });
    expect(sent.status).toBe(201);
    expect(sent.body.offer.text).toContain('Dear Ms Rossi,');
    expect(sent.body.offer.text).toContain('the current flat price of 100.00 per month');
    expect(sent.body.offer.text).toContain('a total duration of 3130 minutes');
    expect(sent.body.offer.text).toContain('set the flat price at 150.00 per month');

    // No answer: a follow-up task opens 7 days after the offer was sent, once.
    expect((await inv.http<{ tasks: string[] }>('POST', '/v1/follow-ups/run', { asOf: '2026-11-08' })).body.tasks).toEqual([]);
    const [followUp] = (await inv.http<{ tasks: string[] }>('POST', '/v1/follow-ups/run', { asOf: '2026-11-09' })).body.tasks;
    expect(followUp).toBeDefined();
    expect((await inv.http<{ tasks: string[] }>('POST', '/v1/follow-ups/run', { asOf: '2026-11-09' })).body.tasks).toEqual([]);
    const reminder = await inv.http<{ offer: { text: string } }>('POST', `/v1/tasks/${followUp}/offers`, { greeting: 'Dear Ms Rossi', sentOn: '2026-11-09' });
    expect(reminder.body.offer.text).toContain('we have not received an answer to our e-mail of 2026-11-02');
    expect(reminder.body.offer.text).toContain('150.00');
  });

  it('bills flagged items at the cost cap and proposes the next category beyond the tolerance', async () => {
    expect(linesOf(invoices['S2-CAP']!)).toEqual([
      ['usage', 'voice Italy mobile (cost cap)', '0.00'],
      ['cost_cap', 'cost cap category 3 (flagged items 40.00)', '30.00'],
      ['tax', 'tax 22%', '6.60'],
    ]);
    expect(invoices['S2-CAP']!.lines[0]!.listAmount).toBe('40.00');
    expect((await tasksOf('S2-CAP')).map((t) => [t.kind, t.details.proposedCategory])).toEqual([['cost_cap', 4]]);
    // 10.50 against a cap of 10: billed at the cap, but within 10% tolerance: no task.
    expect(invoices['S2-CAPOK']!.total).toBe('12.20');
    expect(await tasksOf('S2-CAPOK')).toEqual([]);
    // Category 7 exceeded: no cap can be offered any more, per-minute billing is proposed.
    expect(invoices['S2-TOP']!.total).toBe('85.40');
    expect((await tasksOf('S2-TOP')).map((t) => t.details.proposedCategory)).toEqual(['per_minute']);
    const offer = await inv.http<{ offer: { text: string } }>('POST', `/v1/tasks/${(await tasksOf('S2-CAP'))[0]!.taskId}/offers`, { greeting: 'Dear customer', sentOn: '2026-11-02' });
    expect(offer.body.offer.text).toContain('exceeded by more than 10%');
    expect(offer.body.offer.text).toContain('from 3 to 4');
  });

  it('flags a fixed price per handled call below m / n x r', async () => {
    const [task] = await tasksOf('S2-PERCALL');
    expect(task).toMatchObject({ kind: 'fixed_price_per_call', details: { calls: 4, minutes: '48', currentPrice: '0.5', newPrice: '0.6' } });
    expect(invoices['S2-PERCALL']!.net).toBe('0.96');
  });
});

describe('seed 003: billing-time discounts', () => {
  const invoices: Record<string, InvoiceView> = {};
  let september: InvoiceView;

  beforeAll(async () => {
    const sms = (n: number) => calls(num(S3_CROSS), TO.IT_MOBILE, '2026-10', 10, n, 1, { service: 'sms' });
    await post(
      [
        ...calls(num(S3_TIER), TO.IT_MOBILE, '2026-10', 1, 5, 30000), // 5 x 50.00 = 250.00
        ...calls(num(S3_VOL), TO.IT_MOBILE, '2026-10', 1, 5, 30000),
        ...calls(num(S3_CROSS), TO.IT_MOBILE, '2026-10', 1, 31, 60), // 31 mobile calls (0.10 each)
        ...sms(12),
        ...calls(num(S3_BONUS), TO.UK, '2026-09', 10, 3, 8000), // September: 3 x 134 min = 402 international minutes
        ...calls(num(S3_BONUS), TO.IT_MOBILE, '2026-10', 5, 3, 6000), // October: 30.00
        ...calls(num(S3_PRE), TO.US, '2026-10', 5, 3, 60), // 3 x 0.03, re-priced 12.5% off each
        call(num(S3_PRE), TO.UK, '2026-10-09T09:00:00+02:00', 60),
        ...calls(num(S3_EXEMPT), TO.IT_MOBILE, '2026-10', 5, 10, 60),
        ...calls(num(S3_WELCOME), TO.UK, '2026-10', 22, 2, 3000), // 2 x 2.50
      ],
      [
        { periodKey: OCT, accountId: 'S3-TIER', count: 5 },
        { periodKey: OCT, accountId: 'S3-VOL', count: 5 },
        { periodKey: OCT, accountId: 'S3-CROSS', count: 43 },
        { periodKey: '2026-09-01', accountId: 'S3-BONUS', count: 3 },
        { periodKey: OCT, accountId: 'S3-BONUS', count: 3 },
        { periodKey: OCT, accountId: 'S3-PRE', count: 4 },
        { periodKey: OCT, accountId: 'S3-EXEMPT', count: 10 },
        { periodKey: OCT, accountId: 'S3-WELCOME', count: 2 },
      ],
    );
    september = await inv.closeOne('2026-09-01', 'S3-BONUS', '2026-10-01');
    const result = await inv.close(OCT, { accountIds: ['S3-TIER', 'S3-VOL', 'S3-CROSS', 'S3-BONUS', 'S3-PRE', 'S3-TAX', 'S3-EXEMPT', 'S3-WELCOME'], asOf: NOV });
    for (const i of result.invoices) invoices[i.accountId] = await inv.invoice(i.invoiceId);
  });

  it('tiered (graduated) steps 0-100: 0%, 100-200: 5%, 200+: 10% on a spend of 250 give 10; volume gives 25', () => {
    expect(linesOf(invoices['S3-TIER']!)).toEqual([
      ['usage', 'voice Italy mobile', '250.00'],
      ['discount', 'tiered spend 0/5/10%', '-10.00'],
      ['tax', 'tax 22%', '52.80'],
    ]);
    expect(linesOf(invoices['S3-VOL']!)).toEqual([
      ['usage', 'voice Italy mobile', '250.00'],
      ['discount', 'volume spend 0/5/10%', '-25.00'],
      ['tax', 'tax 22%', '49.50'],
    ]);
  });

  it('gives 10 free SMS when mobile calls exceed 30 (cross-product)', () => {
    expect(linesOf(invoices['S3-CROSS']!)).toEqual([
      ['usage', 'sms Italy mobile', '0.72'],
      ['usage', 'voice Italy mobile', '3.10'],
      ['discount', '10 free SMS when mobile calls exceed 30', '-0.60'],
      ['tax', 'tax 22%', '0.71'],
    ]);
  });

  it('grants 10.00 of free calls for every 3 hours of international calls in the previous quarter (bonus)', () => {
    expect(september.total).toBe('24.52'); // 402 minutes to the UK: 20.10 + VAT
    expect(linesOf(invoices['S3-BONUS']!)).toEqual([
      ['usage', 'voice Italy mobile', '30.00'],
      ['discount', '10.00 of free calls per 3 hours of international calls last quarter', '-20.00'], // 402 min: 2 blocks of 180
      ['tax', 'tax 22%', '2.20'],
    ]);
  });

  it('re-prices each event in scope before itemisation (pre-itemisation), leaving the others alone', () => {
    const us = invoices['S3-PRE']!.lines.find((l) => l.description === 'voice United States')!;
    // 0.0300 x 87.5% = 0.02625 -> 0.0263 per event (rounded once, like the event), 3 of them.
    expect(us).toMatchObject({ precise: '0.0789', amount: '0.08', listAmount: '0.09' });
    expect(linesOf(invoices['S3-PRE']!)).toEqual([
      ['usage', 'voice United Kingdom', '0.05'],
      ['usage', 'voice United States', '0.08'],
      ['tax', 'tax 22%', '0.03'],
    ]);
  });

  it('discounts tax (half VAT on fees) and leaves an exempt customer untaxed', () => {
    expect(linesOf(invoices['S3-TAX']!)).toEqual([
      ['fee', 'Monthly fee Flat a consumo, line S3-TAX-L1, 2026-10-01 to 2026-11-01', '19.00'],
      ['tax', 'tax 22%', '4.18'],
      ['tax_discount', 'tax discount half VAT on fees', '-2.09'],
    ]);
    expect(invoices['S3-TAX']!.total).toBe('21.09');
    expect(linesOf(invoices['S3-EXEMPT']!)).toEqual([
      ['usage', 'voice Italy mobile', '1.00'],
      ['tax', 'tax exempt: non-EU customer, outside the scope of VAT', '0.00'],
    ]);
  });

  it('prorates a discount period by the days of service: 31.00 a month for a line that started on the 21st gives 11.00', () => {
    expect(linesOf(invoices['S3-WELCOME']!)).toEqual([
      ['usage', 'voice United Kingdom', '5.00'],
      ['fee', 'Monthly fee Flat a consumo, line S3-WELCOME-L1, 2026-10-01 to 2026-11-01 (prorated 11/31 days)', '6.74'],
      ['discount', 'welcome discount 31.00 a month, prorated', '-11.00'],
      ['tax', 'tax 22%', '0.16'],
    ]);
  });
});

describe('seed 004: packages over two months, dunning', () => {
  let october: InvoiceView;
  let november: InvoiceView;

  beforeAll(async () => {
    await post(
      [
        call(num(S4_PKG), TO.IT_FIXED, '2026-10-12T10:00:00+02:00', 900), // 15 of the 21 prorated minutes
        call(num(S4_PKG), TO.UK, '2026-10-13T10:00:00+02:00', 1200), // 1.00, paid by the free credit
        call(num(S4_GONE), TO.IT_FIXED, '2026-10-13T10:00:00+02:00', 60),
        call(num(S4_QTR), TO.UK, '2026-07-10T10:00:00+02:00', 600),
        call(num(S4_QTR), TO.UK, '2026-09-10T10:00:00+02:00', 1200),
      ],
      [
        { periodKey: OCT, accountId: 'S4-PKG', count: 2 },
        { periodKey: OCT, accountId: 'S4-GONE', count: 1 },
        { periodKey: '2026-07-01', accountId: 'S4-QTR', count: 1 },
        { periodKey: '2026-09-01', accountId: 'S4-QTR', count: 1 },
      ],
    );
    october = await inv.closeOne(OCT, 'S4-PKG', NOV);
    await post([call(num(S4_PKG), TO.IT_FIXED, '2026-11-05T10:00:00+01:00', 1980)], [{ periodKey: NOV, accountId: 'S4-PKG', count: 1 }]); // 33 minutes: 30 + 6 rolled over
    await platform.provision([S4_PKG_UPGRADED]);
    await inv.linesKnown('S4-PKG', 2);
    await post([call(num(S4_PKG), TO.IT_FIXED, '2026-11-18T10:00:00+01:00', 6000)], [{ periodKey: NOV, accountId: 'S4-PKG', count: 2 }]); // on Pro since the 16th
    november = await inv.closeOne(NOV, 'S4-PKG', '2026-12-01');
  });

  it('bills the setup fee and the monthly fee prorated from the 10th, the usage paid by the package’s free credit', () => {
    expect(linesOf(october)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['usage', 'voice United Kingdom', '1.00'],
      ['fee', 'Monthly fee Broadcast Basic, line S4-PKG-L1, 2026-10-01 to 2026-11-01 (prorated 22/31 days)', '7.10'],
      ['fee', 'Setup fee Broadcast Basic, line S4-PKG-L1', '5.00'],
      ['credit', 'free credit of the package', '-1.00'], // 2.00 x 22/31 = 1.41 granted, 1.00 used, 0.41 kept
      ['tax', 'tax 22%', '2.66'],
    ]);
    expect(october.total).toBe('14.76');
  });

  it('keeps unused minutes (rollover) and prorates an upgrade: Basic to the 15th, Pro from the 16th', async () => {
    expect(linesOf(november)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['fee', 'Monthly fee Broadcast Basic, line S4-PKG-L1, 2026-11-01 to 2026-12-01 (prorated 15/30 days)', '5.00'],
      ['fee', 'Monthly fee Broadcast Pro, line S4-PKG-L1, 2026-11-01 to 2026-12-01 (prorated 15/30 days)', '15.00'],
      ['tax', 'tax 22%', '4.40'],
    ]);
    expect(november.lines[0]!.quantity).toBe('133');
    const traffic = await inv.text('/v1/accounts/S4-PKG/periods/2026-11-01/traffic.csv');
    expect(traffic).toContain(',S4-PKG-L1,voice,IT_FIXED,Italy fixed,1980,1980,0,bundle,0.0000,EUR'); // no overage: 6 minutes kept from October
  });

  it('closes a quarterly package once a quarter with its usage and the quarter’s fee', async () => {
    const wrong = await inv.close('2026-08-01', { accountIds: ['S4-QTR'], asOf: '2026-10-01', partners: false });
    expect(wrong.skipped).toEqual([expect.objectContaining({ accountId: 'S4-QTR', code: 'not_a_cycle_start' })]);
    const quarter = await inv.closeOne('2026-07-01', 'S4-QTR', '2026-10-01');
    expect(linesOf(quarter)).toEqual([
      ['usage', 'voice United Kingdom', '1.50'],
      ['fee', 'Quarterly fee Broadcast Quarterly, line S4-QTR-L1, 2026-07-01 to 2026-10-01', '27.00'],
      ['tax', 'tax 22%', '6.27'],
    ]);
  });

  it('reminds before the due date, suspends after N unpaid days (credit control refuses calls), unblocks when paid', async () => {
    const run = async (asOf: string, accountIds: string[]) => (await inv.http<{ actions: { action: string }[] }>('POST', '/v1/dunning/run', { asOf, accountIds })).body.actions.map((a) => a.action);
    const authorize = (from: string, sessionId: string) =>
      httpJson<{ result: string; reason?: { code: string } }>('POST', `${platform.url('charging')}/v1/sessions`, { sessionId, callingNumber: `+${from}`, calledNumber: TO.IT_FIXED, requestedUnits: 60 }, { 'x-api-key': E2E_SWITCH.apiKey });

    expect(october.dueDate).toBe('2026-11-15');
    expect(await run('2026-11-12', ['S4-PKG'])).toEqual(['reminder:3']);
    expect(await run('2026-11-16', ['S4-PKG'])).toEqual(['overdue']);
    expect(await run('2026-11-29', ['S4-PKG'])).toEqual(['suspend', 'account.suspended']);
    expect(await run('2026-11-29', ['S4-PKG'])).toEqual([]);
    await eventually('credit control to refuse the suspended account', async () => {
      const r = await authorize(num(S4_PKG), `s4-susp-${Date.now()}`);
      return r.status === 403 && r.body.reason?.code === 'account_suspended' ? true : undefined;
    });

    const paid = await inv.http<{ invoiceStatus: string; actions: { action: string }[] }>('POST', `/v1/invoices/${october.invoiceId}/payments`, { paymentId: 'sepa-s4-1', amount: '14.76', paidAt: '2026-11-30T10:00:00+01:00' });
    expect(paid.body).toMatchObject({ invoiceStatus: 'paid', actions: [{ action: 'paid' }, { action: 'account.unsuspended' }] });
    await eventually('credit control to accept the account again', async () => {
      const r = await authorize(num(S4_PKG), `s4-back-${Date.now()}`);
      return r.status === 201 ? true : undefined;
    });

    const events = await financeEvents((e) => e.some((x) => x.type === 'account.unsuspended' && x.subject === 'S4-PKG'));
    expect(eventsAbout(events, ['S4-PKG']).map((e) => e.type)).toEqual(['invoice.issued', 'invoice.issued', 'invoice.reminder', 'invoice.overdue', 'account.suspended', 'invoice.paid', 'account.unsuspended']);
  });

  it('terminates after M unpaid days', async () => {
    const gone = await inv.closeOne(OCT, 'S4-GONE', NOV);
    const actions = (await inv.http<{ actions: { action: string }[] }>('POST', '/v1/dunning/run', { asOf: '2026-12-05', accountIds: ['S4-GONE'] })).body.actions.map((a) => a.action);
    expect(actions).toEqual(['overdue', 'suspend', 'terminate', 'account.terminated']);
    const events = await financeEvents((e) => e.some((x) => x.type === 'account.terminated' && x.subject === 'S4-GONE'));
    const terminated = events.find((x) => x.type === 'account.terminated' && x.subject === 'S4-GONE')!;
    expect(terminated).toMatchObject({ source: 'rcp/invoicing', idempotencyKey: 'account.terminated:S4-GONE:1', data: { accountId: 'S4-GONE', invoiceIds: [gone.invoiceId], asOf: '2026-12-05' } });
  });
});
