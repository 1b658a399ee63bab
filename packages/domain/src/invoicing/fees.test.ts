import { describe, expect, it } from 'vitest';
import { billingCycleContaining } from './cycle.js';
import { FeeCurrencyError, feesForCycle, type OfferFees } from './fees.js';
import { foldAccountState, type LineOfferSegment } from './line-history.js';

const FEES: Record<string, OfferFees> = {
  flat: { setup: '25.00', recurring: { amount: '29.00', every: 'month' }, offerName: 'FLAT Business' },
  big: { recurring: { amount: '62.00', every: 'month' }, offerName: 'FLAT Big' },
  payg: {},
  quarterly: { recurring: { amount: '90.00', every: 'quarter' } },
  yearly: { setup: '10.00', recurring: { amount: '365.00', every: 'year' } },
};
const feesOf = (id: string) => FEES[id];
const oct = billingCycleContaining('2026-10-01', 'monthly', 1);
const seg = (offerId: string, from: string, to: string | null = null, lineId = 'L1'): LineOfferSegment => ({ lineId, offerId, from, to });

describe('fees for a cycle', () => {
  it('charges a whole month and the setup fee of a line that started before the cycle only once', () => {
    const charges = feesForCycle({ cycle: oct, currency: 'EUR', segments: [seg('flat', '2026-09-01')], feesOf });
    expect(charges.map((c) => [c.kind, c.amount])).toEqual([['recurring', '29.00']]);
  });

  it('prorates by days active / days in the fee period, rounded on the line, and charges setup once', () => {
    // Started on the 20th: 12 of 31 days x 29.00 = 11.2258... -> 11.23.
    const charges = feesForCycle({ cycle: oct, currency: 'EUR', segments: [seg('flat', '2026-10-20')], feesOf });
    expect(charges.map((c) => [c.kind, c.activeDays, c.periodDays, c.precise, c.amount])).toEqual([
      ['recurring', 12, 31, '11.2258064516', '11.23'],
      ['setup', 1, 1, '25', '25.00'],
    ]);
  });

  it.each([
    // upgrade on the 11th: 10 days flat (29), 21 days big (62): 9.354.. -> 9.35 and 42 -> 42.00
    ['upgrade mid-cycle', [seg('flat', '2026-09-01', '2026-10-11'), seg('big', '2026-10-11')], [['flat', 10, '9.35'], ['big', 21, '42.00']]],
    // downgrade on the 16th from big to flat: 15 days big = 30.00, 16 days flat = 14.967.. -> 14.97
    ['downgrade mid-cycle', [seg('big', '2026-09-01', '2026-10-16'), seg('flat', '2026-10-16')], [['big', 15, '30.00'], ['flat', 16, '14.97']]],
    // ends on the 11th (exclusive): 10 days
    ['end mid-cycle', [seg('flat', '2026-01-01', '2026-10-11')], [['flat', 10, '9.35']]],
    // flat off for a week and on again: 31 - 7 days
    ['flat off and on again', [seg('flat', '2026-01-01', '2026-10-05'), seg('payg', '2026-10-05', '2026-10-12'), seg('flat', '2026-10-12')], [['flat', 24, '22.45']]],
  ] as const)('%s', (_name, segments, expected) => {
    const charges = feesForCycle({ cycle: oct, currency: 'EUR', segments: segments as unknown as LineOfferSegment[], feesOf }).filter((c) => c.kind === 'recurring');
    expect(charges.map((c) => [c.offerId, c.activeDays, c.amount])).toEqual(expected);
  });

  it('bills a quarterly fee in the cycle where its quarter ends, a monthly fee three times on a quarterly cycle', () => {
    const nov = billingCycleContaining('2026-11-01', 'monthly', 1);
    const dec = billingCycleContaining('2026-12-01', 'monthly', 1);
    expect(feesForCycle({ cycle: nov, currency: 'EUR', segments: [seg('quarterly', '2026-01-01')], feesOf })).toEqual([]);
    expect(feesForCycle({ cycle: dec, currency: 'EUR', segments: [seg('quarterly', '2026-01-01')], feesOf }).map((c) => [c.from, c.to, c.amount])).toEqual([['2026-10-01', '2027-01-01', '90.00']]);
    const q4 = billingCycleContaining('2026-10-01', 'quarterly', 1);
    expect(feesForCycle({ cycle: q4, currency: 'EUR', segments: [seg('flat', '2026-01-01')], feesOf }).map((c) => c.amount)).toEqual(['29.00', '29.00', '29.00']);
  });

  it('prorates a yearly fee by days of the year', () => {
    const year = billingCycleContaining('2026-01-01', 'yearly', 1);
    // 2026-07-01 .. 2027-01-01: 184 of 365 days x 365.00 = 184.00; setup 10.00
    expect(feesForCycle({ cycle: year, currency: 'EUR', segments: [seg('yearly', '2026-07-01')], feesOf }).map((c) => [c.kind, c.amount])).toEqual([
      ['recurring', '184.00'],
      ['setup', '10.00'],
    ]);
  });

  it('refuses fees in another currency than the account', () => {
    expect(() => feesForCycle({ cycle: oct, currency: 'EUR', segments: [seg('x', '2026-10-01')], feesOf: () => ({ recurring: { amount: '1', every: 'month' }, currency: 'USD' }) })).toThrow(FeeCurrencyError);
  });
});

describe('line-offer history from account states', () => {
  const state = (at: string, lines: { lineId?: string; offerId: string; activeFrom: string; activeTo?: string | null }[]) => ({
    at,
    timeZone: 'Europe/Rome',
    lines: lines.map((l) => ({ lineId: l.lineId ?? 'L1', offerId: l.offerId, activeFrom: l.activeFrom, activeTo: l.activeTo ?? null })),
  });

  it('starts, upgrades on the new activeFrom, ends, and is unchanged by the same state twice', () => {
    let s = foldAccountState([], state('2026-09-01T08:00:00Z', [{ offerId: 'flat', activeFrom: '2026-09-01' }]));
    expect(s).toEqual([seg('flat', '2026-09-01')]);
    const upgrade = state('2026-10-11T08:00:00Z', [{ offerId: 'big', activeFrom: '2026-10-11' }]);
    s = foldAccountState(s, upgrade);
    expect(s).toEqual([seg('flat', '2026-09-01', '2026-10-11'), seg('big', '2026-10-11')]);
    expect(foldAccountState(s, upgrade)).toEqual(s);
    s = foldAccountState(s, state('2026-10-20T08:00:00Z', [{ offerId: 'big', activeFrom: '2026-10-11', activeTo: '2026-10-25' }]));
    expect(s).toEqual([seg('flat', '2026-09-01', '2026-10-11'), seg('big', '2026-10-11', '2026-10-25')]);
  });

  it('takes an offer change without a new activeFrom on the day of the state, in the customer zone', () => {
    const s = foldAccountState([seg('flat', '2026-09-01')], state('2026-10-15T23:30:00Z', [{ offerId: 'payg', activeFrom: '2026-09-01' }]));
    // 23:30 UTC is 01:30 on the 16th in Rome.
    expect(s).toEqual([seg('flat', '2026-09-01', '2026-10-16'), seg('payg', '2026-10-16')]);
  });

  it('replaces an offer that never started and ends a line that disappeared', () => {
    let s = foldAccountState([seg('flat', '2026-11-01', null, 'L1'), seg('payg', '2026-01-01', null, 'L2')], state('2026-10-20T10:00:00Z', [{ offerId: 'big', activeFrom: '2026-11-01' }]));
    expect(s).toEqual([seg('big', '2026-11-01', null, 'L1'), seg('payg', '2026-01-01', '2026-10-20', 'L2')]);
    s = foldAccountState(s, state('2026-10-21T10:00:00Z', [{ offerId: 'big', activeFrom: '2026-11-01' }]));
    expect(s).toEqual([seg('big', '2026-11-01', null, 'L1'), seg('payg', '2026-01-01', '2026-10-20', 'L2')]);
  });
});

describe('line-offer history from published offer periods', () => {
  it('takes the periods as they are, in the customer zone, merging a channels change on the same offer', () => {
    const s = foldAccountState([seg('old', '2025-01-01')], {
      at: '2026-10-20T10:00:00Z',
      timeZone: 'Europe/Rome',
      lines: [
        {
          lineId: 'L1',
          offerId: 'big',
          activeFrom: '2026-09-01',
          activeTo: null,
          offerPeriods: [
            { offerId: 'flat', from: '2026-08-31T22:00:00Z', to: '2026-10-05T22:00:00Z' },
            { offerId: 'flat', from: '2026-10-05T22:00:00Z', to: '2026-10-10T22:00:00Z' },
            { offerId: 'big', from: '2026-10-10T22:00:00Z', to: null },
          ],
        },
      ],
    });
    expect(s).toEqual([seg('flat', '2026-09-01', '2026-10-11'), seg('big', '2026-10-11')]);
  });
});
