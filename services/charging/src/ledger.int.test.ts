// The ledger and the credit state on real Kafka and PostgreSQL: top-ups and adjustments (idempotent by key),
// rated CDRs charged once (redelivery, replayed revisions), auto-recharge after a charge with its limit per
// period, the move to postpaid and back, blocking, and every balance event on balance.events. After each
// scenario the balances equal their ledger sums.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BalanceEventV1 } from '@rcp/contracts';
import { account, amountOf, eventually, rated, startHarness, type Harness } from '../test/harness.js';

const TOPUP = account('LG-TOP', '390611130001');
const CDRS = account('LG-CDR', '390611130002', { credit: { lowBalanceThreshold: '1.00' } });
const AUTO = account('LG-AUTO', '390611130003', { credit: { autoRecharge: { threshold: '2.00', fillTo: '10.00', maxPerPeriod: 2 } } });
const PAYG = account('LG-PAYG', '390611130004', { credit: { postpaidFallback: { creditLimit: '5.00' }, lowBalanceThreshold: '0.50' } });

let h: Harness;

beforeAll(async () => {
  h = await startHarness('ledger', [TOPUP, CDRS, AUTO, PAYG]);
});

afterAll(async () => {
  await h?.stop();
});

afterEach(async () => {
  await h.expectLedgerInvariants();
});

const post = (accountId: string, what: 'top-ups' | 'adjustments', body: Record<string, unknown>) => h.http<{ status: string; balance: string | null }>('POST', `/v1/accounts/${accountId}/${what}`, body, null);
const balance = async (accountId: string) => (await h.http<{ balance: string; mode: string; blocked: boolean; ledgerSum: string }>('GET', `/v1/accounts/${accountId}/balance`, undefined, null)).body;
const ledger = async (accountId: string) =>
  (await h.http<{ entries: { cause: string; causeRef: string; amount: string; balanceAfter: string; note: string | null }[] }>('GET', `/v1/accounts/${accountId}/ledger`, undefined, null)).body.entries;
const same = (a: string, b: string) => expect(amountOf(a).equals(b), `${a} should equal ${b}`).toBe(true);
const shape = (events: BalanceEventV1[]) => events.map((e) => ('reason' in e ? `${e.type}:${e.reason}` : 'cause' in e ? `${e.type}:${e.cause}` : e.type));

async function deliver(...messages: ReturnType<typeof rated>[]) {
  await h.publish('cdr.rated', messages.map((m) => ({ key: m.accountId, value: m })));
}

async function entriesOf(accountId: string, count: number) {
  return eventually(`${count} ledger entries on ${accountId}`, async () => {
    const e = await ledger(accountId);
    if (e.length > count) throw new Error(`more entries than expected: ${e.length}`);
    return e.length === count ? e : undefined;
  });
}

describe('top-ups and adjustments', () => {
  it('tops up once per key, adjusts with a reason, and publishes topped_up', async () => {
    expect((await post(TOPUP.accountId, 'top-ups', { amount: '10.00', idempotencyKey: 'pay-1' })).status).toBe(201);
    const again = await post(TOPUP.accountId, 'top-ups', { amount: '10.00', idempotencyKey: 'pay-1' });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('already_posted');
    expect((await post(TOPUP.accountId, 'adjustments', { amount: '-2.50', reason: 'duplicate bundle fee refunded twice', idempotencyKey: 'adj-1' })).status).toBe(201);
    expect((await post(TOPUP.accountId, 'adjustments', { amount: '-2.50', reason: 'retry', idempotencyKey: 'adj-1' })).body.status).toBe('already_posted');
    const entries = await ledger(TOPUP.accountId);
    expect(entries.map((e) => [e.cause, e.causeRef, e.amount, e.note])).toEqual([
      ['top_up', 'pay-1', '10.00', null],
      ['adjustment', 'adj-1', '-2.50', 'duplicate bundle fee refunded twice'],
    ]);
    same((await balance(TOPUP.accountId)).balance, '7.50');
    const events = await h.balanceEvents(TOPUP.accountId, (e) => e.length >= 2);
    expect(shape(events)).toEqual(['topped_up', 'charged:adjustment']);
    expect(events[0]).toMatchObject({ amount: '10.00', ledgerEntryId: 'top_up:pay-1', currency: 'EUR' });
  });

  it('refuses a key used before for another amount or another account (409), posting nothing, even when two arrive at once', async () => {
    expect((await post(TOPUP.accountId, 'top-ups', { amount: '5.00', idempotencyKey: 'reuse-1' })).status).toBe(201);
    const before = { top: (await ledger(TOPUP.accountId)).length, cdrs: (await ledger(CDRS.accountId)).length };
    const otherAmount = await post(TOPUP.accountId, 'top-ups', { amount: '50.00', idempotencyKey: 'reuse-1' });
    expect(otherAmount.status).toBe(409);
    expect(otherAmount.body).toMatchObject({ error: 'idempotency_key_reused', message: expect.stringContaining('a top-up of 5.00 on this account; this request is for 50.00') });
    const otherAccount = await post(CDRS.accountId, 'top-ups', { amount: '5.00', idempotencyKey: 'reuse-1' });
    expect(otherAccount.status).toBe(409);
    expect(otherAccount.body).toMatchObject({ message: expect.stringContaining('on another account') });
    // The same request again is still a repeat (5 and 5.00 are the same amount).
    expect((await post(TOPUP.accountId, 'top-ups', { amount: '5', idempotencyKey: 'reuse-1' })).body).toMatchObject({ status: 'already_posted' });
    expect((await ledger(TOPUP.accountId)).length).toBe(before.top);
    expect((await ledger(CDRS.accountId)).length).toBe(before.cdrs);
    // Two accounts, one new key, at the same moment: one is posted, the other told.
    const raced = await Promise.all([
      post(TOPUP.accountId, 'top-ups', { amount: '1.00', idempotencyKey: 'race-1' }),
      post(CDRS.accountId, 'top-ups', { amount: '1.00', idempotencyKey: 'race-1' }),
    ]);
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409]);
    const posted = [...(await ledger(TOPUP.accountId)), ...(await ledger(CDRS.accountId))].filter((e) => e.causeRef === 'race-1');
    expect(posted).toHaveLength(1);
  });

  it('moves money by hand only with the ops bearer token: a switch key or a wrong token gets 401 and posts nothing', async () => {
    const before = (await ledger(TOPUP.accountId)).length;
    const withSwitchKey = await h.http('POST', `/v1/accounts/${TOPUP.accountId}/top-ups`, { amount: '50.00', idempotencyKey: 'no-ops-1' });
    expect(withSwitchKey).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    const wrong = await fetch(`${h.url}/v1/accounts/${TOPUP.accountId}/adjustments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-ops-token-at-all' },
      body: JSON.stringify({ amount: '50.00', reason: 'gift', idempotencyKey: 'no-ops-2' }),
    });
    expect(wrong.status).toBe(401);
    expect((await ledger(TOPUP.accountId)).length).toBe(before);
  });

  it('refuses bad amounts and unknown accounts with clear codes', async () => {
    const bad = await post(TOPUP.accountId, 'top-ups', { amount: '-1', idempotencyKey: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_top_up' });
    expect((await post(TOPUP.accountId, 'adjustments', { amount: '0', reason: 'r', idempotencyKey: 'x' })).body).toMatchObject({ error: 'invalid_adjustment' });
    expect((await post('NOBODY', 'top-ups', { amount: '1', idempotencyKey: 'x' })).status).toBe(404);
    // More digits than a balance can add exactly (decimal.js works to 60 significant digits: an amount of 61
    // would be rounded in the balance while the ledger kept it whole) are refused, and so is a 7th decimal.
    for (const amount of [`0.${'0'.repeat(60)}1`, '1.0000001', '1234567890123456']) {
      const refused = await post(TOPUP.accountId, 'top-ups', { amount, idempotencyKey: `digits-${amount.length}` });
      expect(refused.status, amount).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('at most 15 digits before the decimal point and 6 after');
    }
    expect((await post(TOPUP.accountId, 'adjustments', { amount: '-0.0000001', reason: 'r', idempotencyKey: 'digits-adj' })).status).toBe(400);
    expect((await post(TOPUP.accountId, 'top-ups', { amount: '999999999999999.999999', idempotencyKey: 'digits-max' })).status).toBe(201);
  });
});

describe('rated CDRs', () => {
  it('charges each CDR once, posts only the difference of a replayed revision, and warns at the low-balance threshold', async () => {
    await post(CDRS.accountId, 'top-ups', { amount: '2.00', idempotencyKey: 'cdr-init' });
    await deliver(rated(CDRS, 'c-1', '0.2000'), rated(CDRS, 'c-2', '0.5000'));
    // Redelivered (a consumer restart replays its batch) and a re-rating after a tariff fix.
    await deliver(rated(CDRS, 'c-1', '0.2000'), rated(CDRS, 'c-2', '0.5000'), rated(CDRS, 'c-2', '0.3000', { revision: 1 }));
    await deliver(rated(CDRS, 'c-3', '0.6000'));
    const entries = await entriesOf(CDRS.accountId, 5);
    expect(entries.map((e) => [e.cause, e.causeRef, e.amount])).toEqual([
      ['top_up', 'cdr-init', '2.00'],
      ['rated_cdr', 'pbx-rome/c-1#0', '-0.2000'],
      ['rated_cdr', 'pbx-rome/c-2#0', '-0.5000'],
      ['rated_cdr', 'pbx-rome/c-2#1', '0.2000'],
      ['rated_cdr', 'pbx-rome/c-3#0', '-0.6000'],
    ]);
    same((await balance(CDRS.accountId)).balance, '0.90');
    const events = await h.balanceEvents(CDRS.accountId, (e) => e.some((x) => x.type === 'low_balance'));
    expect(shape(events)).toEqual(['topped_up', 'charged:rated_cdr', 'charged:rated_cdr', 'charged:rated_cdr', 'charged:rated_cdr', 'low_balance']);
  });
});

describe('auto-recharge', () => {
  it('fills up to the target when a charge leaves credit below the threshold, at most twice a period', async () => {
    await post(AUTO.accountId, 'top-ups', { amount: '3.00', idempotencyKey: 'auto-init' });
    await deliver(rated(AUTO, 'a-1', '1.5000')); // 1.50 < 2.00: recharge 8.50 to reach 10.00
    await entriesOf(AUTO.accountId, 3);
    await deliver(rated(AUTO, 'a-2', '8.5000')); // 1.50: recharge 8.50 again
    await entriesOf(AUTO.accountId, 5);
    await deliver(rated(AUTO, 'a-3', '9.0000')); // 1.00: the period's two recharges are used up
    const entries = await entriesOf(AUTO.accountId, 6);
    expect(entries.map((e) => [e.cause, e.causeRef, e.amount, amountOf(e.balanceAfter).toFixed(2)])).toEqual([
      ['top_up', 'auto-init', '3.00', '3.00'],
      ['rated_cdr', 'pbx-rome/a-1#0', '-1.5000', '1.50'],
      ['auto_recharge', 'after:rated_cdr:pbx-rome/a-1#0', '8.50', '10.00'],
      ['rated_cdr', 'pbx-rome/a-2#0', '-8.5000', '1.50'],
      ['auto_recharge', 'after:rated_cdr:pbx-rome/a-2#0', '8.50', '10.00'],
      ['rated_cdr', 'pbx-rome/a-3#0', '-9.0000', '1.00'],
    ]);
    const b = await balance(AUTO.accountId);
    expect(b.mode).toBe('prepaid');
    const events = await h.balanceEvents(AUTO.accountId, (e) => e.length >= 6);
    expect(shape(events)).toEqual(['topped_up', 'charged:rated_cdr', 'recharged', 'charged:rated_cdr', 'recharged', 'charged:rated_cdr']);
  });
});

describe('postpaid fallback (seed 001)', () => {
  it('moves to postpaid at zero, blocks at the credit limit, and returns to prepaid when topped up', async () => {
    await post(PAYG.accountId, 'top-ups', { amount: '1.00', idempotencyKey: 'payg-init' });
    await deliver(rated(PAYG, 'p-1', '0.6000'), rated(PAYG, 'p-2', '0.6000'));
    await entriesOf(PAYG.accountId, 3);
    expect(await balance(PAYG.accountId)).toMatchObject({ mode: 'postpaid', blocked: false });
    await deliver(rated(PAYG, 'p-3', '4.8000'));
    await entriesOf(PAYG.accountId, 4);
    const blocked = await balance(PAYG.accountId);
    same(blocked.balance, '-5.00');
    expect(blocked).toMatchObject({ mode: 'postpaid', blocked: true });
    await post(PAYG.accountId, 'top-ups', { amount: '20.00', idempotencyKey: 'payg-2' });
    const back = await balance(PAYG.accountId);
    same(back.balance, '15.00');
    expect(back).toMatchObject({ mode: 'prepaid', blocked: false });
    const events = await h.balanceEvents(PAYG.accountId, (e) => e.some((x) => x.type === 'unblocked'));
    expect(shape(events)).toEqual([
      'topped_up',
      'charged:rated_cdr',
      'low_balance',
      'charged:rated_cdr',
      'exhausted',
      'switched_to_postpaid',
      'charged:rated_cdr',
      'blocked:credit_limit_reached',
      'topped_up',
      'switched_to_prepaid',
      'unblocked:credit_available',
    ]);
    expect(events.find((e) => e.type === 'switched_to_postpaid')).toMatchObject({ creditLimit: '5.00' });
  });
});
