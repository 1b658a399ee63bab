// Every rating rule of DOMAIN.md, on both engines: the fast one behind rateCdr and the decimal reference.
import { describe, expect, it } from 'vitest';
import { allowedUnits, billedUnits, openPeriod, parseCatalogue, periodAt, rateCdr, rateCdrReference } from '../index.js';
import type { LineProfile, RatedCharge, RatingCdr, RatingOutcome, RatingState } from '../index.js';
import { cdr, line, ruleCatalogueInput, ruleVersion } from '../../test/fixtures.js';

const engines: [string, (c: RatingCdr, ctx: Parameters<typeof rateCdr>[1]) => RatingOutcome][] = [
  ['rateCdr', rateCdr],
  ['reference', rateCdrReference],
];

const TUE_10 = '2024-03-05T10:00:00+01:00';
const FIXED = '390298765432';
const MOBILE = '393331234567';

describe('billedUnits (increments once, to the whole call)', () => {
  it.each([
    [61, 60, 60, 0, 120],
    [61, 30, 6, 0, 66],
    [61, 1, 1, 0, 61],
    [610, 30, 6, 0, 612],
    [66, 30, 6, 0, 66],
    [10, 30, 6, 0, 30],
    [30, 30, 6, 0, 30],
    [31, 30, 6, 0, 36],
    [0, 30, 6, 0, 0],
    [10, 1, 1, 60, 60],
    [10, 60, 60, 120, 120],
    [121, 60, 60, 120, 180],
  ])('%i s at %i/%i with minimum %i -> %i s', (units, initial, subsequent, minimum, expected) => {
    expect(billedUnits(units, { initial, subsequent }, minimum)).toBe(expected);
  });
});

describe.each(engines)('%s', (_name, rate) => {
  const version = ruleVersion();
  function run(c: Partial<RatingCdr>, l: Partial<LineProfile> = {}, state: RatingState | null = null) {
    return rate(cdr({ startTime: TUE_10, calledNumber: FIXED, ...c }), { version, line: line(l), state });
  }
  function charge(c: Partial<RatingCdr>, l: Partial<LineProfile> = {}, state: RatingState | null = null): { charge: RatedCharge; state: RatingState } {
    const o = run(c, l, state);
    if (o.kind !== 'rated') throw new Error(`${o.code}: ${o.message}`);
    return o;
  }

  describe('destinations and rejections', () => {
    it('longest prefix wins', () => {
      expect(charge({ calledNumber: MOBILE, billableUnits: 30 }).charge.explanation).toMatchObject({ destination: 'IT_MOBILE', prefix: '393' });
      expect(charge({ calledNumber: FIXED, billableUnits: 30 }).charge.explanation).toMatchObject({ destination: 'IT_FIXED', prefix: '39' });
    });
    it('unknown destination is a rating error, not a zero price', () => {
      expect(run({ calledNumber: '33123456789' })).toMatchObject({ kind: 'rejected', code: 'unknown_destination' });
    });
    it('a service with no rate for the destination is rejected', () => {
      expect(run({ service: 'fax', billableUnits: 1 })).toMatchObject({ kind: 'rejected', code: 'no_rate_for_service' });
    });
    it('rejects a start time without an offset', () => {
      expect(run({ startTime: '2024-03-05T10:00:00' })).toMatchObject({ kind: 'rejected', code: 'invalid_start_time' });
    });
    it('rejects a malformed CDR', () => {
      expect(run({ billableUnits: -1 })).toMatchObject({ kind: 'rejected', code: 'invalid_cdr' });
      expect(run({ billableUnits: 1.5 })).toMatchObject({ kind: 'rejected', code: 'invalid_cdr' });
      expect(run({ service: 'mms' as never })).toMatchObject({ kind: 'rejected', code: 'invalid_cdr' });
    });
    it('rejects an unknown offer', () => {
      expect(run({}, { offerId: 'nope' })).toMatchObject({ kind: 'rejected', code: 'unknown_offer' });
    });
    it('normalises a national called number with the line country', () => {
      expect(charge({ calledNumber: '06 98765432', billableUnits: 30 }).charge.explanation.destination).toBe('IT_FIXED');
      expect(run({ calledNumber: 'abc' })).toMatchObject({ kind: 'rejected', code: 'invalid_number' });
    });
  });

  describe('increments, minimum, connect fee, unanswered', () => {
    it.each([
      [61, '0.0660'],
      [1, '0.0300'],
      [610, '0.6120'],
    ])('%i s to Italy fixed at 30/6, 0.06/min -> %s', (secs, amount) => {
      expect(charge({ billableUnits: secs }).charge.retail.amount).toBe(amount);
    });
    it('applies the minimum duration before the increments (UK 60/60, minimum 120 s)', () => {
      expect(charge({ calledNumber: '442079460018', billableUnits: 10 }).charge).toMatchObject({ billedUnits: 120, retail: { amount: '0.6000' } });
      expect(charge({ calledNumber: '442079460018', billableUnits: 121 }).charge).toMatchObject({ billedUnits: 180, retail: { amount: '0.9000' } });
    });
    it('adds the connect fee once per call', () => {
      // 30 s x 0.12/min = 0.06, + 0.05 connect; wholesale 30 s x 0.06/min = 0.03 + 0.02
      const c = charge({ calledNumber: MOBILE, billableUnits: 30 }).charge;
      expect(c.retail.amount).toBe('0.1100');
      expect(c.wholesale.amount).toBe('0.0500');
      expect(c.explanation.connectFee).toEqual({ retail: '0.05', wholesale: '0.02' });
    });
    it('an unanswered call costs nothing and changes no counter', () => {
      const first = charge({ disposition: 'busy', billableUnits: 0 }, { offerId: 'flat10' });
      expect(first.charge).toMatchObject({ billedUnits: 0, retail: { amount: '0.0000' }, wholesale: { amount: '0.0000' } });
      expect(first.state.buckets.national!.remaining).toBe(600);
    });
    it('keeps the precise amount beside the rounded one', () => {
      // 1 s at 1/1 would be 0.001; a 31 s call bills 36 s: 0.036 exactly. 0.06/min x 7 s (SMS-like) checked via data below.
      const c = charge({ billableUnits: 31 }).charge;
      expect(c.retail).toEqual({ amount: '0.0360', precise: '0.036', currency: 'EUR' });
    });
  });

  describe('time bands', () => {
    it('rates the whole call in the band at its start', () => {
      const c = charge({ startTime: '2024-03-05T18:59:00+01:00', billableUnits: 120 }).charge;
      expect(c.explanation.band).toBe('peak');
      expect(c.retail.amount).toBe('0.1200');
    });
    it('splits at the band boundary when the catalogue says so', () => {
      const input = ruleCatalogueInput();
      input.versions[0].timeBands.splitAtBoundary = true;
      const v = parseCatalogue(input).versions[0]!;
      const o = rate(cdr({ startTime: '2024-03-05T18:59:00+01:00', calledNumber: FIXED, billableUnits: 120 }), { version: v, line: line(), state: null });
      if (o.kind !== 'rated') throw new Error(o.message);
      // 60 s peak at 0.06/min + 60 s off-peak at 0.03/min
      expect(o.charge.retail.amount).toBe('0.0900');
      expect(o.charge.explanation.parts.map((p) => [p.band, p.units])).toEqual([['peak', 60], ['offpeak', 60]]);
    });
    it.each([
      ['2024-03-05T07:59:59+01:00', 'offpeak'],
      ['2024-03-05T08:00:00+01:00', 'peak'],
      ['2024-03-05T17:59:59Z', 'peak'],
      ['2024-03-05T18:00:00Z', 'offpeak'],
      ['2024-03-09T10:00:00+01:00', 'offpeak'],
      ['2024-12-25T10:00:00+01:00', 'offpeak'],
      ['2024-07-01T18:30:00+02:00', 'peak'],
      ['2024-07-01T17:30:00Z', 'offpeak'],
    ])('at %s the band is %s (customer zone Europe/Rome, holidays)', (startTime, band) => {
      expect(charge({ startTime, billableUnits: 30 }).charge.explanation.band).toBe(band);
    });
  });

  describe('buckets and overage', () => {
    it('10 min left, 30/6, 610 s -> billed 612: 600 from the bucket, 12 at overage', () => {
      const { charge: c, state } = charge({ billableUnits: 610 }, { offerId: 'flat10' });
      expect(c.billedUnits).toBe(612);
      expect(c.explanation.parts.map((p) => [p.source, p.units])).toEqual([['bucket', 600], ['overage', 12]]);
      expect(c.explanation.bucketDraws).toEqual([{ basket: 'national', units: 600, remainingAfter: 0 }]);
      expect(c.retail.amount).toBe('0.0120');
      // FLAT: inside the allowance the partner pays 0 too; overage at list price (no partner margin)
      expect(c.wholesale.amount).toBe('0.0120');
      expect(state.buckets.national!.remaining).toBe(0);
    });
    it('a call inside the allowance shows price 0', () => {
      const { charge: c, state } = charge({ billableUnits: 61 }, { offerId: 'flat10' });
      expect(c.retail.amount).toBe('0.0000');
      expect(c.wholesale.amount).toBe('0.0000');
      expect(state.buckets.national!.remaining).toBe(600 - 66);
    });
    it('flat to the customer, pay per use to the partner', () => {
      const c = charge({ billableUnits: 610 }, { offerId: 'flat10-per-use' }).charge;
      expect(c.retail.amount).toBe('0.0120');
      // 600 s x 0.03/min = 0.30 (partner pays per use inside) + 12 s overage at list 0.06/min
      expect(c.wholesale.amount).toBe('0.3120');
    });
    it('overage disabled: the part beyond the allowance is denied', () => {
      const c = charge({ billableUnits: 610 }, { offerId: 'flat10-no-overage' }).charge;
      expect(c.denied).toEqual({ units: 12, reason: 'allowance_exhausted' });
      expect(c.explanation.parts.map((p) => [p.source, p.units])).toEqual([['bucket', 600], ['denied', 12]]);
      expect(c.retail.amount).toBe('0.0000');
    });
    it('the line may override the offer overage setting', () => {
      const c = charge({ billableUnits: 610 }, { offerId: 'flat10', overage: { enabled: false, target: null } }).charge;
      expect(c.denied?.units).toBe(12);
    });
    it('after the bucket is empty, calls are overage with the connect fee', () => {
      const first = charge({ billableUnits: 600 }, { offerId: 'flat10' });
      const c = charge({ calledNumber: MOBILE, billableUnits: 30 }, { offerId: 'flat10' }, first.state).charge;
      expect(c.explanation.parts.map((p) => p.source)).toEqual(['overage']);
      expect(c.retail.amount).toBe('0.1100');
      expect(c.wholesale.amount).toBe('0.1100');
    });
    it('a call starting inside the bucket pays no connect fee', () => {
      const c = charge({ calledNumber: MOBILE, billableUnits: 30 }, { offerId: 'flat10' }).charge;
      expect(c.retail.amount).toBe('0.0000');
    });
    it('destinations outside every basket are pay-as-you-go', () => {
      const c = charge({ calledNumber: '442079460018', billableUnits: 60 }, { offerId: 'flat10-no-overage' }).charge;
      expect(c.explanation.parts.map((p) => p.source)).toEqual(['payg']);
      expect(c.denied).toBeNull();
    });
    it('draws baskets in their declared order (custom recipe)', () => {
      // 200 s -> 204 s billed: 60 from any-national, 120 from fixed, 24 overage at 0.06/min
      const { charge: c, state } = charge({ billableUnits: 200 }, { offerId: 'recipe' });
      expect(c.explanation.bucketDraws).toEqual([
        { basket: 'any-national', units: 60, remainingAfter: 0 },
        { basket: 'fixed', units: 120, remainingAfter: 0 },
      ]);
      expect(c.retail.amount).toBe('0.0240');
      const m = charge({ calledNumber: MOBILE, billableUnits: 100 }, { offerId: 'recipe' }, state);
      expect(m.charge.explanation.bucketDraws).toEqual([{ basket: 'mobile', units: 102, remainingAfter: 78 }]);
    });
    it('SMS draw their own basket', () => {
      const c = charge({ service: 'sms', calledNumber: MOBILE, billableUnits: 3 }, { offerId: 'recipe' }).charge;
      expect(c.explanation.bucketDraws).toEqual([{ basket: 'sms', units: 2, remainingAfter: 0 }]);
      expect(c.retail.amount).toBe('0.0500');
    });
  });

  describe('periods: reset, rollover, proration', () => {
    it('opens the period at the cycle anchor with a fresh allowance', () => {
      const feb = charge({ startTime: '2024-02-10T10:00:00+01:00', billableUnits: 600 }, { offerId: 'flat10' });
      expect(feb.state.periodKey).toBe('2024-02-01');
      expect(feb.state.buckets.national!.remaining).toBe(0);
      const mar = charge({ startTime: '2024-03-01T00:00:00+01:00', billableUnits: 60 }, { offerId: 'flat10' }, feb.state);
      expect(mar.state.periodKey).toBe('2024-03-01');
      expect(mar.charge.retail.amount).toBe('0.0000');
      expect(mar.state.buckets.national!.remaining).toBe(540);
    });
    it('rejects a CDR older than the state it is given', () => {
      const mar = charge({ startTime: TUE_10, billableUnits: 60 }, { offerId: 'flat10' });
      expect(run({ startTime: '2024-02-29T23:59:59+01:00' }, { offerId: 'flat10' }, mar.state)).toMatchObject({ kind: 'rejected', code: 'state_period_mismatch' });
    });
    it('prorates the allowance of a mid-cycle start, rounded down to whole minutes', () => {
      // 16 of 31 days active: floor(10 x 16 / 31) = 5 minutes
      const c = charge({ startTime: '2024-03-20T10:00:00+01:00', billableUnits: 60 }, { offerId: 'flat10', subscriptionStart: '2024-03-16' });
      expect(c.state.buckets.national).toEqual({ allowance: 300, carried: 0, remaining: 240 });
    });
  });

  describe('closed user groups', () => {
    it('member to member is rated at the circle price', () => {
      const c = charge({ callingNumber: '390612345678', calledNumber: '390698765432', billableUnits: 61 }, { cugs: ['office'] }).charge;
      // 66 s x 0.01/min = 0.011; wholesale 66 s x 0.03/min = 0.033
      expect(c.retail.amount).toBe('0.0110');
      expect(c.wholesale.amount).toBe('0.0330');
      expect(c.explanation.cug).toBe('office');
      expect(c.explanation.parts[0]!.source).toBe('cug');
    });
    it('member to non-member pays the normal price', () => {
      expect(charge({ callingNumber: '390612345678', calledNumber: '390611111111', billableUnits: 61 }, { cugs: ['office'] }).charge.retail.amount).toBe('0.0660');
    });
    it('a line outside the circle pays the normal price', () => {
      expect(charge({ callingNumber: '390612345678', calledNumber: '390698765432', billableUnits: 61 }).charge.retail.amount).toBe('0.0660');
    });
  });

  describe('rating-time discount steps', () => {
    function withUsage(units: number, spendMicros = 0): RatingState {
      const s = openPeriod(version, line({ offerId: 'payg-volume' }), TUE_10);
      return { ...s, usage: { ...s.usage, volume: { units, spendMicros: 0 }, 'sms-spend': { units: 0, spendMicros } } };
    }
    it('a call crossing the 100-minute step is split: 60 s full, 60 s at 10% off', () => {
      const { charge: c, state } = charge({ billableUnits: 120 }, { offerId: 'payg-volume' }, withUsage(99 * 60));
      expect(c.explanation.parts.map((p) => [p.units, p.discountStep ?? null, p.unitPrice])).toEqual([
        [60, null, '0.06'],
        [60, 0, '0.054'],
      ]);
      expect(c.retail.amount).toBe('0.1140');
      expect(c.wholesale.amount).toBe('0.0600');
      expect(c.explanation.discountSteps).toEqual([{ discount: 'volume', step: 0, threshold: '100', percentage: '10', units: 60 }]);
      expect(state.usage.volume!.units).toBe(99 * 60 + 120);
    });
    it('10% after 100 minutes, 20% after 200 minutes', () => {
      const c = charge({ billableUnits: 120 }, { offerId: 'payg-volume' }, withUsage(199 * 60)).charge;
      // 60 s at 0.054/min + 60 s at 0.048/min
      expect(c.retail.amount).toBe('0.1020');
    });
    it('spend steps apply from the spend before the call; an amount step never prices below 0', () => {
      expect(charge({ service: 'sms', calledNumber: MOBILE, billableUnits: 3 }, { offerId: 'payg-volume' }, withUsage(0, 1_500_000)).charge.retail.amount).toBe('0.0900');
      expect(charge({ service: 'sms', calledNumber: MOBILE, billableUnits: 3 }, { offerId: 'payg-volume' }, withUsage(0, 2_000_000)).charge.retail.amount).toBe('0.0000');
      const s = charge({ service: 'sms', calledNumber: MOBILE, billableUnits: 3 }, { offerId: 'payg-volume' }, withUsage(0, 0)).state;
      expect(s.usage['sms-spend']!.spendMicros).toBe(150_000);
    });
  });

  describe('other services', () => {
    it('SMS per message', () => {
      const c = charge({ service: 'sms', calledNumber: MOBILE, billableUnits: 3 }).charge;
      expect(c.retail.amount).toBe('0.1500');
      expect(c.wholesale.amount).toBe('0.0600');
    });
    it('data per megabyte in 1000-byte steps', () => {
      const c = charge({ service: 'data', calledNumber: MOBILE, billableUnits: 1_499_001 }).charge;
      expect(c.billedUnits).toBe(1_500_000);
      expect(c.retail).toMatchObject({ amount: '0.0150', precise: '0.015' });
      expect(c.wholesale.amount).toBe('0.0060');
    });
  });
});

describe('periods', () => {
  it.each([
    [31, '2024-03-30T12:00:00+01:00', '2024-02-29', '2024-03-31'],
    [31, '2024-03-31T12:00:00+02:00', '2024-03-31', '2024-04-30'],
    [31, '2024-02-29T12:00:00+01:00', '2024-02-29', '2024-03-31'],
    [30, '2023-02-28T12:00:00+01:00', '2023-02-28', '2023-03-30'],
    [30, '2023-02-27T12:00:00+01:00', '2023-01-30', '2023-02-28'],
    [1, '2024-02-29T23:30:00Z', '2024-03-01', '2024-04-01'],
    [15, '2024-01-14T12:00:00+01:00', '2023-12-15', '2024-01-15'],
  ])('anchor day %i, %s -> period %s to %s', (anchor, at, key, end) => {
    const p = periodAt({ timeZone: 'Europe/Rome', cycleAnchorDay: anchor }, at);
    expect([p.periodKey, p.periodEnd]).toEqual([key, end]);
  });

  it('rollover carries unused units up to the cap; reset baskets start afresh', () => {
    const version = ruleVersion();
    const l = line({ offerId: 'recipe' });
    const feb = openPeriod(version, l, '2024-02-10T10:00:00+01:00');
    const used = { ...feb, buckets: { ...feb.buckets, mobile: { ...feb.buckets.mobile!, remaining: 100 }, fixed: { ...feb.buckets.fixed!, remaining: 5 } } };
    const mar = openPeriod(version, l, TUE_10, used);
    expect(mar.buckets.mobile).toEqual({ allowance: 180, carried: 100, remaining: 280 });
    expect(mar.buckets.fixed).toEqual({ allowance: 120, carried: 0, remaining: 120 });
    const capped = openPeriod(version, l, TUE_10, { ...used, buckets: { ...used.buckets, mobile: { allowance: 180, carried: 0, remaining: 150 } } });
    expect(capped.buckets.mobile!.remaining).toBe(300);
    // January's 100 s carry through an empty February into March: Feb 280, Mar 180 + min(280, 120).
    const jan = openPeriod(version, l, '2024-01-10T10:00:00+01:00');
    const apr = openPeriod(version, l, TUE_10, { ...jan, buckets: { ...jan.buckets, mobile: { ...jan.buckets.mobile!, remaining: 100 } } });
    expect(apr.buckets.mobile!.remaining).toBe(300);
  });
});

describe('allowedUnits (the credit-control rule)', () => {
  const version = ruleVersion();
  const offer = (id: string) => version.offers.find((o) => o.id === id)!;
  const state = openPeriod(version, line({ offerId: 'flat10-no-overage' }), TUE_10);
  it('is the remaining allowance when overage is disabled', () => {
    expect(allowedUnits(offer('flat10-no-overage'), null, state, 'voice', 'IT_FIXED')).toBe(600);
    expect(allowedUnits(offer('flat10-no-overage'), null, { ...state, buckets: { national: { allowance: 600, carried: 0, remaining: 0 } } }, 'voice', 'IT_FIXED')).toBe(0);
  });
  it('is unlimited with overage or outside the baskets', () => {
    expect(allowedUnits(offer('flat10'), null, state, 'voice', 'IT_FIXED')).toBe(Number.POSITIVE_INFINITY);
    expect(allowedUnits(offer('flat10-no-overage'), null, state, 'voice', 'UK')).toBe(Number.POSITIVE_INFINITY);
    expect(allowedUnits(offer('flat10-no-overage'), { enabled: true, target: 'x' }, state, 'voice', 'IT_FIXED')).toBe(Number.POSITIVE_INFINITY);
  });
});
