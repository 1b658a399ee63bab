import { describe, expect, it } from 'vitest';
import type { CallRow } from './calls.js';
import { AccountState, merge } from './store.js';
import type { LedgerRow } from '../writes.js';

const NOW = Date.parse('2026-10-05T10:00:00Z');
const HOUR = 3600_000;

function call(id: string, over: Partial<CallRow> = {}): CallRow {
  return {
    callId: id,
    accountId: 'A',
    lineId: 'A-L1',
    service: 'voice',
    status: 'active',
    holdsChannel: true,
    direction: 'outbound',
    callingNumber: '390611110001',
    calledNumber: '39065551234',
    startTime: '2026-10-05T10:00:00Z',
    grantedUnits: 60,
    usedUnits: 0,
    reserved: '0.1000',
    draws: {},
    charged: '0',
    committed: false,
    ratedRevision: null,
    expiresAt: new Date(NOW + 90_000).toISOString(),
    ...over,
  };
}

const state = () => new AccountState('A', { accountId: 'A', currency: 'EUR', state: { balance: '1.00', mode: 'prepaid', blocked: false }, recharges: null }, null, new Map());

describe('an account state in memory', () => {
  it('counts the other open, unexpired reservations: credit for the account, channels and allowance for the line', () => {
    const s = state();
    s.put(call('c1'), 1, NOW);
    s.put(call('c2', { reserved: '0.2500', draws: { mob10: 60 } }), 1, NOW);
    s.put(call('c3', { lineId: 'A-L2', reserved: '0.0500' }), 1, NOW);
    s.put(call('lapsed', { reserved: '5.0000', expiresAt: new Date(NOW - 1).toISOString() }), 1, NOW);
    s.put(call('ended', { status: 'terminated', reserved: '0' }), 1, NOW);
    const h = s.holdings('A-L1', 'c1', NOW, 24 * HOUR);
    expect(h).toMatchObject({ reserved: '0.3', channelsInUse: 1, heldDraws: { mob10: 60 }, call: expect.objectContaining({ callId: 'c1' }) });
    expect(s.holdings('A-L2', 'new', NOW, 24 * HOUR)).toMatchObject({ reserved: '0.4', channelsInUse: 1, heldDraws: {} });
  });

  it('keeps a committed call’s allowance held until its CDR is rated, for the hold time only', () => {
    const s = state();
    s.put(call('c1', { status: 'terminated', reserved: '0', committed: true, charged: '0', draws: { mob10: 42 } }), 1, NOW - 2 * HOUR);
    expect(s.holdings('A-L1', 'x', NOW, 24 * HOUR).heldDraws).toEqual({ mob10: 42 });
    expect(s.holdings('A-L1', 'x', NOW, 1 * HOUR).heldDraws).toEqual({});
    s.put({ ...s.call('c1')!, ratedRevision: 0 }, 2, NOW);
    expect(s.holdings('A-L1', 'x', NOW, 24 * HOUR).heldDraws).toEqual({});
  });

  it('merges rating’s bucket reports as PostgreSQL does: same period basket by basket, a later one replaces, an earlier one is ignored', () => {
    const s = state();
    s.report({ lineId: 'A-L1', offerId: 'flat', periodKey: '2026-10-01', at: 'x', remaining: { a: 5, b: 7 } });
    s.report({ lineId: 'A-L1', offerId: 'flat', periodKey: '2026-10-01', at: 'y', remaining: { a: 3 } });
    expect(s.allowances.get('A-L1')!.remaining).toEqual({ a: 3, b: 7 });
    s.report({ lineId: 'A-L1', offerId: 'flat', periodKey: '2026-09-01', at: 'z', remaining: { a: 99 } });
    expect(s.allowances.get('A-L1')!.remaining).toEqual({ a: 3, b: 7 });
    s.report({ lineId: 'A-L1', offerId: 'flat', periodKey: '2026-11-01', at: 'w', remaining: { b: 1 } });
    expect(s.allowances.get('A-L1')).toMatchObject({ periodKey: '2026-11-01', remaining: { b: 1 } });
  });
});

describe('group commit', () => {
  const entry = (ref: string, balanceAfter: string): LedgerRow => ({ account_id: 'A', cause: 'reservation_commit', cause_ref: ref, amount: '-0.1', balance_after: balanceAfter, currency: 'EUR', note: null });
  const json = (id: string, status: CallRow['status']): CallRow => ({ ...({} as CallRow), callId: id, status });

  it('keeps ledger entries and events in decision order, the last balance of an account and the last state of a call', () => {
    const merged = merge([
      { calls: [json('c1', 'active')] },
      { ledger: [entry('c0', '0.9')], balances: [{ account_id: 'A', balance: '0.9', mode: 'prepaid', blocked: false, recharge_period: null, recharge_count: 0 }], events: ['e1'], calls: [json('c0', 'terminated')] },
      { ledger: [entry('c1', '0.8')], balances: [{ account_id: 'A', balance: '0.8', mode: 'prepaid', blocked: false, recharge_period: null, recharge_count: 0 }], events: ['e2'], calls: [json('c1', 'terminated')] },
      { allowances: [{ line_id: 'L', offer_id: 'o', period_key: 'p1', at: 'x', remaining: { a: 1, b: 2 } }] },
      { allowances: [{ line_id: 'L', offer_id: 'o', period_key: 'p1', at: 'y', remaining: { a: 0 } }] },
    ]);
    expect(merged.ledger!.map((e) => e.cause_ref)).toEqual(['c0', 'c1']);
    expect(merged.events).toEqual(['e1', 'e2']);
    expect(merged.balances).toEqual([expect.objectContaining({ account_id: 'A', balance: '0.8' })]);
    expect(merged.calls!.map((c) => [c.callId, c.status])).toEqual([
      ['c1', 'terminated'],
      ['c0', 'terminated'],
    ]);
    expect(merged.allowances).toEqual([expect.objectContaining({ line_id: 'L', remaining: { a: 0, b: 2 } })]);
  });
});
