// One CDR's road from switch to invoice event, on real Kafka and PostgreSQL with the four services running
// as their own processes: rated by a per-minute tariff, the prepaid balance debited once with a ledger
// entry, the period closed, invoice.issued on invoice.events with the right total. Then the ways it can
// go wrong: a duplicate, a malformed record among good ones, and rating killed mid-stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '@rcp/domain';
import { readTopic } from './client.js';
import { E2E_SWITCH, prepaidAccount, SIMPLE_CATALOGUE, startE2ePlatform, voiceCdr, type E2ePlatform } from './testing/e2e-platform.js';

let platform: E2ePlatform;

const ALICE = prepaidAccount('ACC-ALICE', '390611110001');
const DUPE = prepaidAccount('ACC-DUPE', '390611110002');
const MIXED = prepaidAccount('ACC-MIXED', '390611110003');
const CRASH = prepaidAccount('ACC-CRASH', '390611110004');
const GRACE = prepaidAccount('ACC-GRACE', '390611110005');

beforeAll(async () => {
  platform = await startE2ePlatform('road');
  await platform.applyCatalogue(SIMPLE_CATALOGUE);
  await platform.provision([ALICE, DUPE, MIXED, CRASH, GRACE]);
  for (const a of [ALICE, DUPE, MIXED]) await platform.topUp(a.accountId, '10.00', `initial-${a.accountId}`);
  await platform.topUp(CRASH.accountId, '100.00', 'initial-crash');
  await platform.topUp(GRACE.accountId, '10.00', 'initial-grace');
});

afterAll(async () => {
  await platform?.stop();
});

/** Amounts compared as decimals: PostgreSQL keeps a numeric's scale ("9.7000"), the value is what counts. */
function expectAmount(actual: string, expected: string): void {
  expect(new Decimal(actual).equals(expected), `${actual} should equal ${expected}`).toBe(true);
}

function sum(amounts: string[]): string {
  return amounts.reduce((s, a) => s.plus(a), new Decimal(0)).toFixed();
}

describe('the road from switch to invoice', () => {
  it('rates, debits the prepaid balance once with a ledger entry, and issues the invoice with the right total', async () => {
    const posted = await platform.postCdrs([
      voiceCdr('alice-1', '390611110001', 61), // 60/60 -> 120 s at 0.10/min = 0.2000
      voiceCdr('alice-2', '390611110001', 30, { minute: 10 }), // -> 60 s = 0.1000
      voiceCdr('alice-3', '390611110001', 0, { minute: 20, disposition: 'no_answer' }), // unanswered: free
    ]);
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ accepted: 3, duplicates: 0, rejected: 0 });

    const charges = await platform.ratedEntries(ALICE.accountId, 3);
    expect(charges.map((e) => e.amount).sort()).toEqual(['-0.1000', '-0.2000', '0.0000']);
    const balance = (await platform.balance(ALICE.accountId)).body;
    expectAmount(balance.balance, '9.70');
    expectAmount(balance.ledgerSum, balance.balance);

    const closed = await platform.closePeriod('2026-10-01', [ALICE.accountId]);
    expect(closed.status).toBe(200);
    const invoice = closed.body.invoices[0]!;
    // net 0.30, VAT 22% = 0.066 -> 0.07, total 0.37
    expect(invoice).toMatchObject({ accountId: ALICE.accountId, total: '0.37', status: 'issued' });

    const events = await readTopic(platform.kafka, platform.prefix, 'invoice.events', (m) => m.some((e) => e.subject === invoice.invoiceNumber));
    const issued = events.find((e) => e.subject === invoice.invoiceNumber);
    expect(issued?.type).toBe('invoice.issued');
    if (issued?.type !== 'invoice.issued') throw new Error('no invoice.issued event');
    expect(issued.data).toMatchObject({ accountId: ALICE.accountId, net: '0.30', tax: '0.07', total: '0.37', currency: 'EUR' });
    expect(issued.idempotencyKey).toBe(`invoice.issued:${ALICE.accountId}:2026-10-01`);

    // Closing the same period again issues nothing new.
    const again = await platform.closePeriod('2026-10-01', [ALICE.accountId]);
    expect(again.body.invoices[0]).toMatchObject({ invoiceNumber: invoice.invoiceNumber, status: 'already_issued' });
  });

  it('charges a CDR sent twice only once and reports the repeat as a duplicate', async () => {
    const cdr = voiceCdr('dupe-1', '390611110002', 125); // 180 s = 0.3000
    expect((await platform.postCdrs([cdr])).body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await platform.postCdrs([cdr])).body).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await platform.postCdrs([cdr, cdr])).body).toMatchObject({ accepted: 0, duplicates: 2 });
    // A second, different CDR proves the pipeline moved past the duplicates before we count.
    expect((await platform.postCdrs([voiceCdr('dupe-2', '390611110002', 60, { minute: 5 })])).body).toMatchObject({ accepted: 1 });

    const charges = await platform.ratedEntries(DUPE.accountId, 2);
    expect(charges.map((c) => c.causeRef).sort()).toEqual([`${E2E_SWITCH.id}/dupe-1#0`, `${E2E_SWITCH.id}/dupe-2#0`]);
    const balance = (await platform.balance(DUPE.accountId)).body;
    expectAmount(balance.balance, '9.60');
    expectAmount(balance.ledgerSum, balance.balance);
  });

  it('rejects a malformed CDR with its reason and still charges the good ones around it', async () => {
    const { startTime: _missing, ...noStart } = voiceCdr('mixed-2', '390611110003', 60);
    const posted = await platform.postCdrs([
      voiceCdr('mixed-1', '390611110003', 60),
      noStart,
      voiceCdr('mixed-3', '390611110003', 60, { minute: 30, to: 'not-a-number' }),
      voiceCdr('mixed-4', '390611110003', 60, { minute: 40 }),
      voiceCdr('mixed-5', '390699999999', 60, { minute: 50 }), // a number no line has
    ]);
    expect(posted.status).toBe(422);
    expect(posted.body).toMatchObject({ accepted: 2, rejected: 3 });
    const byIndex = new Map(posted.body.results.map((r) => [r.index, r]));
    expect(byIndex.get(0)?.status).toBe('accepted');
    expect(byIndex.get(1)?.reasons?.[0]).toMatchObject({ code: 'missing_field', path: '[1].startTime' });
    expect(byIndex.get(2)?.reasons?.[0]).toMatchObject({ code: 'invalid_number', path: '[2].calledNumber' });
    expect(byIndex.get(3)?.status).toBe('accepted');
    expect(byIndex.get(4)?.reasons?.[0]).toMatchObject({ code: 'unknown_account' });

    const charges = await platform.ratedEntries(MIXED.accountId, 2);
    expectAmount(sum(charges.map((c) => c.amount)), '-0.20');

    const rejected = await readTopic(platform.kafka, platform.prefix, 'cdr.rejected', (m) => m.filter((r) => r.recordId?.startsWith('mixed-') || r.recordId === null).length >= 3);
    const mine = rejected.filter((r) => r.stage === 'ingestion' && (r.recordId?.startsWith('mixed-') || (r.original as { recordId?: string })?.recordId === 'mixed-2'));
    expect(mine.map((r) => r.reasons[0]!.code).sort()).toEqual(['invalid_number', 'missing_field', 'unknown_account']);
  });

  it('loses nothing and charges nothing twice when rating is killed mid-stream and restarted', async () => {
    const total = 240;
    const cdrs = Array.from({ length: total }, (_, i) => voiceCdr(`crash-${i}`, '390611110004', 61, { day: 1 + (i % 28), minute: Math.floor(i / 28) }));
    for (let i = 0; i < total; i += 20) {
      if (i === 80) await platform.launcher.stop('rating', 'SIGKILL'); // dies with whatever it had in flight
      if (i === 160) await platform.launcher.start('rating');
      const r = await platform.postCdrs(cdrs.slice(i, i + 20));
      expect(r.body.accepted).toBe(20);
    }
    const charges = await platform.ratedEntries(CRASH.accountId, total, 120_000);
    expect(new Set(charges.map((c) => c.causeRef)).size).toBe(total);
    expectAmount(sum(charges.map((c) => c.amount)), '-48.00'); // 240 x 0.20
    const balance = (await platform.balance(CRASH.accountId)).body;
    expectAmount(balance.balance, '52.00');
    expectAmount(balance.ledgerSum, '52.00');
  });

  it('stops a service gracefully on SIGTERM (exit 0) and it resumes where it left off', async () => {
    const first = Array.from({ length: 30 }, (_, i) => voiceCdr(`grace-${i}`, '390611110005', 30, { day: 2, minute: i }));
    expect((await platform.postCdrs(first)).body.accepted).toBe(30);
    const charging = platform.launcher.get('charging').process;
    await platform.launcher.stop('charging', 'SIGTERM');
    expect(charging.exitCode).toBe(0);
    const second = Array.from({ length: 30 }, (_, i) => voiceCdr(`grace-${30 + i}`, '390611110005', 30, { day: 3, minute: i }));
    expect((await platform.postCdrs(second)).body.accepted).toBe(30);
    await platform.launcher.start('charging');
    const charges = await platform.ratedEntries(GRACE.accountId, 60);
    expectAmount(sum(charges.map((c) => c.amount)), '-6.00'); // 60 x 0.10
  });
});
