// Provisioning with the whole platform on real Kafka and PostgreSQL, each service its own process (the
// launcher starts provisioning too): lines made through the API are rated and charged, a package change
// shows in the next CDR's price, overage set through the API decides what rating does beyond the
// allowance, a partner's retail price reaches rating, and invoices (with the upgraded line's fee prorated by
// invoicing from the published package history) and reports come back scoped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdrRatedV1 } from '@rcp/contracts';
import { Decimal } from '@rcp/domain';
import { readTopic } from '../../../platform/src/client.js';
import { E2E_SWITCH, startE2ePlatform, type E2ePlatform } from '../../../platform/src/testing/e2e-platform.js';
import { newCredential } from './auth/credentials.js';
import { TEST_CATALOGUE } from './testing/catalogue.js';
import { apiAs, eventually, type Api } from './testing/harness.js';

let platform: E2ePlatform;
let backoffice: Api;
let acmeAdmin: Api;
let betaAdmin: Api;
let provisioning: string;
/** The day (customer's zone) L-E1 went onto the FLAT Business. */
let flatDay: string;

const amount = (a: string) => new Decimal(a);

/** A voice CDR from one of our numbers, starting now (or at `start`). */
function cdr(recordId: string, from: string, seconds: number, start = new Date()) {
  return { recordId, callingNumber: `+${from}`, calledNumber: '+39 06 5551234', startTime: start.toISOString(), billableUnits: seconds, disposition: 'answered' };
}

async function postCdr(record: ReturnType<typeof cdr>): Promise<void> {
  const r = await platform.postCdrs([record]);
  expect(r.body, JSON.stringify(r.body)).toMatchObject({ accepted: 1 });
}

async function ingestionKnows(accountId: string): Promise<void> {
  await eventually(`ingestion to know ${accountId}`, async () => {
    const r = await fetch(`${platform.url('ingestion')}/v1/accounts/${accountId}`, { headers: { 'x-api-key': E2E_SWITCH.apiKey } });
    return r.status === 200 ? true : undefined;
  });
}

async function rated(accountId: string, recordId: string): Promise<CdrRatedV1> {
  const all = await readTopic(platform.kafka, platform.prefix, 'cdr.rated', (m) => m.some((r) => r.accountId === accountId && r.recordId === recordId), 60_000);
  const found = all.find((r) => r.accountId === accountId && r.recordId === recordId);
  if (!found) throw new Error(`${recordId} was not rated`);
  return found;
}

/** Waits until the account's state at this revision is on account.events and a moment has passed for every reader. */
async function published(accountId: string): Promise<void> {
  const state = (await acmeOrBackoffice(accountId)).body;
  await readTopic(platform.kafka, platform.prefix, 'account.events', (m) => m.some((e) => e.accountId === accountId && 'eventId' in e && e.eventId === `${accountId}:${state.revision}`), 30_000);
  await new Promise((r) => setTimeout(r, 1000));
}
const acmeOrBackoffice = (accountId: string) => backoffice('GET', `/v1/customers/${accountId}`);

async function newCustomer(as: Api, accountId: string): Promise<void> {
  const r = await as('POST', '/v1/customers', { accountId, name: accountId, country: '39', timezone: 'Europe/Rome', currency: 'EUR', billing: { taxRate: '0.22' } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

async function newLine(as: Api, accountId: string, lineId: string, number: string, offerId?: string): Promise<void> {
  const r = await as('POST', `/v1/customers/${accountId}/lines`, { lineId, numbers: [number], ...(offerId ? { offerId } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

beforeAll(async () => {
  const boot = await newCredential();
  // The launcher's processes inherit the environment: provisioning reads its first back-office key here.
  process.env.RCP_BOOTSTRAP_BACKOFFICE = `${boot.keyId}:${boot.secretHash}`;
  platform = await startE2ePlatform('prov_e2e');
  delete process.env.RCP_BOOTSTRAP_BACKOFFICE;
  await platform.applyCatalogue(TEST_CATALOGUE);
  provisioning = platform.launcher.url('provisioning');
  backoffice = apiAs(provisioning, boot.token);
  // Provisioning learns the catalogue from catalogue.events, which rating publishes after applying it.
  await eventually('provisioning to see the catalogue', async () => {
    const r = await backoffice('POST', '/v1/partners', { partnerId: 'acme', name: 'Acme Tel', timezone: 'Europe/Rome' });
    return r.status === 201 ? true : undefined;
  });
  expect((await backoffice('POST', '/v1/partners', { partnerId: 'beta', name: 'Beta Voice' })).status).toBe(201);
  const issue = async (partnerId: string) => {
    const r = await backoffice('POST', '/v1/credentials', { role: 'partner_admin', partnerId, label: `${partnerId} admin` });
    return apiAs(provisioning, r.body.token);
  };
  acmeAdmin = await issue('acme');
  betaAdmin = await issue('beta');
});

afterAll(async () => {
  await platform?.stop();
});

describe('provisioning with the platform', () => {
  it('a line created through the API is rated and charged by the next CDR; the top-up goes to charging once', async () => {
    await newCustomer(acmeAdmin, 'ACC-E1');
    await newLine(acmeAdmin, 'ACC-E1', 'L-E1', '390611112001');
    const top = await acmeAdmin('POST', '/v1/customers/ACC-E1/top-ups', { amount: '10.00', idempotencyKey: 'initial' });
    expect(top.status, JSON.stringify(top.body)).toBe(201);
    expect(amount(top.body.balance).eq('10')).toBe(true);
    const again = await acmeAdmin('POST', '/v1/customers/ACC-E1/top-ups', { amount: '10.00', idempotencyKey: 'initial' });
    expect(again.status).toBe(200);
    expect(amount(again.body.balance).eq('10')).toBe(true);
    expect(await acmeAdmin('POST', '/v1/customers/ACC-E1/top-ups', { amount: '10.001', idempotencyKey: 'x' })).toMatchObject({ status: 422, body: { error: 'amount_precision' } });
    expect(await acmeAdmin('POST', '/v1/customers/ACC-E1/top-ups', { amount: '5.00', idempotencyKey: 'initial' })).toMatchObject({ status: 409, body: { error: 'idempotency_key_reused' } });

    await ingestionKnows('ACC-E1');
    await postCdr(cdr('e1-1', '390611112001', 61)); // 60/60: 120 s at 0.10/min
    const [entry] = await platform.ratedEntries('ACC-E1', 1);
    expect(amount(entry!.amount).eq('-0.2')).toBe(true);
    const balance = (await platform.balance('ACC-E1')).body;
    expect(amount(balance.balance).eq('9.8')).toBe(true);
    expect(amount(balance.ledgerSum).eq(balance.balance)).toBe(true);
    // The top-up and the call are the ledger's only entries: the repeated top-up posted nothing.
    expect((await platform.ledger('ACC-E1')).map((e) => e.cause).sort()).toEqual(['rated_cdr', 'top_up']);
  });

  it('a package change mid-cycle shows in the next CDR’s price; a refused downgrade changes nothing', async () => {
    // From a few seconds ahead: the state naming the flat from then on is on the topic well before.
    const from = new Date(Date.now() + 3000);
    const change = await acmeAdmin('POST', '/v1/lines/L-E1/offer-change', { offerId: 'flat-business', effectiveFrom: from.toISOString() });
    expect(change.body).toMatchObject({ change: 'upgrade' });
    await new Promise((r) => setTimeout(r, Math.max(0, from.getTime() - Date.now()) + 500));
    await postCdr(cdr('e1-2', '390611112001', 61));
    const charged = await platform.ratedEntries('ACC-E1', 2);
    expect(charged.map((e) => amount(e.amount).abs().toFixed(4)).sort()).toEqual(['0.0000', '0.2000']);
    const second = await rated('ACC-E1', 'e1-2');
    expect(second.retail.amount).toBe('0.0000');
    expect(second.explanation).toMatchObject({ offer: 'flat-business' });
    expect((second.explanation as { parts?: { source: string }[] }).parts?.map((p) => p.source)).toEqual(['bucket']);

    // The partner may not downgrade the FLAT Business; the line and what rating sees stay as they are.
    const revision = (await acmeOrBackoffice('ACC-E1')).body.revision;
    expect(await acmeAdmin('POST', '/v1/lines/L-E1/modify', { flat: null })).toMatchObject({ status: 403, body: { error: 'flat_downgrade_backoffice_only' } });
    expect((await acmeOrBackoffice('ACC-E1')).body.revision).toBe(revision);
    await postCdr(cdr('e1-3', '390611112001', 30));
    expect((await rated('ACC-E1', 'e1-3')).explanation).toMatchObject({ offer: 'flat-business' });

    // What invoicing prorates fees from: the line's offers by day in the customer's zone, read from the
    // published periods. Activated and upgraded the same day, the line counts as on the flat from that day.
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' }).format(from);
    flatDay = day;
    const segments = await eventually('invoicing to hold the line history', async () => {
      const r = await fetch(`${platform.url('invoicing')}/v1/accounts/ACC-E1/lines`);
      const body = (await r.json()) as { segments: { offerId: string; from: string; to: string | null }[] };
      return body.segments?.some((s) => s.offerId === 'flat-business') ? body.segments : undefined;
    });
    expect(segments.at(-1)).toMatchObject({ offerId: 'flat-business', from: day, to: null });
  });

  it('overage set through the API decides what rating does beyond the allowance', async () => {
    await newCustomer(acmeAdmin, 'ACC-E3');
    await newLine(acmeAdmin, 'ACC-E3', 'L-E3', '390611112003', 'flat-business');
    expect((await acmeAdmin('PUT', '/v1/customers/ACC-E3/overage/voice', { target: null })).status).toBe(200);
    await published('ACC-E3');
    await ingestionKnows('ACC-E3');
    // 200 minutes: more than any (prorated) 100-minute allowance. Overage none: the rest is refused.
    await postCdr(cdr('e3-1', '390611112003', 12_000));
    const denied = await rated('ACC-E3', 'e3-1');
    expect(denied.deniedUnits).toBeGreaterThan(0);
    expect(denied.retail.amount).toBe('0.0000');

    expect((await acmeAdmin('PUT', '/v1/customers/ACC-E3/overage/voice', { target: 'acme-sub-1' })).body).toMatchObject({ target: 'acme-sub-1', heldBy: 'acme' });
    await published('ACC-E3');
    await postCdr(cdr('e3-2', '390611112003', 600));
    const charged = await rated('ACC-E3', 'e3-2');
    expect(charged.deniedUnits).toBe(0);
    // 10 minutes of overage at the operator's list price, 0.10/min.
    expect(charged.retail.amount).toBe('1.0000');
    expect((charged.explanation as { parts?: { source: string }[] }).parts?.map((p) => p.source)).toEqual(['overage']);
  });

  it("a partner's retail price edit reaches rating: the next CDR of its customer is priced with it, others keep theirs", async () => {
    await newCustomer(acmeAdmin, 'ACC-E2');
    await newLine(acmeAdmin, 'ACC-E2', 'L-E2', '390611112002');
    await newCustomer(betaAdmin, 'ACC-B2');
    await newLine(betaAdmin, 'ACC-B2', 'L-B2', '390611112102');
    expect((await betaAdmin('PATCH', '/v1/partners/acme/retail-prices', { rates: [{ destination: 'IT', price: '0.0100' }] })).status).toBe(404);
    const edit = await acmeAdmin('PATCH', '/v1/partners/acme/retail-prices', { rates: [{ destination: 'IT', price: '0.0500' }] });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    expect(edit.body).toMatchObject({ status: 'published', catalogueRevision: expect.any(Number) });
    const own = await eventually('provisioning to see its own rates', async () => {
      const r = await acmeAdmin('GET', '/v1/partners/acme/retail-prices');
      return r.body.rates?.length ? r.body : undefined;
    });
    expect(own).toMatchObject({ priceList: 'acme-retail', extends: 'retail', rates: [{ destination: 'IT', pricePerMinute: '0.0500' }] });

    await ingestionKnows('ACC-E2');
    await ingestionKnows('ACC-B2');
    await postCdr(cdr('e2-1', '390611112002', 61));
    await postCdr(cdr('b2-1', '390611112102', 61));
    expect((await rated('ACC-E2', 'e2-1')).retail.amount).toBe('0.1000'); // 120 s at 0.05
    expect((await rated('ACC-B2', 'b2-1')).retail.amount).toBe('0.2000'); // 120 s at the operator's 0.10
  });

  it('invoices and reports come back through provisioning, scoped: the customer sees retail only', async () => {
    const period = (await rated('ACC-E1', 'e1-1')).periodKey;
    const closed = await platform.closePeriod(period, ['ACC-E1']);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const customer = apiAs(provisioning, (await acmeAdmin('POST', '/v1/credentials', { role: 'customer', accountId: 'ACC-E1', label: 'portal' })).body.token);
    const invoices = await customer('GET', '/v1/customers/ACC-E1/invoices');
    expect(invoices.status).toBe(200);
    expect(invoices.body.invoices.length).toBeGreaterThanOrEqual(1);
    expect(invoices.body.invoices.every((i: { accountId: string }) => i.accountId === 'ACC-E1')).toBe(true);

    // Invoicing prorates the FLAT Business fee from the line's published periods: days on the flat / days in
    // the cycle x 29.00, rounded on the line (DOMAIN.md "Proration").
    const first = await rated('ACC-E1', 'e1-1');
    const dayMs = 86_400_000;
    const cycleDays = Math.round((Date.parse(first.periodEnd) - Date.parse(first.periodKey)) / dayMs);
    const flatDays = Math.round((Date.parse(first.periodEnd) - Date.parse(flatDay)) / dayMs);
    const fee = invoices.body.invoices[0].lines.find((l: { kind: string; description: string }) => l.kind === 'fee' && l.description.includes('FLAT Business'));
    expect(fee, JSON.stringify(invoices.body.invoices[0].lines)).toBeDefined();
    expect(amount(fee.amount).eq(new Decimal('29.00').mul(flatDays).div(cycleDays).toDecimalPlaces(2, Decimal.ROUND_HALF_UP))).toBe(true);

    const report = await customer('GET', `/v1/customers/ACC-E1/reports/usage?period=${period}`);
    expect(report.body).toMatchObject({ accountId: 'ACC-E1', records: 3 });
    expect(amount(report.body.retail).eq('0.2')).toBe(true);
    expect(report.body).not.toHaveProperty('wholesale');
    const partner = await acmeAdmin('GET', `/v1/partners/acme/reports/usage?period=${period}`);
    expect(partner.body.customers.map((c: { accountId: string }) => c.accountId).sort()).toEqual(['ACC-E1', 'ACC-E2', 'ACC-E3']);
    expect(partner.body.customers.find((c: { accountId: string }) => c.accountId === 'ACC-E1')).toHaveProperty('wholesale');
    expect((await betaAdmin('GET', `/v1/customers/ACC-E1/invoices`)).status).toBe(404);
    expect((await betaAdmin('GET', `/v1/partners/beta/reports/usage?period=${period}`)).body.customers.map((c: { accountId: string }) => c.accountId)).toEqual(['ACC-B2']);
  });
});
