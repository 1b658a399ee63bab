// The invoicing service on real Kafka and PostgreSQL, the other services played by publishing their
// messages: billing cycles and prorated fees from the line-offer history, drafts and issuing, late usage,
// corrections by credit and debit notes, partner invoices and reports, billing-time discounts, cost caps,
// taxes, dunning with payments, and profitability tasks with offers and follow-ups.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvoiceEventV1 } from '@rcp/contracts';
import { account, FEE_CATALOGUE, rated, startHarness, type Harness } from '../test/harness.js';

const TOKEN = 'invoicing-test-token-0123456789';
let h: Harness;

type Closed = { invoices: { accountId: string; invoiceId: string; invoiceNumber: string | null; total: string; status: string; tasks?: string[] }[]; partnerInvoices: { partnerId: string; invoiceId: string; invoiceNumber: string | null; total: string; status: string }[]; skipped: { accountId: string; code: string }[] };
type Line = { kind: string; description: string; quantity: string; amount: string; period?: string; listAmount?: string };
type Invoice = { invoiceId: string; invoiceNumber: string | null; status: string; net: string; tax: string; total: string; lines: Line[]; dueDate: string | null; amountDue: string; notes: { kind: string; total: string }[] };

const BILLING = {
  discounts: [
    { id: 'tiered-spend', name: 'tiered spend discount', kind: 'steps', model: 'tiered', basis: 'spend', steps: [{ threshold: '0', percentage: '0' }, { threshold: '100', percentage: '5' }, { threshold: '200', percentage: '10' }] },
  ],
  costCaps: { tolerancePercent: '10', flagged: { services: ['voice'] }, categories: [{ category: 1, cap: '20.00' }, { category: 2, cap: '40.00' }] },
  profitability: { referencePricePerMinute: '0.05' },
  partners: [{ partnerId: 'acme', taxRate: '0.22', discountPercent: '10', paymentTermDays: 30 }],
  customers: [
    { accountId: 'ACC-DISC', discounts: ['tiered-spend'], tax: { exempt: { reason: 'reverse charge, EU business' } } },
    { accountId: 'ACC-CAP', costCap: { category: 1 } },
    { accountId: 'ACC-CALLS', profitability: { flat: {} } },
    { accountId: 'ACC-PERCALL', profitability: { fixedPricePerCall: { price: '0.50' } } },
    { accountId: 'ACC-TERM', dunning: { suspendAfterDays: 5, terminateAfterDays: 20 } },
  ],
};

const close = (periodKey: string, body: Record<string, unknown>) => h.http<Closed>('POST', `/v1/periods/${periodKey}/close`, body);
const invoice = async (id: string) => (await h.http<Invoice>('GET', `/v1/invoices/${id}`)).body;
const lines = (inv: Invoice) => inv.lines.map((l) => [l.kind, l.description, l.amount]);
const usageCount = async (periodKey: string, accountId: string) =>
  (await h.http<{ accounts: { accountId: string; records: number }[] }>('GET', `/v1/periods/${periodKey}/usage`)).body.accounts.find((a) => a.accountId === accountId)?.records ?? 0;
const waitUsage = (periodKey: string, accountId: string, n: number) => h.eventually(`${n} usage rows of ${accountId}`, async () => ((await usageCount(periodKey, accountId)) >= n ? true : undefined));
const events = (done: (e: InvoiceEventV1[]) => boolean) => h.events(done);

beforeAll(async () => {
  h = await startHarness('inv', { RCP_OPS_TOKEN: TOKEN });
  await h.publishCatalogue(FEE_CATALOGUE);
  await h.publishAccounts([
    account('ACC-FEES', { lines: [{ offerId: 'flat', activeFrom: '2026-10-20' }] }),
    account('ACC-DRAFT'),
    account('ACC-TERM'),
    account('ACC-P1', { partnerId: 'acme' }),
    account('ACC-DISC'),
    account('ACC-CAP'),
    account('ACC-CALLS', { lines: [{ offerId: 'callcenter', activeFrom: '2026-01-01' }] }),
    account('ACC-PERCALL'),
    account('ACC-Q', { cycle: 'quarterly', lines: [{ offerId: 'quarterly', activeFrom: '2026-01-01' }] }),
    account('ACC-Y', { cycle: 'yearly', lines: [{ offerId: 'annual', activeFrom: '2026-07-01' }] }),
  ]);
  const billing = await h.http('PUT', '/v1/billing-config', BILLING);
  expect(billing.status).toBe(201);
  await h.eventually('line history of ACC-Q', async () => ((await h.http<{ segments: unknown[] }>('GET', '/v1/accounts/ACC-Q/lines')).body.segments.length > 0 ? true : undefined));
});

afterAll(async () => {
  await h?.stop();
});

describe('billing document', () => {
  it('needs the ops token, refuses a broken document with exact paths, keeps the one in force', async () => {
    expect((await h.http('PUT', '/v1/billing-config', BILLING, { authorization: '' })).status).toBe(401);
    const broken = await h.http<{ error: string; issues: { path: string }[] }>('PUT', '/v1/billing-config', { ...BILLING, customers: [{ accountId: 'X', discounts: ['nope'] }] });
    expect(broken.status).toBe(422);
    expect(broken.body).toMatchObject({ error: 'invalid_billing_config', issues: [{ path: 'customers[0].discounts[0]' }] });
    const yaml = await h.http('PUT', '/v1/billing-config', 'discounts: [{ id: a, kind: fixed, amount: "x" }]', { 'content-type': 'application/yaml' });
    expect(yaml.status).toBe(422);
    expect((await h.http<{ config: { customers: unknown[] } }>('GET', '/v1/billing-config')).body.config.customers).toHaveLength(5);
  });
});

describe('fees, cycles and proration', () => {
  it('bills setup and the prorated monthly fee of a line that started on the 20th, with its usage split into included and overage', async () => {
    await h.publishRated([
      rated('ACC-FEES', { start: '2026-10-21T10:00:00+02:00', seconds: 600, retail: '0.0000', offer: 'flat', parts: [{ units: 600, source: 'bucket', amount: '0', wholesaleAmount: '0' }] }),
      rated('ACC-FEES', { start: '2026-10-22T10:00:00+02:00', seconds: 126, retail: '0.1360', offer: 'flat', parts: [{ units: 30, source: 'bucket', amount: '0', wholesaleAmount: '0' }, { units: 96, source: 'overage', amount: '0.136', wholesaleAmount: '0.144' }] }),
    ]);
    await waitUsage('2026-10-01', 'ACC-FEES', 2);
    const closed = await close('2026-10-01', { accountIds: ['ACC-FEES'], asOf: '2026-11-01' });
    expect(closed.status).toBe(200);
    const inv = await invoice(closed.body.invoices[0]!.invoiceId);
    expect(lines(inv)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.00'],
      ['usage', 'voice Italy fixed (overage)', '0.14'],
      ['fee', 'Monthly fee FLAT Business, line ACC-FEES-L1, 2026-10-01 to 2026-11-01 (prorated 12/31 days)', '11.23'],
      ['fee', 'Setup fee FLAT Business, line ACC-FEES-L1', '25.00'],
      ['tax', 'tax 22%', '8.00'],
    ]);
    expect([inv.net, inv.tax, inv.total, inv.dueDate]).toEqual(['36.37', '8.00', '44.37', '2026-11-15']);
    expect(inv.invoiceNumber).toMatch(/^operator-2026-\d{6}$/);
  });

  it('prorates an upgrade mid-cycle: the old offer for the days before it, the new one from it', async () => {
    await h.publishAccounts([account('ACC-FEES', { at: '2026-11-10T09:00:00Z', lines: [{ offerId: 'big', activeFrom: '2026-11-11' }] })]);
    await h.eventually('the upgrade in the line history', async () => ((await h.http<{ segments: { offerId: string }[] }>('GET', '/v1/accounts/ACC-FEES/lines')).body.segments.length === 2 ? true : undefined));
    const closed = await close('2026-11-01', { accountIds: ['ACC-FEES'], asOf: '2026-12-01' });
    const inv = await invoice(closed.body.invoices[0]!.invoiceId);
    // 10 of 30 days of FLAT Business (29.00) = 9.67, 20 of 30 days of FLAT Big (62.00) = 41.33
    expect(lines(inv)).toEqual([
      ['fee', 'Monthly fee FLAT Business, line ACC-FEES-L1, 2026-11-01 to 2026-12-01 (prorated 10/30 days)', '9.67'],
      ['fee', 'Monthly fee FLAT Big, line ACC-FEES-L1, 2026-11-01 to 2026-12-01 (prorated 20/30 days)', '41.33'],
      ['tax', 'tax 22%', '11.22'],
    ]);
  });

  it('closes a quarterly account once per quarter with three months of usage and the quarter’s fee', async () => {
    await h.publishRated([rated('ACC-Q', { start: '2026-10-05T10:00:00+02:00', seconds: 60, retail: '0.1000' }), rated('ACC-Q', { start: '2026-12-05T10:00:00+01:00', seconds: 120, retail: '0.2000' })]);
    await waitUsage('2026-12-01', 'ACC-Q', 1);
    await waitUsage('2026-10-01', 'ACC-Q', 1);
    const wrong = await close('2026-11-01', { accountIds: ['ACC-Q'] });
    expect(wrong.body.skipped).toEqual([expect.objectContaining({ accountId: 'ACC-Q', code: 'not_a_cycle_start' })]);
    const closed = await close('2026-10-01', { accountIds: ['ACC-Q'], asOf: '2027-01-01' });
    const inv = await invoice(closed.body.invoices[0]!.invoiceId);
    expect(lines(inv)).toEqual([
      ['usage', 'voice Italy fixed', '0.30'],
      ['fee', 'Quarterly fee Quarterly pack, line ACC-Q-L1, 2026-10-01 to 2027-01-01', '90.00'],
      ['tax', 'tax 22%', '19.87'],
    ]);
  });

  it('closes a yearly account once a year: the yearly fee prorated by days of the year, the setup fee', async () => {
    await h.eventually('line history of ACC-Y', async () => ((await h.http<{ segments: unknown[] }>('GET', '/v1/accounts/ACC-Y/lines')).body.segments.length > 0 ? true : undefined));
    expect((await close('2026-07-01', { accountIds: ['ACC-Y'] })).body.skipped).toEqual([expect.objectContaining({ code: 'not_a_cycle_start' })]);
    const inv = await invoice((await close('2026-01-01', { accountIds: ['ACC-Y'], asOf: '2027-01-02' })).body.invoices[0]!.invoiceId);
    // 2026-07-01 .. 2027-01-01: 184 of 365 days x 365.00
    expect(lines(inv)).toEqual([
      ['fee', 'Yearly fee Annual pack, line ACC-Y-L1, 2026-01-01 to 2027-01-01 (prorated 184/365 days)', '184.00'],
      ['fee', 'Setup fee Annual pack, line ACC-Y-L1', '10.00'],
      ['tax', 'tax 22%', '42.68'],
    ]);
  });

  it('refuses a period key that is not a date', async () => {
    expect((await close('2026-13', {})).status).toBe(400);
  });
});

describe('drafts, late usage and corrections', () => {
  it('builds a draft, rebuilds it on a second close, numbers it only when issued, and publishes invoice.issued once', async () => {
    await h.publishRated([
      rated('ACC-DRAFT', { recordId: 'd-1', start: '2026-10-05T10:00:00+02:00', seconds: 120, retail: '0.2000' }),
      rated('ACC-DRAFT', { recordId: 'd-2', start: '2026-10-06T10:00:00+02:00', seconds: 60, retail: '0.1000' }),
      rated('ACC-DRAFT', { recordId: 'd-3', start: '2026-10-07T10:00:00+02:00', seconds: 30, retail: '0.0500' }),
    ]);
    await waitUsage('2026-10-01', 'ACC-DRAFT', 3);
    const draft = await close('2026-10-01', { accountIds: ['ACC-DRAFT'], issue: false });
    expect(draft.body.invoices[0]).toMatchObject({ status: 'draft', invoiceNumber: null, total: '0.43' });
    await h.publishRated([rated('ACC-DRAFT', { recordId: 'd-4', start: '2026-10-08T10:00:00+02:00', seconds: 60, retail: '0.1000' })]);
    await waitUsage('2026-10-01', 'ACC-DRAFT', 4);
    const rebuilt = await close('2026-10-01', { accountIds: ['ACC-DRAFT'], issue: false });
    expect(rebuilt.body.invoices[0]).toMatchObject({ status: 'draft', total: '0.55' }); // 0.45 + 0.10 tax (0.099)
    const id = rebuilt.body.invoices[0]!.invoiceId;
    expect((await h.http<{ invoices: { invoiceId: string }[] }>('GET', '/v1/invoices?accountId=ACC-DRAFT&status=draft')).body.invoices.map((i) => i.invoiceId)).toEqual([id]);
    const issued = await h.http<{ invoiceNumber: string; dueDate: string }>('POST', `/v1/invoices/${id}/issue`, { asOf: '2026-11-01' });
    expect(issued.body).toMatchObject({ invoiceNumber: expect.stringMatching(/^operator-2026-/), dueDate: '2026-11-15' });
    const again = await close('2026-10-01', { accountIds: ['ACC-DRAFT'] });
    expect(again.body.invoices[0]).toMatchObject({ invoiceId: id, status: 'already_issued' });
    const seen = await events((e) => e.some((x) => x.subject === issued.body.invoiceNumber));
    const mine = seen.filter((x) => x.subject === issued.body.invoiceNumber);
    expect(mine).toHaveLength(1);
    expect(InvoiceEventV1.parse(mine[0])).toMatchObject({ type: 'invoice.issued', source: 'rcp/invoicing', idempotencyKey: 'invoice.issued:ACC-DRAFT:2026-10-01', data: { total: '0.55', issueDate: '2026-11-01' } });
  });

  it('bills a late CDR of an invoiced period as an adjustment on the next invoice, naming its period', async () => {
    await h.publishRated([rated('ACC-DRAFT', { recordId: 'd-late', start: '2026-10-30T10:00:00+01:00', seconds: 60, retail: '0.1000' }), rated('ACC-DRAFT', { recordId: 'd-nov', start: '2026-11-03T10:00:00+01:00', seconds: 60, retail: '0.1000' })]);
    await waitUsage('2026-10-01', 'ACC-DRAFT', 5);
    await waitUsage('2026-11-01', 'ACC-DRAFT', 1);
    const closed = await close('2026-11-01', { accountIds: ['ACC-DRAFT'], asOf: '2026-12-01' });
    const inv = await invoice(closed.body.invoices[0]!.invoiceId);
    expect(lines(inv)).toEqual([
      ['usage', 'voice Italy fixed', '0.10'],
      ['adjustment', 'late usage of period 2026-10-01: voice Italy fixed', '0.10'],
      ['tax', 'tax 22%', '0.04'],
    ]);
    expect(inv.lines[1]!.period).toBe('2026-10-01');
  });

  it('corrects an issued invoice after a re-rating with a credit note, once; a hand-written debit note once per key', async () => {
    await h.publishRated([rated('ACC-DRAFT', { recordId: 'd-1', revision: 1, start: '2026-10-05T10:00:00+02:00', seconds: 120, retail: '0.0500' })]);
    await h.eventually('the re-rated revision', async () => {
      const r = await h.http<string>('GET', '/v1/accounts/ACC-DRAFT/periods/2026-10-01/traffic.csv');
      return r.text.includes('pbx/d-1,ACC-DRAFT-L1,voice,IT,Italy fixed,120,0,0,payg,0.0500') ? true : undefined;
    });
    const first = await h.http<{ notes: { invoiceId: string; noteNumber: string; kind: string; total: string }[] }>('POST', '/v1/periods/2026-10-01/corrections', { accountIds: ['ACC-DRAFT'], asOf: '2026-11-05' });
    // 0.45 -> 0.30 net; tax 0.10 -> 0.07
    expect(first.body.notes).toEqual([expect.objectContaining({ kind: 'credit', total: '-0.18', noteNumber: expect.stringMatching(/^operator-CN-2026-000001$/) })]);
    expect((await h.http<{ notes: unknown[] }>('POST', '/v1/periods/2026-10-01/corrections', { accountIds: ['ACC-DRAFT'], asOf: '2026-11-05' })).body.notes).toEqual([]);
    const invoiceId = first.body.notes[0]!.invoiceId;
    const debit = await h.http<{ kind: string; total: string; status: string; noteNumber: string }>('POST', `/v1/invoices/${invoiceId}/notes`, { idempotencyKey: 'missed-fee', reason: 'porting fee not billed', lines: [{ description: 'number porting', amount: '1.00' }], asOf: '2026-11-06' });
    expect(debit.status).toBe(201);
    expect(debit.body).toMatchObject({ kind: 'debit', total: '1.22', noteNumber: 'operator-DN-2026-000001' });
    const repeat = await h.http<{ status: string; noteNumber: string }>('POST', `/v1/invoices/${invoiceId}/notes`, { idempotencyKey: 'missed-fee', reason: 'porting fee not billed', lines: [{ description: 'number porting', amount: '1.00' }] });
    expect(repeat).toMatchObject({ status: 200, body: { status: 'already_issued', noteNumber: 'operator-DN-2026-000001' } });
    const inv = await invoice(invoiceId);
    expect(inv.amountDue).toBe('1.59'); // 0.55 - 0.18 + 1.22
    const seen = await events((e) => e.filter((x) => x.type === 'invoice.corrected').length >= 2);
    const corrected = seen.filter((x) => x.type === 'invoice.corrected').map((x) => InvoiceEventV1.parse(x));
    expect(corrected.map((x) => x.type === 'invoice.corrected' && [x.data.kind, x.data.amount, x.data.invoiceId])).toEqual([
      ['credit', '-0.18', invoiceId],
      ['debit', '1.22', invoiceId],
    ]);
    expect((await h.http<string>('GET', `/v1/invoices/${invoiceId}/html`)).text).toContain('Credit note operator-CN-2026-000001');
  });
});

describe('dunning', () => {
  it('reminds, marks overdue, suspends after N days, and unblocks when paid in full; every step once', async () => {
    const run = (asOf: string) => h.http<{ actions: { action: string; invoiceNumber?: string }[] }>('POST', '/v1/dunning/run', { asOf, accountIds: ['ACC-DRAFT'] });
    // The October invoice is due 2026-11-15 (issued 2026-11-01, 14 days); the November one 2026-12-15.
    expect((await run('2026-11-12')).body.actions.map((a) => a.action)).toEqual(['reminder:3']);
    expect((await run('2026-11-12')).body.actions).toEqual([]);
    expect((await run('2026-11-16')).body.actions.map((a) => a.action)).toEqual(['overdue']);
    expect((await run('2026-11-29')).body.actions.map((a) => a.action)).toEqual(['suspend', 'account.suspended']);
    expect((await h.http<{ standing: string }>('GET', '/v1/accounts/ACC-DRAFT/standing')).body.standing).toBe('suspended');
    const oct = (await h.http<{ invoices: { invoiceId: string; periodKey: string; kind: string }[] }>('GET', '/v1/invoices?accountId=ACC-DRAFT&kind=invoice')).body.invoices.find((i) => i.periodKey === '2026-10-01')!;
    const part = await h.http<{ amountDue: string; actions: unknown[] }>('POST', `/v1/invoices/${oct.invoiceId}/payments`, { paymentId: 'bank-1', amount: '1.00', paidAt: '2026-11-30T09:00:00+01:00' });
    expect(part.body).toMatchObject({ status: 'recorded', amountDue: '0.59', actions: [] });
    const rest = await h.http<{ amountDue: string; invoiceStatus: string; actions: { action: string }[] }>('POST', `/v1/invoices/${oct.invoiceId}/payments`, { paymentId: 'bank-2', amount: '0.59', paidAt: '2026-11-30T10:00:00+01:00' });
    expect(rest.body).toMatchObject({ amountDue: '0.00', invoiceStatus: 'paid', actions: [{ action: 'paid' }, { action: 'account.unsuspended' }] });
    expect((await h.http('POST', `/v1/invoices/${oct.invoiceId}/payments`, { paymentId: 'bank-2', amount: '0.59' })).body).toMatchObject({ status: 'already_recorded' });
    expect((await h.http('POST', `/v1/invoices/${oct.invoiceId}/payments`, { paymentId: 'bank-2', amount: '5.00' })).status).toBe(409);
    const seen = await events((e) => e.some((x) => x.type === 'account.unsuspended' && x.subject === 'ACC-DRAFT'));
    const mine = seen.filter((x) => x.subject === 'ACC-DRAFT' || (x.data as { accountId?: string }).accountId === 'ACC-DRAFT').map((x) => x.type);
    expect(mine.filter((t) => t !== 'invoice.issued' && t !== 'invoice.corrected')).toEqual(['invoice.reminder', 'invoice.overdue', 'account.suspended', 'invoice.paid', 'account.unsuspended']);
  });

  it('terminates after M days; a payment then settles the debt but does not reinstate the account', async () => {
    await h.publishRated([rated('ACC-TERM', { start: '2026-10-05T10:00:00+02:00', seconds: 60, retail: '0.1000' })]);
    await waitUsage('2026-10-01', 'ACC-TERM', 1);
    const closed = await close('2026-10-01', { accountIds: ['ACC-TERM'], asOf: '2026-11-01' });
    const run = await h.http<{ actions: { action: string }[] }>('POST', '/v1/dunning/run', { asOf: '2026-12-05', accountIds: ['ACC-TERM'] });
    expect(run.body.actions.map((a) => a.action)).toEqual(['overdue', 'suspend', 'terminate', 'account.terminated']);
    const paid = await h.http<{ actions: { action: string }[] }>('POST', `/v1/invoices/${closed.body.invoices[0]!.invoiceId}/payments`, { paymentId: 'late-1', amount: '0.12', paidAt: '2026-12-06T10:00:00Z' });
    expect(paid.body.actions.map((a) => a.action)).toEqual(['paid']);
    expect((await h.http<{ standing: string }>('GET', '/v1/accounts/ACC-TERM/standing')).body.standing).toBe('terminated');
  });
});

describe('partners, discounts, taxes, cost caps', () => {
  it('bills the partner wholesale with overage outside its discount, and exports traffic and reconciliation', async () => {
    await h.publishRated([
      rated('ACC-P1', { start: '2026-10-05T10:00:00+02:00', seconds: 600, retail: '1.0000', wholesale: '0.4000' }),
      rated('ACC-P1', { start: '2026-10-06T10:00:00+02:00', seconds: 126, retail: '0.1360', wholesale: '0.1440', offer: 'flat', parts: [{ units: 30, source: 'bucket', amount: '0', wholesaleAmount: '0' }, { units: 96, source: 'overage', amount: '0.136', wholesaleAmount: '0.144' }] }),
      rated('ACC-P1', { start: '2026-10-07T10:00:00+02:00', seconds: 600, retail: '0.0000', wholesale: '0.0700', offer: 'flat', parts: [{ units: 600, source: 'bucket', amount: '0', wholesaleAmount: '0.07' }] }),
    ]);
    await waitUsage('2026-10-01', 'ACC-P1', 3);
    const closed = await close('2026-10-01', { accountIds: ['ACC-P1'], asOf: '2026-11-01' });
    expect(closed.body.invoices[0]!.invoiceNumber).toMatch(/^acme-2026-/);
    const p = closed.body.partnerInvoices[0]!;
    expect(p).toMatchObject({ partnerId: 'acme', status: 'issued', total: '0.68' });
    const partner = await invoice(p.invoiceId);
    expect(lines(partner)).toEqual([
      ['usage', 'voice Italy fixed (included)', '0.07'],
      ['usage', 'voice Italy fixed (overage), no partner discount', '0.14'],
      ['usage', 'voice Italy fixed', '0.40'],
      ['discount', 'partner discount 10% (overage excluded)', '-0.05'],
      ['tax', 'tax 22%', '0.12'],
    ]);
    expect(partner.dueDate).toBe('2026-12-01');
    const again = await close('2026-10-01', { accountIds: ['ACC-P1'] });
    expect(again.body.partnerInvoices[0]).toMatchObject({ invoiceId: p.invoiceId, status: 'already_issued' });

    const rec = await h.http<string>('GET', '/v1/partners/acme/periods/2026-10/reconciliation.csv');
    expect(rec.status).toBe(200);
    expect(rec.text.split('\r\n')).toEqual([
      'account,service,destination,destination_name,charge,events,units,retail_amount,wholesale_amount,margin,partner_discount_percent,currency',
      'ACC-P1,voice,IT,Italy fixed,payg,1,600,1,0.4,0.6,10,EUR',
      'ACC-P1,voice,IT,Italy fixed,included,2,630,0,0.07,-0.07,10,EUR',
      'ACC-P1,voice,IT,Italy fixed,overage,1,96,0.136,0.144,-0.008,0,EUR',
      '',
    ]);
    const traffic = await h.http<string>('GET', '/v1/partners/acme/periods/2026-10-01/traffic.csv');
    expect(traffic.text.split('\r\n')).toHaveLength(5);
    expect(traffic.text).not.toContain('ACC-DRAFT');
    const customer = await h.http<string>('GET', '/v1/accounts/ACC-P1/periods/2026-10-01/traffic.csv');
    expect(customer.text).toContain('1.0000');
    expect(customer.text).not.toContain('0.4000');
  });

  it('applies a billing-time tiered discount as its own line and leaves an exempt customer untaxed', async () => {
    await h.publishRated([rated('ACC-DISC', { start: '2026-10-05T10:00:00+02:00', seconds: 60000, retail: '100.0000' }), rated('ACC-DISC', { start: '2026-10-06T10:00:00+02:00', seconds: 90000, retail: '150.0000' })]);
    await waitUsage('2026-10-01', 'ACC-DISC', 2);
    const inv = await invoice((await close('2026-10-01', { accountIds: ['ACC-DISC'], asOf: '2026-11-01' })).body.invoices[0]!.invoiceId);
    expect(lines(inv)).toEqual([
      ['usage', 'voice Italy fixed', '250.00'],
      ['discount', 'tiered spend discount', '-10.00'],
      ['tax', 'tax exempt: reverse charge, EU business', '0.00'],
    ]);
    expect(inv.total).toBe('240.00');
  });

  it('bills flagged items at the cap and opens a cost-cap task proposing the next category', async () => {
    await h.publishRated([rated('ACC-CAP', { start: '2026-10-05T10:00:00+02:00', seconds: 15000, retail: '25.0000' }), rated('ACC-CAP', { start: '2026-10-05T11:00:00+02:00', seconds: 1, retail: '0.0600', service: 'sms' })]);
    await waitUsage('2026-10-01', 'ACC-CAP', 2);
    const closed = await close('2026-10-01', { accountIds: ['ACC-CAP'], asOf: '2026-11-01' });
    const inv = await invoice(closed.body.invoices[0]!.invoiceId);
    expect(lines(inv)).toEqual([
      ['usage', 'sms Italy fixed', '0.06'],
      ['usage', 'voice Italy fixed (cost cap)', '0.00'],
      ['cost_cap', 'cost cap category 1 (flagged items 25.00)', '20.00'],
      ['tax', 'tax 22%', '4.41'],
    ]);
    const tasks = (await h.http<{ tasks: { kind: string; details: { proposedCategory: number; flaggedTotal: string } }[] }>('GET', '/v1/tasks?accountId=ACC-CAP')).body.tasks;
    expect(tasks).toEqual([expect.objectContaining({ kind: 'cost_cap', details: expect.objectContaining({ proposedCategory: 2, flaggedTotal: '25', cap: '20', category: 1 }) })]);
  });
});

describe('profitability control', () => {
  it('flags an unprofitable flat, offers m x r rounded down to ten, and follows up 7 days after an unanswered offer', async () => {
    // 10 calls of 313 minutes: 3130 minutes; P = 100.00 (the offer's monthly fee), r = 0.05, t = 10%: 156.5 > 110 -> 150.
    await h.publishRated(Array.from({ length: 10 }, (_, i) => rated('ACC-CALLS', { start: `2026-10-${String(i + 1).padStart(2, '0')}T09:00:00+02:00`, seconds: 18780, retail: '0.0000', offer: 'callcenter', parts: [{ units: 18780, source: 'bucket', amount: '0', wholesaleAmount: '0' }] })));
    await waitUsage('2026-10-01', 'ACC-CALLS', 10);
    const closed = await close('2026-10-01', { accountIds: ['ACC-CALLS'], asOf: '2026-11-01' });
    expect(closed.body.invoices[0]!.tasks).toHaveLength(1);
    const task = (await h.http<{ tasks: { taskId: string; kind: string; details: Record<string, unknown> }[] }>('GET', '/v1/tasks?accountId=ACC-CALLS')).body.tasks[0]!;
    expect(task).toMatchObject({ kind: 'flat', details: { currentPrice: '100', newPrice: '150', minutes: '3130', valueAtReference: '156.5', month: '2026-10' } });
    const sent = await h.http<{ offer: { offerId: string; text: string }; status: string }>('POST', `/v1/tasks/${task.taskId}/offers`, { greeting: 'Dear Mr Bianchi', sentOn: '2026-11-02' });
    expect(sent.status).toBe(201);
    expect(sent.body.offer.text).toMatch(/^Dear Mr Bianchi,/);
    expect(sent.body.offer.text).toContain('flat price of 100.00 per month');
    expect(sent.body.offer.text).toContain('In 2026-10 you had calls with a total duration of 3130 minutes');
    expect(sent.body.offer.text).toContain('set the flat price at 150.00 per month');
    expect((await h.http<{ status: string }>('POST', `/v1/tasks/${task.taskId}/offers`, { greeting: 'again' })).body.status).toBe('already_sent');

    expect((await h.http<{ tasks: string[] }>('POST', '/v1/follow-ups/run', { asOf: '2026-11-08' })).body.tasks).toEqual([]);
    const followUps = (await h.http<{ tasks: string[] }>('POST', '/v1/follow-ups/run', { asOf: '2026-11-09' })).body.tasks;
    expect(followUps).toHaveLength(1);
    expect((await h.http<{ tasks: string[] }>('POST', '/v1/follow-ups/run', { asOf: '2026-11-10' })).body.tasks).toEqual([]);
    const followUp = await h.http<{ offer: { text: string } }>('POST', `/v1/tasks/${followUps[0]}/offers`, { greeting: 'Dear Mr Bianchi', sentOn: '2026-11-09' });
    expect(followUp.body.offer.text).toContain('we have not received an answer to our e-mail of 2026-11-02');
    expect(followUp.body.offer.text).toContain('150.00');

    const answered = await h.http<{ status: string }>('POST', `/v1/offers/${sent.body.offer.offerId}/answer`, { accepted: true, answeredOn: '2026-11-12' });
    expect(answered.body.status).toBe('accepted');
    const after = (await h.http<{ tasks: { status: string; resolution: string }[] }>('GET', '/v1/tasks?accountId=ACC-CALLS')).body.tasks;
    expect(after.map((t) => [t.status, t.resolution])).toEqual([
      ['closed', 'offer accepted'],
      ['closed', 'offer accepted'],
    ]);
  });

  it('flags a fixed price per handled call below m / n x r', async () => {
    // 4 calls, 48 minutes: 12 minutes per call x 0.05 = 0.60 > 0.50 x 1.1
    await h.publishRated(Array.from({ length: 4 }, (_, i) => rated('ACC-PERCALL', { start: `2026-10-0${i + 1}T09:00:00+02:00`, seconds: 720, retail: '0.5000' })));
    await waitUsage('2026-10-01', 'ACC-PERCALL', 4);
    await close('2026-10-01', { accountIds: ['ACC-PERCALL'], asOf: '2026-11-01' });
    const task = (await h.http<{ tasks: { taskId: string; kind: string; details: Record<string, unknown> }[] }>('GET', '/v1/tasks?accountId=ACC-PERCALL')).body.tasks[0]!;
    expect(task).toMatchObject({ kind: 'fixed_price_per_call', details: { calls: 4, minutes: '48', currentPrice: '0.5', newPrice: '0.6' } });
    const sent = await h.http<{ offer: { text: string } }>('POST', `/v1/tasks/${task.taskId}/offers`, { greeting: 'Hello', sentOn: '2026-11-02' });
    expect(sent.body.offer.text).toContain('In 2026-10 we handled 4 calls with a total duration of 48 minutes');
    expect(sent.body.offer.text).toContain('fixed price at 0.60 per handled call');
  });
});
