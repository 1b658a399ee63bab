import { describe, expect, it } from 'vitest';
import { dec } from '../money.js';
import { parseBillingConfig, type BillingDiscount } from './config.js';
import { billingCycleContaining } from './cycle.js';
import { billingDiscounts, bonusBasisQuantity, discountWindows, freeUnitsValue, preItemise, prorationFactor, type DiscountContext, type DiscountItem } from './discounts.js';
import type { ChargeType } from './usage.js';

const oct = billingCycleContaining('2026-10-01', 'monthly', 1);
const ctx: DiscountContext = { cycle: oct, serviceRanges: [{ from: '2026-01-01', to: null }] };

/** The discounts of a billing document (validated like ops would apply it). */
function discounts(...defs: unknown[]): BillingDiscount[] {
  return parseBillingConfig({ discounts: defs }).discounts;
}

let seq = 0;
function item(over: Partial<DiscountItem> & { amount: string }): DiscountItem {
  const day = over.date ?? '2026-10-05';
  seq += 1;
  return {
    ratedId: over.ratedId ?? `r${String(seq).padStart(4, '0')}`,
    service: 'voice',
    destination: 'IT',
    chargeType: 'payg' as ChargeType,
    startTime: `${day}T10:00:${String(seq % 60).padStart(2, '0')}+02:00`,
    date: day,
    units: 60,
    ...over,
  };
}

function amountOf(defs: BillingDiscount[], items: DiscountItem[], fees = [] as { amount: string; date: string }[], c = ctx): string[] {
  return billingDiscounts(defs, items, fees, c).map((d) => d.precise.toFixed());
}

const STEPS_0_100_200 = [
  { threshold: '0', percentage: '0' },
  { threshold: '100', percentage: '5' },
  { threshold: '200', percentage: '10' },
];

describe('steps and thresholds (DOMAIN.md "Discounts")', () => {
  it.each([
    // model, spend, discount
    ['tiered', '250', '10'], // 0 + 5 + 5
    ['volume', '250', '25'], // 10% of 250
    ['tiered', '100', '0'],
    ['volume', '100', '5'],
    ['tiered', '150', '2.5'],
    ['volume', '199.99', '9.9995'],
    ['volume', '99.99', '0'],
  ] as const)('%s steps 0-100: 0%%, 100-200: 5%%, 200+: 10%%, spend %s -> %s', (model, spend, expected) => {
    const d = discounts({ id: 'd', kind: 'steps', model, basis: 'spend', steps: STEPS_0_100_200 });
    const [a, b] = [dec(spend).times(0.4).toFixed(), dec(spend).times(0.6).toFixed()];
    expect(amountOf(d, [item({ amount: a }), item({ amount: b })])).toEqual(expected === '0' ? [] : [expected]);
  });

  it('5% if the month’s spend reaches 15', () => {
    const d = discounts({ id: 'spend15', kind: 'steps', basis: 'spend', steps: [{ threshold: '15', percentage: '5' }] });
    expect(amountOf(d, [item({ amount: '14.99' })])).toEqual([]);
    expect(amountOf(d, [item({ amount: '10.00' }), item({ amount: '6.00' })])).toEqual(['0.8']);
  });

  it('10% after 100 minutes, 20% after 200 minutes: graduated over the minutes, in call order', () => {
    const d = discounts({ id: 'm', kind: 'steps', model: 'tiered', basis: 'minutes', steps: [{ threshold: '100', percentage: '10' }, { threshold: '200', percentage: '20' }] });
    // Three calls of 90 minutes at 9.00 each: minutes 0-90 (0%), 90-180 (10 of them at 0%, 80 at 10%), 180-270 (20 at 10%, 70 at 20%).
    const calls = [0, 1, 2].map(() => item({ units: 5400, amount: '9.00' }));
    // 9 x 80/90 x 10% = 0.8; 9 x 20/90 x 10% = 0.2; 9 x 70/90 x 20% = 1.4 -> 2.4
    expect(amountOf(d, calls)).toEqual(['2.4']);
    const volume = discounts({ id: 'm', kind: 'steps', model: 'volume', basis: 'minutes', steps: [{ threshold: '100', percentage: '10' }, { threshold: '200', percentage: '20' }] });
    expect(amountOf(volume, calls)).toEqual(['5.4']); // 270 minutes reach 20%: 27.00 x 20%
  });

  it('an amount step grants its amount (tiered: every step reached, volume: the highest)', () => {
    const steps = [{ threshold: '10', amount: '1.00' }, { threshold: '20', amount: '3.00' }];
    const calls = Array.from({ length: 25 }, () => item({ amount: '0.50' }));
    expect(amountOf(discounts({ id: 't', kind: 'steps', model: 'tiered', basis: 'calls', steps }), calls)).toEqual(['4']);
    expect(amountOf(discounts({ id: 'v', kind: 'steps', model: 'volume', basis: 'calls', steps }), calls)).toEqual(['3']);
  });

  it('never gives more than the charges in scope', () => {
    const d = discounts({ id: 'big', kind: 'steps', basis: 'calls', scope: { services: ['sms'] }, steps: [{ threshold: '1', amount: '50.00' }] });
    expect(amountOf(d, [item({ service: 'sms', units: 1, amount: '0.06' }), item({ amount: '5.00' })])).toEqual(['0.06']);
  });

  it('counts a threshold per discount period (weekly here), each period on its own', () => {
    const d = discounts({ id: 'w', kind: 'steps', basis: 'spend', period: { unit: 'week', count: 1 }, steps: [{ threshold: '10', percentage: '10' }] });
    // Week 1 (1-7 Oct) spends 12 -> 1.2; week 2 spends 8 -> nothing.
    const items = [item({ date: '2026-10-02', amount: '12.00' }), item({ date: '2026-10-09', amount: '8.00' })];
    expect(amountOf(d, items)).toEqual(['1.2']);
    expect(discountWindows(oct, { unit: 'week', count: 1 }).length).toBe(5);
    expect(discountWindows(oct, { unit: 'month', count: 1 })).toEqual([{ from: oct.startDays, to: oct.endDays }]);
  });

  it('only counts usage inside the discount’s validity', () => {
    const d = discounts({ id: 'v', kind: 'steps', basis: 'spend', validFrom: '2026-10-10', validTo: '2026-10-20', steps: [{ threshold: '0', percentage: '50' }] });
    expect(amountOf(d, [item({ date: '2026-10-05', amount: '4.00' }), item({ date: '2026-10-15', amount: '2.00' }), item({ date: '2026-10-20', amount: '8.00' })])).toEqual(['1']);
  });
});

describe('cross-product, bonus, fixed and prorated discounts', () => {
  it('10 free SMS when mobile calls exceed 30 in the period', () => {
    const d = discounts({
      id: 'x',
      kind: 'cross_product',
      qualifying: { scope: { services: ['voice'], destinations: ['IT_MOBILE'] }, basis: 'calls', atLeast: '31' },
      target: { services: ['sms'] },
      grant: { freeUnits: '10' },
    });
    const sms = Array.from({ length: 12 }, () => item({ service: 'sms', destination: 'IT_MOBILE', units: 1, amount: '0.0600' }));
    const calls = (n: number) => Array.from({ length: n }, () => item({ destination: 'IT_MOBILE', amount: '0.10' }));
    expect(amountOf(d, [...calls(30), ...sms])).toEqual([]);
    expect(amountOf(d, [...calls(31), ...sms])).toEqual(['0.6']); // the first 10 SMS at 0.06
  });

  it('10 SMS free if more than 30 spent on mobile calls (spend basis)', () => {
    const d = discounts({ id: 'x', kind: 'cross_product', qualifying: { scope: { destinations: ['IT_MOBILE'], services: ['voice'] }, basis: 'spend', atLeast: '30.01' }, target: { services: ['sms'] }, grant: { freeUnits: '10' } });
    const sms = Array.from({ length: 5 }, () => item({ service: 'sms', units: 2, amount: '0.12' }));
    expect(amountOf(d, [item({ destination: 'IT_MOBILE', amount: '30.00' }), ...sms])).toEqual([]);
    expect(amountOf(d, [item({ destination: 'IT_MOBILE', amount: '30.01' }), ...sms])).toEqual(['0.6']);
  });

  it('10 of free calls for every 3 hours of international calls in the previous quarter', () => {
    const d = discounts({ id: 'b', kind: 'bonus', earn: { scope: { destinations: ['UK', 'US'] }, basis: 'minutes', per: '180', lookback: 'previous_quarter' }, grant: { amount: '10.00' } });
    const bonus = d[0] as Extract<BillingDiscount, { kind: 'bonus' }>;
    // 400 international minutes last quarter: two blocks of 180 -> 20.00 of free calls.
    const previous = [item({ destination: 'UK', units: 12000, amount: '8.00' }), item({ destination: 'US', units: 12000, amount: '4.00' }), item({ destination: 'IT', units: 60000, amount: '9.00' })];
    const earned = bonusBasisQuantity(bonus, previous);
    expect(earned).toBe('400');
    expect(amountOf(d, [item({ amount: '25.00' })], [], { ...ctx, bonusEarned: { b: earned } })).toEqual(['20']);
    // Never more than this cycle's calls.
    expect(amountOf(d, [item({ amount: '12.50' })], [], { ...ctx, bonusEarned: { b: earned } })).toEqual(['12.5']);
    expect(amountOf(d, [item({ amount: '25.00' })], [], { ...ctx, bonusEarned: { b: '179' } })).toEqual([]);
  });

  it('a fixed amount per discount period, prorated by days of service', () => {
    const d = discounts({ id: 'f', kind: 'fixed', amount: '5.00', period: { unit: 'week', count: 1 }, validTo: '2026-10-15' });
    // Weeks starting 1 and 8 October fall before validTo: 10.00.
    expect(amountOf(d, [item({ amount: '40.00' })])).toEqual(['10']);
    const monthly = discounts({ id: 'm', kind: 'fixed', amount: '31.00', prorate: true });
    // The line started on the 21st: 11 of 31 days.
    expect(amountOf(monthly, [item({ amount: '40.00' })], [], { ...ctx, serviceRanges: [{ from: '2026-10-21', to: null }] })).toEqual(['11']);
    expect(prorationFactor(monthly[0]!, { ...ctx, serviceRanges: [{ from: '2026-10-21', to: '2026-10-26' }] }).toFixed()).toBe(dec(5).dividedBy(31).toFixed());
  });

  it('discounts fees only when the scope says so', () => {
    const d = discounts({ id: 's', kind: 'steps', basis: 'spend', scope: { usage: false, fees: true }, steps: [{ threshold: '0', percentage: '10' }] });
    expect(amountOf(d, [item({ amount: '10.00' })], [{ amount: '29.00', date: '2026-10-01' }])).toEqual(['2.9']);
  });

  it('values free units as the first units in start order, splitting a call', () => {
    const items = [item({ units: 120, amount: '0.20' }), item({ units: 180, amount: '0.60' })];
    // 3 free minutes: all of the first call (2 min, 0.20) and 1 of 3 minutes of the second (0.20).
    expect(freeUnitsValue(items, dec(3)).toFixed()).toBe('0.4');
  });
});

describe('pre-itemisation re-prices each event', () => {
  it('volume: every event gets the step the period reached, rounded once per event', () => {
    const d = discounts({ id: 'p', kind: 'steps', preItemisation: true, basis: 'minutes', steps: [{ threshold: '2', percentage: '15' }] });
    const out = preItemise(d, [item({ units: 60, amount: '0.0333' }), item({ units: 60, amount: '0.0333' })], oct);
    // 0.0333 x 85% = 0.028305 -> 0.0283 per event (an invoice-level 15% of 0.0666 would give 0.05661).
    expect(out.map((i) => [i.amount, i.listAmount, i.discountId])).toEqual([
      ['0.0283', '0.0333', 'p'],
      ['0.0283', '0.0333', 'p'],
    ]);
    expect(billingDiscounts(d, out, [], ctx)).toEqual([]);
  });

  it('tiered: an event crossing a threshold is re-priced part by part; amount steps take so much per minute', () => {
    const d = discounts({ id: 'p', kind: 'steps', preItemisation: true, model: 'tiered', basis: 'minutes', steps: [{ threshold: '0', percentage: '0' }, { threshold: '1', amount: '0.01' }] });
    // 2 minutes at 0.10: the first minute at full price, the second 0.01 off -> 0.0900.
    expect(preItemise(d, [item({ units: 120, amount: '0.1000' })], oct).map((i) => i.amount)).toEqual(['0.0900']);
  });
});
