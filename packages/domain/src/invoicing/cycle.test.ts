import { describe, expect, it } from 'vitest';
import { billingCycleContaining, billingCycleStartingAt, feePeriodsEndingIn, nextBillingCycle, previousBillingCycle } from './cycle.js';

describe('billing cycles', () => {
  it.each([
    // kind, anchor, a date, start, end, days
    ['monthly', 1, '2026-10-17', '2026-10-01', '2026-11-01', 31],
    ['monthly', 15, '2026-10-14', '2026-09-15', '2026-10-15', 30],
    ['monthly', 15, '2026-10-15', '2026-10-15', '2026-11-15', 31],
    // An anchor on day 29-31 falls on the month's last day when the month is shorter (DOMAIN.md).
    ['monthly', 31, '2026-02-10', '2026-01-31', '2026-02-28', 28],
    ['monthly', 31, '2026-03-05', '2026-02-28', '2026-03-31', 31],
    ['monthly', 30, '2028-02-29', '2028-02-29', '2028-03-30', 30],
    ['quarterly', 1, '2026-11-20', '2026-10-01', '2027-01-01', 92],
    ['quarterly', 1, '2026-01-01', '2026-01-01', '2026-04-01', 90],
    ['quarterly', 10, '2026-04-09', '2026-01-10', '2026-04-10', 90],
    ['yearly', 1, '2026-07-04', '2026-01-01', '2027-01-01', 365],
    ['yearly', 1, '2028-03-01', '2028-01-01', '2029-01-01', 366],
  ] as const)('%s at anchor %i: %s is in %s .. %s (%i days)', (kind, anchor, date, start, end, days) => {
    const c = billingCycleContaining(date, kind, anchor);
    expect([c.start, c.end, c.days]).toEqual([start, end, days]);
  });

  it('knows which days start a cycle', () => {
    expect(billingCycleStartingAt('2026-10-01', 'monthly', 1)?.end).toBe('2026-11-01');
    expect(billingCycleStartingAt('2026-10-01', 'quarterly', 1)?.end).toBe('2027-01-01');
    expect(billingCycleStartingAt('2026-11-01', 'quarterly', 1)).toBeNull();
    expect(billingCycleStartingAt('2026-02-28', 'monthly', 31)?.end).toBe('2026-03-31');
    expect(billingCycleStartingAt('2026-10-02', 'monthly', 1)).toBeNull();
  });

  it('walks to the next and previous cycle', () => {
    const c = billingCycleContaining('2026-12-15', 'monthly', 1);
    expect(nextBillingCycle(c).start).toBe('2027-01-01');
    expect(previousBillingCycle(c).start).toBe('2026-11-01');
    expect(previousBillingCycle(billingCycleContaining('2026-10-01', 'quarterly', 1)).start).toBe('2026-07-01');
  });

  it('bills fee periods in the cycle that contains their last day', () => {
    const oct = billingCycleContaining('2026-10-01', 'monthly', 1);
    const dec = billingCycleContaining('2026-12-01', 'monthly', 1);
    expect(feePeriodsEndingIn(oct, 'month').map((p) => p.start)).toEqual(['2026-10-01']);
    expect(feePeriodsEndingIn(oct, 'quarter')).toEqual([]);
    expect(feePeriodsEndingIn(dec, 'quarter').map((p) => [p.start, p.end])).toEqual([['2026-10-01', '2027-01-01']]);
    const q4 = billingCycleContaining('2026-10-01', 'quarterly', 1);
    expect(feePeriodsEndingIn(q4, 'month').map((p) => p.start)).toEqual(['2026-10-01', '2026-11-01', '2026-12-01']);
  });
});
