// The real-time credit-control API on real Kafka and PostgreSQL, as a switch uses it: authorize, update,
// terminate and one-shot events; refusals with reason codes; channel limits; reservations that lapse; dunning's
// suspension; many simultaneous authorizations on one account; and the rated CDR reconciled with the call's
// commit whichever comes first. The ledger's invariants are checked after every scenario.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { account, amountOf, eventually, rated, startHarness, suspended, SWITCH, type Harness } from '../test/harness.js';

const PREPAID = account('CC-PRE', '390611120001');
const CDR_FIRST = account('CC-CDR', '390611120002');
const UPDATER = account('CC-UPD', '390611120003', { accountCodes: ['7001'] });
const CHANNELS = account('CC-CHN', '390611120004', { channels: 2 });
const LAPSE = account('CC-EXP', '390611120005', { channels: 1 });
const FLAT = account('CC-FLT', '390611120006', { offerId: 'flat-mobile' });
const SMS = account('CC-SMS', '390611120007');
const DUNNED = account('CC-DUN', '390611120008');
const CROWD = account('CC-CRW', '390611120009', { channels: 100 });
const POSTPAID = account('CC-PST', '390611120010', { channels: 100, credit: { mode: 'postpaid', creditLimit: '2.00' } });
const RECHARGE = account('CC-RCH', '390611120011', { credit: { autoRecharge: { threshold: '1.00', amount: '5.00', maxPerPeriod: 3 } } });
const FALLBACK = account('CC-FBK', '390611120012', { credit: { postpaidFallback: { creditLimit: '0.50' } } });
const ALL = [PREPAID, CDR_FIRST, UPDATER, CHANNELS, LAPSE, FLAT, SMS, DUNNED, CROWD, POSTPAID, RECHARGE, FALLBACK];

let h: Harness;

beforeAll(async () => {
  h = await startHarness('cc', ALL, { RCP_GRANT_GRACE_SECONDS: '2', RCP_MAX_GRANT_SECONDS: '1200' });
  for (const a of [PREPAID, CDR_FIRST, UPDATER, CHANNELS, LAPSE, SMS, DUNNED]) await topUp(a.accountId, '1.00');
  await topUp(CROWD.accountId, '1.00');
});

afterAll(async () => {
  await h?.stop();
});

afterEach(async () => {
  await h.expectLedgerInvariants();
});

async function topUp(accountId: string, amount: string) {
  const r = await h.http('POST', `/v1/accounts/${accountId}/top-ups`, { amount, idempotencyKey: `init-${accountId}-${amount}` }, null);
  expect([200, 201]).toContain(r.status);
}

type Answer = { result: string; reason?: { code: string }; grantedUnits?: number; totalGrantedUnits?: number; reservation?: { amount: string }; [k: string]: unknown };
const from = (a: typeof PREPAID) => `+${a.lines[0]!.numbers[0]!}`;
const authorize = (a: typeof PREPAID, sessionId: string, extra: Record<string, unknown> = {}) =>
  h.http<Answer>('POST', '/v1/sessions', { sessionId, callingNumber: from(a), calledNumber: '06 5551234', ...extra });
const update = (sessionId: string, usedUnits: number, requestedUnits?: number) => h.http<Answer>('POST', `/v1/sessions/${sessionId}/update`, { usedUnits, requestedUnits });
const terminate = (sessionId: string, usedUnits: number) => h.http<Answer & { committed: { amount: string }; chargedBy: string; charged: string }>('POST', `/v1/sessions/${sessionId}/terminate`, { usedUnits });
const balance = async (accountId: string) => (await h.http<{ balance: string; reserved: string; available: string; mode: string; blocked: boolean }>('GET', `/v1/accounts/${accountId}/balance`, undefined, null)).body;
const ledger = async (accountId: string) =>
  (await h.http<{ entries: { cause: string; causeRef: string; amount: string }[] }>('GET', `/v1/accounts/${accountId}/ledger`, undefined, null)).body.entries;
const same = (a: string, b: string) => expect(amountOf(a).equals(b), `${a} should equal ${b}`).toBe(true);

describe('authorize, update, terminate', () => {
  it('grants what the prepaid credit buys, refuses the call it cannot, and commits the used units at terminate', async () => {
    // 1.00 at 0.10/min (60/60) buys 600 s; the second call finds the credit reserved.
    const first = await authorize(PREPAID, 'pre-1', { requestedUnits: 600 });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ result: 'granted', accountId: PREPAID.accountId, grantedUnits: 600, unit: 'second', limitedBy: 'requested', reservation: { amount: '1.0000', currency: 'EUR' } });
    expect(first.body).toMatchObject({ rate: { destination: 'IT', price: '0.1000', per: 'minute', increments: { initial: 60, subsequent: 60 } }, overage: { enabled: true } });
    expect(first.body.validitySeconds).toBe(602);
    same((await balance(PREPAID.accountId)).reserved, '1.0000');

    const second = await authorize(PREPAID, 'pre-2');
    expect(second.status).toBe(403);
    expect(second.body).toMatchObject({ result: 'refused', reason: { code: 'no_credit' } });

    // 61 s billed as 120 s = 0.20 committed; 0.80 left and free again.
    const done = await terminate('pre-1', 61);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ result: 'terminated', committed: { amount: '0.2000' }, chargedBy: 'commit' });
    const b = await balance(PREPAID.accountId);
    same(b.balance, '0.80');
    same(b.reserved, '0');
    expect((await ledger(PREPAID.accountId)).filter((e) => e.cause === 'reservation_commit')).toEqual([expect.objectContaining({ causeRef: `${SWITCH.id}/pre-1`, amount: '-0.2000' })]);

    const third = await authorize(PREPAID, 'pre-3');
    expect(third.body).toMatchObject({ result: 'granted', grantedUnits: 480, limitedBy: 'credit', finalGrant: true, reservation: { amount: '0.8000' } });
    // A retried authorize reserves nothing more; a repeated terminate commits nothing more.
    const retried = await authorize(PREPAID, 'pre-3');
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ result: 'granted', repeated: true, totalGrantedUnits: 480 });
    same((await balance(PREPAID.accountId)).reserved, '0.8000');
    expect((await terminate('pre-3', 0)).body).toMatchObject({ committed: { amount: '0' } });
    expect((await terminate('pre-3', 0)).body).toMatchObject({ result: 'terminated', repeated: true });
    // A used session id is not a new call.
    expect((await authorize(PREPAID, 'pre-1')).body).toMatchObject({ result: 'refused', reason: { code: 'session_closed' } });
  });

  it('answers a retried authorize with the same grant, and refuses the same session id for another call', async () => {
    const first = await authorize(CHANNELS, 'reuse-s1');
    expect(first.status).toBe(201);
    const retry = await authorize(CHANNELS, 'reuse-s1');
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ result: 'granted', grantedUnits: first.body.grantedUnits });
    const other = await authorize(CHANNELS, 'reuse-s1', { calledNumber: '+44 20 7946 0000' });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ result: 'refused', reason: { code: 'session_conflict', message: expect.stringContaining('a new call needs a new session id') } });
    const sms = await authorize(CHANNELS, 'reuse-s1', { service: 'sms' });
    expect(sms.body).toMatchObject({ reason: { code: 'session_conflict' } });
    expect((await terminate('reuse-s1', 0)).status).toBe(200);
  });

  it('grants more on update, re-pricing the whole call so far, and finds the line by account code', async () => {
    const start = await authorize(UPDATER, 'upd-1', { accountCode: '7001', callingNumber: '0699999999', requestedUnits: 60 });
    expect(start.body).toMatchObject({ result: 'granted', grantedUnits: 60, reservation: { amount: '0.1000' } });
    const more = await update('upd-1', 55, 120);
    expect(more.body).toMatchObject({ result: 'granted', usedUnits: 55, grantedUnits: 120, totalGrantedUnits: 175, reservation: { amount: '0.3000' } });
    same((await balance(UPDATER.accountId)).reserved, '0.3000');
    // Asking for more than the credit: what is left (1.00 buys 600 s in all), marked final.
    const last = await update('upd-1', 170, 3600);
    expect(last.body).toMatchObject({ result: 'granted', totalGrantedUnits: 600, limitedBy: 'credit', finalGrant: true });
    const none = await update('upd-1', 600, 60);
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ result: 'refused', reason: { code: 'no_credit' }, finalGrant: true, usedUnits: 600 });
    expect((await terminate('upd-1', 601)).body).toMatchObject({ committed: { amount: '1.1000' } });
    const b = await balance(UPDATER.accountId);
    same(b.balance, '-0.1000'); // the call ran one second past its grant: a fact, charged
    expect(b.blocked).toBe(true);
    expect((await authorize(UPDATER, 'upd-2', { accountCode: '7001' })).body).toMatchObject({ result: 'refused', reason: { code: 'no_credit' } });
  });

  it('refuses a call above the line’s channel limit; a terminated session frees its channel', async () => {
    expect((await authorize(CHANNELS, 'chn-1', { requestedUnits: 60 })).body.result).toBe('granted');
    expect((await authorize(CHANNELS, 'chn-2', { requestedUnits: 60 })).body.result).toBe('granted');
    const third = await authorize(CHANNELS, 'chn-3', { requestedUnits: 60 });
    expect(third.body).toMatchObject({ result: 'refused', reason: { code: 'channel_limit_reached' } });
    await terminate('chn-1', 10);
    expect((await authorize(CHANNELS, 'chn-4', { requestedUnits: 60 })).body.result).toBe('granted');
  });

  it('releases a reservation the switch lets lapse: its credit and channel are free again, its updates refused', async () => {
    // Validity = 1 granted second + 2 s grace.
    expect((await authorize(LAPSE, 'exp-1', { requestedUnits: 1 })).body).toMatchObject({ result: 'granted', validitySeconds: 3 });
    expect((await authorize(LAPSE, 'exp-2', { requestedUnits: 1 })).body).toMatchObject({ result: 'refused', reason: { code: 'channel_limit_reached' } });
    await new Promise((r) => setTimeout(r, 3200));
    const after = await authorize(LAPSE, 'exp-3', { requestedUnits: 600 });
    expect(after.body).toMatchObject({ result: 'granted', grantedUnits: 600, reservation: { amount: '1.0000' } });
    expect((await update('exp-1', 1, 60)).body).toMatchObject({ result: 'refused', reason: { code: 'session_expired' } });
    await eventually('the sweep to mark it expired', async () => ((await h.http<{ status: string }>('GET', '/v1/sessions/exp-1')).body.status === 'expired' ? true : undefined));
    // The call did happen: its terminate still commits what it used.
    expect((await terminate('exp-1', 1)).body).toMatchObject({ committed: { amount: '0.1000' } });
    await terminate('exp-3', 0);
  });

  it('grants a flat line’s calls only up to the allowance left when overage is off, and not twice to concurrent calls', async () => {
    // All in October, the period the rated CDR below reports on.
    const flat = (sessionId: string, extra: Record<string, unknown> = {}) => authorize(FLAT, sessionId, { startTime: '2026-10-06T09:00:00+02:00', ...extra });
    const first = await flat('flt-1', { calledNumber: '347 1234567', requestedUnits: 900 });
    expect(first.body).toMatchObject({ result: 'granted', grantedUnits: 600, limitedBy: 'allowance', finalGrant: true, reservation: { amount: '0.0000' }, overage: { enabled: false } });
    expect(first.body.allowance).toEqual([{ basket: 'mob10', drawn: 600, remainingAfter: 0 }]);
    const second = await flat('flt-2', { calledNumber: '347 7654321' });
    expect(second.body).toMatchObject({ result: 'refused', reason: { code: 'allowance_exhausted' } });
    // Landlines are outside the basket: pay-as-you-go, and this account has no credit.
    expect((await flat('flt-3')).body).toMatchObject({ result: 'refused', reason: { code: 'no_credit' } });
    // 300 s used; until its CDR is rated, those 300 s stay counted against the basket.
    expect((await terminate('flt-1', 300)).body).toMatchObject({ committed: { amount: '0.0000' } });
    expect((await flat('flt-4', { calledNumber: '347 7654321', requestedUnits: 900 })).body).toMatchObject({ result: 'granted', grantedUnits: 300 });
    await terminate('flt-4', 0);
    // Rating reports 120 s left (other usage): that is what is granted now.
    await h.publish('cdr.rated', [{ key: FLAT.accountId, value: rated(FLAT, 'flt-1', '0.0000', { billedUnits: 300, bucketDraws: [{ basket: 'mob10', units: 300, remainingAfter: 120 }] }) }]);
    await eventually('the rated CDR', async () => ((await ledger(FLAT.accountId)).length === 2 ? true : undefined));
    expect((await flat('flt-5', { calledNumber: '347 7654321', requestedUnits: 900 })).body).toMatchObject({ result: 'granted', grantedUnits: 120 });
    await terminate('flt-5', 0);
  });

  it('refuses with clear codes: unknown line, unknown destination, bad key, bad request', async () => {
    expect((await h.http<Answer>('POST', '/v1/sessions', { sessionId: 'x-1', callingNumber: '0611111111', calledNumber: '065551234' })).body).toMatchObject({ reason: { code: 'unknown_line' } });
    expect((await authorize(PREPAID, 'x-2', { calledNumber: '+999 1234' })).body).toMatchObject({ result: 'refused', reason: { code: 'unknown_destination' } });
    expect((await h.http('POST', '/v1/sessions', { sessionId: 'x-3', callingNumber: from(PREPAID), calledNumber: '065551234' }, 'wrong-key-0123456789')).status).toBe(401);
    const bad = await h.http<{ error: string; issues: { path: string }[] }>('POST', '/v1/sessions', { sessionId: '', callingNumber: from(PREPAID) });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
    expect(bad.body.issues.map((i) => i.path).sort()).toEqual(['calledNumber', 'sessionId']);
    // The fast checks leave a bad body to zod: its errors name the field, for every operation.
    const badTerminate = await h.http<{ error: string; issues: { path: string }[] }>('POST', '/v1/sessions/any/terminate', { usedUnits: -1 });
    expect(badTerminate.status).toBe(400);
    expect(badTerminate.body.issues.map((i) => i.path)).toEqual(['usedUnits']);
    const badUnits = await h.http<{ error: string; issues: { path: string }[] }>('POST', '/v1/sessions', { sessionId: 'x-4', callingNumber: from(PREPAID), calledNumber: '065551234', requestedUnits: 1.5 });
    expect(badUnits.status).toBe(400);
    expect(badUnits.body.issues.map((i) => i.path)).toEqual(['requestedUnits']);
    expect((await terminate('never-authorized', 10)).status).toBe(404);
    // Ids PostgreSQL could not store or keep apart are refused by name, before they reach the owner's group
    // commit: NUL and lone surrogates anywhere in a body (every service), control characters and U+FFFD in an id
    // (the Identifier rule). The next good request is decided as usual.
    for (const sessionId of ['x-nul\u0000', 'x-lone\ud800']) {
      const refused = await h.http<{ error: string; message: string }>('POST', '/v1/sessions', { sessionId, callingNumber: from(PREPAID), calledNumber: '065551234' });
      expect(refused.status, JSON.stringify(sessionId)).toBe(400);
      expect(refused.body).toMatchObject({ error: 'invalid_text', message: expect.stringMatching(/^sessionId: /) });
    }
    for (const sessionId of ['x-tab\t', 'x-replaced\ufffd']) {
      const refused = await h.http<{ error: string; issues: { path: string; message: string }[] }>('POST', '/v1/sessions', { sessionId, callingNumber: from(PREPAID), calledNumber: '065551234' });
      expect(refused.status, JSON.stringify(sessionId)).toBe(400);
      expect(refused.body.issues).toEqual([{ path: 'sessionId', message: expect.stringContaining('control characters') }]);
    }
    const badEvent = await h.http<{ issues: { path: string }[] }>('POST', '/v1/events', { eventId: 'e-tab\t', callingNumber: from(SMS), calledNumber: '347 1234567', service: 'sms', units: 1 });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.issues.map((i) => i.path)).toEqual(['eventId']);
    expect((await h.http('POST', `/v1/sessions/${encodeURIComponent('x-nul\u0000')}/terminate`, { usedUnits: 1 })).status).toBe(404);
    expect((await h.http('GET', '/v1/sessions/x-get%00')).status).toBe(404);
    const good = await authorize(PREPAID, 'x-after-bad-ids');
    expect([201, 403]).toContain(good.status);
    if (good.status === 201) expect((await terminate('x-after-bad-ids', 0)).status).toBe(200);
  });

  it('documents the API (OpenAPI) and counts its decisions (Prometheus)', async () => {
    const docs = await h.http<{ paths: Record<string, unknown> }>('GET', '/docs/json', undefined, null);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/v1/sessions', '/v1/sessions/{sessionId}/update', '/v1/sessions/{sessionId}/terminate', '/v1/events']));
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/rcp_credit_decisions_total\{[^}]*operation="authorize"[^}]*result="refused"[^}]*reason="no_credit"/);
  });
});

describe('one-shot events', () => {
  it('charges an SMS before delivery, once, and reconciles its rated CDR', async () => {
    const sms = { eventId: 'sms-1', callingNumber: from(SMS), calledNumber: '347 1234567', service: 'sms', units: 2 };
    const first = await h.http<Answer>('POST', '/v1/events', sms);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ result: 'charged', amount: '0.1000', units: 2 });
    expect((await h.http<Answer>('POST', '/v1/events', sms)).body).toMatchObject({ result: 'charged', repeated: true });
    // The same id for other units is another event, not a retry: refused, nothing charged.
    const reused = await h.http<{ error: string; message: string }>('POST', '/v1/events', { ...sms, units: 5 });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ error: 'event_id_reused', message: expect.stringContaining('already charged for 2 sms unit(s); this request is for 5 sms') });
    same((await balance(SMS.accountId)).balance, '0.90');
    // 19 messages cost 0.95: more than is left, so none is sent.
    expect((await h.http<Answer>('POST', '/v1/events', { ...sms, eventId: 'sms-2', units: 19 })).body).toMatchObject({ result: 'refused', reason: { code: 'no_credit' } });
    await h.publish('cdr.rated', [{ key: SMS.accountId, value: { ...rated(SMS, 'sms-1', '0.1000'), service: 'sms', billedUnits: 2 } }]);
    await eventually('the SMS CDR', async () => ((await ledger(SMS.accountId)).some((e) => e.cause === 'rated_cdr') ? true : undefined));
    const entries = await ledger(SMS.accountId);
    expect(entries.filter((e) => e.causeRef.startsWith(`${SWITCH.id}/sms-1`)).map((e) => [e.cause, e.amount])).toEqual([
      ['reservation_commit', '-0.1000'],
      ['rated_cdr', '0.0000'],
    ]);
  });
});

describe('the rated CDR and the session, whichever comes first', () => {
  it('terminate first: the CDR posts only the difference from the commit', async () => {
    await authorize(CDR_FIRST, 'rec-1', { requestedUnits: 120 });
    expect((await terminate('rec-1', 61)).body).toMatchObject({ committed: { amount: '0.2000' } });
    // Rating priced it higher (say a band change): 0.30; the ledger gets -0.10 more, never a second 0.30.
    await h.publish('cdr.rated', [{ key: CDR_FIRST.accountId, value: rated(CDR_FIRST, 'rec-1', '0.3000', { billedUnits: 180 }) }]);
    const entries = await eventually('the CDR difference', async () => {
      const e = (await ledger(CDR_FIRST.accountId)).filter((x) => x.causeRef.startsWith(`${SWITCH.id}/rec-1`));
      return e.length === 2 ? e : undefined;
    });
    expect(entries.map((e) => [e.cause, e.amount])).toEqual([
      ['reservation_commit', '-0.2000'],
      ['rated_cdr', '-0.1000'],
    ]);
  });

  it('CDR first: it charges in full and releases the session; the terminate commits nothing', async () => {
    expect((await authorize(CDR_FIRST, 'rec-2', { requestedUnits: 120 })).body.result).toBe('granted');
    await h.publish('cdr.rated', [{ key: CDR_FIRST.accountId, value: rated(CDR_FIRST, 'rec-2', '0.2000', { billedUnits: 120 }) }]);
    await eventually('the session released by its CDR', async () => ((await h.http<{ status: string }>('GET', '/v1/sessions/rec-2')).body.status === 'released' ? true : undefined));
    same((await balance(CDR_FIRST.accountId)).reserved, '0');
    const done = await terminate('rec-2', 100);
    expect(done.body).toMatchObject({ result: 'terminated', committed: { amount: '0' }, chargedBy: 'rated_cdr' });
    // The same CDR again (a redelivery) and a replayed revision: only the revision's difference.
    await h.publish('cdr.rated', [
      { key: CDR_FIRST.accountId, value: rated(CDR_FIRST, 'rec-2', '0.2000', { billedUnits: 120 }) },
      { key: CDR_FIRST.accountId, value: rated(CDR_FIRST, 'rec-2', '0.1500', { billedUnits: 120, revision: 1 }) },
    ]);
    const entries = await eventually('the replayed revision', async () => {
      const e = (await ledger(CDR_FIRST.accountId)).filter((x) => x.causeRef.startsWith(`${SWITCH.id}/rec-2`));
      return e.length === 2 ? e : undefined;
    });
    expect(entries.map((e) => [e.cause, e.causeRef, e.amount])).toEqual([
      ['rated_cdr', `${SWITCH.id}/rec-2#0`, '-0.2000'],
      ['rated_cdr', `${SWITCH.id}/rec-2#1`, '0.0500'],
    ]);
    // 1.00 - 0.30 (rec-1) - 0.15 (rec-2)
    same((await balance(CDR_FIRST.accountId)).balance, '0.55');
  });
});

describe('dunning, auto-recharge and postpaid fallback at authorization', () => {
  it('refuses usage while dunning has the account suspended', async () => {
    expect((await authorize(DUNNED, 'dun-1', { requestedUnits: 60 })).body.result).toBe('granted');
    await h.publish('invoice.events', [{ key: DUNNED.accountId, value: suspended(DUNNED.accountId) }]);
    const refused = await eventually('the suspension to apply', async () => {
      const r = await authorize(DUNNED, `dun-${Math.random()}`, { requestedUnits: 60 });
      return r.body.result === 'refused' ? r : undefined;
    });
    expect(refused.body.reason).toMatchObject({ code: 'account_suspended' });
    expect((await update('dun-1', 30, 60)).body).toMatchObject({ result: 'refused', reason: { code: 'account_suspended' }, finalGrant: true });
    expect((await h.http<Answer>('POST', '/v1/events', { eventId: 'dun-sms', callingNumber: from(DUNNED), calledNumber: '3471234567', service: 'sms', units: 1 })).body).toMatchObject({
      reason: { code: 'account_suspended' },
    });
    expect((await terminate('dun-1', 30)).body).toMatchObject({ committed: { amount: '0.1000' } });
  });

  it('recharges automatically below the threshold before granting, keeping the account prepaid', async () => {
    const r = await authorize(RECHARGE, 'rch-1', { requestedUnits: 60 });
    expect(r.body).toMatchObject({ result: 'granted', grantedUnits: 60 });
    const entries = await ledger(RECHARGE.accountId);
    expect(entries).toEqual([expect.objectContaining({ cause: 'auto_recharge', causeRef: `before:${SWITCH.id}/rch-1`, amount: '5.00' })]);
    const b = await balance(RECHARGE.accountId);
    expect(b.mode).toBe('prepaid');
    same(b.balance, '5');
    await terminate('rch-1', 60);
    // The commit moves the balance but publishes no `charged` event (the call's rated CDR will).
    const events = await h.balanceEvents(RECHARGE.accountId, (e) => e.some((x) => x.type === 'recharged'));
    expect(events.map((e) => e.type)).toEqual(['recharged']);
  });

  it('lets a prepaid account with pay-as-you-go go past zero to the fallback limit, then refuses', async () => {
    // No credit, 0.50 postpaid: 300 s at 0.10/min.
    expect((await authorize(FALLBACK, 'fbk-1', { requestedUnits: 600 })).body).toMatchObject({ result: 'granted', grantedUnits: 300, limitedBy: 'credit' });
    await terminate('fbk-1', 300);
    const b = await balance(FALLBACK.accountId);
    expect(b).toMatchObject({ mode: 'postpaid', blocked: true });
    expect((await authorize(FALLBACK, 'fbk-2')).body).toMatchObject({ result: 'refused', reason: { code: 'credit_limit_reached' } });
    const events = await h.balanceEvents(FALLBACK.accountId, (e) => e.some((x) => x.type === 'blocked'));
    expect(events.map((e) => e.type)).toEqual(['switched_to_postpaid', 'blocked']);
  });
});

describe('under concurrency', () => {
  it('never grants more than the balance allows to many simultaneous authorizations on one account', async () => {
    // 1.00 of credit; each call asks for 60 s = 0.10: exactly ten fit.
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => authorize(CROWD, `crowd-${i}`, { requestedUnits: 60 })));
    const granted = answers.filter((a) => a.body.result === 'granted');
    expect(granted).toHaveLength(10);
    expect(answers.filter((a) => a.body.result === 'refused').every((a) => a.body.reason?.code === 'no_credit')).toBe(true);
    const total = granted.reduce((s, a) => s.plus(a.body.reservation!.amount), amountOf('0'));
    same(total.toFixed(), '1');
    same((await balance(CROWD.accountId)).reserved, '1.0000');
    // All terminate in parallel with their full use: 1.00 committed, nothing more.
    await Promise.all(granted.map((a) => terminate(a.body.sessionId as string, 60)));
    const b = await balance(CROWD.accountId);
    same(b.balance, '0');
    same(b.reserved, '0');
  });

  it('never grants past a postpaid credit limit either', async () => {
    // 2.00 of credit limit; 30 s calls at 60/60 cost 0.10 each: twenty fit.
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => authorize(POSTPAID, `post-${i}`, { requestedUnits: 30 })));
    expect(answers.filter((a) => a.body.result === 'granted')).toHaveLength(20);
    expect(answers.filter((a) => a.body.result === 'refused').every((a) => a.body.reason?.code === 'credit_limit_reached')).toBe(true);
    same((await balance(POSTPAID.accountId)).available, '0');
  });
});
