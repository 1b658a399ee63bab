import { describe, expect, it } from 'vitest';
import { catalogueVersionAt, parseCatalogue } from '../catalogue/index.js';
import type { LineProfile } from '../rating/types.js';
import { stateForAuthorization } from './buckets.js';
import { channelRefusal, grantRefusal, grantUnits, priceCall, standingRefusal, validitySeconds } from './grant.js';

const catalogue = parseCatalogue({
  catalogue: 'grant-test',
  versions: [
    {
      version: 'v1',
      effectiveFrom: '2026-01-01T00:00:00Z',
      destinations: [
        { id: 'IT', name: 'Italy', prefixes: ['39'] },
        { id: 'IT-MOB', name: 'Italy mobile', prefixes: ['393'] },
        { id: 'UK', name: 'United Kingdom', prefixes: ['44'] },
      ],
      defaults: { retailPriceList: 'retail', wholesalePriceList: 'wholesale' },
      priceLists: [
        {
          id: 'retail',
          kind: 'retail',
          currency: 'EUR',
          increments: { initial: 60, subsequent: 60 },
          rates: [
            { destination: 'IT', pricePerMinute: '0.1000' },
            { destination: 'IT-MOB', pricePerMinute: '0.1200', increments: { initial: 30, subsequent: 6 } },
            { destination: 'UK', pricePerMinute: '0.2000', connectFee: '0.5000', increments: { initial: 1, subsequent: 1 } },
            { destination: 'IT', service: 'sms', pricePerUnit: '0.0500' },
          ],
        },
        {
          id: 'wholesale',
          kind: 'wholesale',
          currency: 'EUR',
          rates: [
            { destination: 'IT', pricePerMinute: '0.0400' },
            { destination: 'IT-MOB', pricePerMinute: '0.0500' },
            { destination: 'UK', pricePerMinute: '0.1000' },
            { destination: 'IT', service: 'sms', pricePerUnit: '0.0200' },
          ],
        },
      ],
      offers: [
        { id: 'payg', kind: 'payg', channels: { count: 4 } },
        // Seed 000: FLAT Business, 10 minutes to Italian mobiles included; beyond them refused (overage off).
        { id: 'flat-strict', kind: 'flat', baskets: [{ id: 'mob10', destinations: ['IT-MOB'], allowance: 10 }], overage: { enabled: false, target: null }, channels: { count: 1, fixed: true } },
        // Seed 001: the allowance, then overage at pay-as-you-go rates.
        { id: 'flat-overage', kind: 'flat', baskets: [{ id: 'mob10', destinations: ['IT-MOB'], allowance: 10 }], overage: { enabled: true, target: 'azure-1' }, channels: { count: 2 } },
      ],
    },
  ],
});
const version = catalogueVersionAt(catalogue, '2026-10-05T10:00:00+02:00')!;
const line = (offerId: string): LineProfile => ({ offerId, partnerId: null, timeZone: 'Europe/Rome', countryCode: '39', subscriptionStart: '2026-01-01', cycleAnchorDay: 1 });
const call = (calledNumber: string, service: 'voice' | 'sms' = 'voice') => ({
  source: 'sw1',
  recordId: 'r1',
  accountId: 'A',
  lineId: 'L',
  service,
  direction: 'outbound' as const,
  callingNumber: '390611110001',
  calledNumber,
  startTime: '2026-10-05T10:00:00+02:00',
});

function probeFor(offerId: string, calledNumber: string, held: Record<string, number> = {}, service: 'voice' | 'sms' = 'voice') {
  const profile = line(offerId);
  const state = stateForAuthorization(version, profile, '2026-10-05T10:00:00+02:00', null, held);
  const priced = priceCall(call(calledNumber, service), { version, line: profile, state });
  if (!priced.ok) throw new Error(priced.refusal.message);
  return priced.probe;
}

describe('grantUnits over the rating engine', () => {
  const cases: { name: string; offer: string; to: string; from?: number; requested: number; budget: string; held?: Record<string, number>; granted: number; reserved: string | null; limitedBy: string }[] = [
    { name: 'pay-as-you-go, credit for the whole request', offer: 'payg', to: '390655512345', requested: 300, budget: '10', granted: 300, reserved: '0.5000', limitedBy: 'requested' },
    // 0.25 buys two started minutes at 60/60: 120 s (121 s would bill 180 s = 0.30).
    { name: 'credit for part of it: whole increments only', offer: 'payg', to: '390655512345', requested: 300, budget: '0.25', granted: 120, reserved: '0.2000', limitedBy: 'credit' },
    { name: 'credit exactly for one increment', offer: 'payg', to: '390655512345', requested: 300, budget: '0.10', granted: 60, reserved: '0.1000', limitedBy: 'credit' },
    { name: 'not enough for the first increment', offer: 'payg', to: '390655512345', requested: 300, budget: '0.09', granted: 0, reserved: null, limitedBy: 'credit' },
    { name: 'a connect fee counts against the first unit', offer: 'payg', to: '442071234567', requested: 60, budget: '0.50', granted: 0, reserved: null, limitedBy: 'credit' },
    // 0.50 connect fee + 0.20/min per second: 0.60 buys 30 s.
    { name: 'connect fee then per-second credit', offer: 'payg', to: '442071234567', requested: 60, budget: '0.60', granted: 30, reserved: '0.6000', limitedBy: 'credit' },
    { name: 'an update never re-grants what was used', offer: 'payg', to: '390655512345', from: 120, requested: 120, budget: '0.35', granted: 60, reserved: '0.3000', limitedBy: 'credit' },
    // DOMAIN.md: 10 min left in a bucket at 30/6; beyond 600 s overage is refused, so 600 s is the limit.
    { name: 'seed 000: inside the allowance with overage off, up to what is left', offer: 'flat-strict', to: '393471234567', requested: 900, budget: '0', granted: 600, reserved: '0.0000', limitedBy: 'allowance' },
    { name: 'allowance held by the line’s other calls is not granted twice', offer: 'flat-strict', to: '393471234567', requested: 900, budget: '0', held: { mob10: 480 }, granted: 120, reserved: '0.0000', limitedBy: 'allowance' },
    { name: 'allowance used up, overage off: refused', offer: 'flat-strict', to: '393471234567', requested: 60, budget: '100', held: { mob10: 600 }, granted: 0, reserved: null, limitedBy: 'allowance' },
    { name: 'destinations outside the baskets are pay-as-you-go', offer: 'flat-strict', to: '390655512345', requested: 60, budget: '1', granted: 60, reserved: '0.1000', limitedBy: 'requested' },
    // Overage on: 600 s from the bucket, then 0.12/min; 0.012 buys 6 s of overage at 30/6 -> 606 s.
    { name: 'seed 001: beyond the allowance, overage at pay-as-you-go rates', offer: 'flat-overage', to: '393471234567', requested: 900, budget: '0.012', granted: 606, reserved: '0.0120', limitedBy: 'credit' },
    { name: 'overage credit short of one increment: the allowance only', offer: 'flat-overage', to: '393471234567', requested: 900, budget: '0.011', granted: 600, reserved: '0.0000', limitedBy: 'credit' },
    { name: 'free inside the bucket even with no credit left', offer: 'flat-overage', to: '393471234567', requested: 300, budget: '-3', granted: 300, reserved: '0.0000', limitedBy: 'requested' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const g = grantUnits({ from: c.from ?? 0, requested: c.requested, budget: c.budget, probe: probeFor(c.offer, c.to, c.held) });
      expect(g.grantedUnits).toBe(c.granted);
      expect(g.totalUnits).toBe((c.from ?? 0) + c.granted);
      expect(g.probe?.amount ?? null).toBe(c.reserved);
      expect(g.limitedBy).toBe(c.limitedBy);
    });
  }

  it('prices a one-shot SMS event as rating will', () => {
    const g = grantUnits({ from: 0, requested: 3, budget: '1', probe: probeFor('payg', '390655512345', {}, 'sms') });
    expect(g).toMatchObject({ grantedUnits: 3, limitedBy: 'requested' });
    expect(g.probe?.amount).toBe('0.1500');
  });

  it('refuses with the rating code when the destination cannot be rated', () => {
    const profile = line('payg');
    const priced = priceCall(call('9991234'), { version, line: profile, state: null });
    expect(priced.ok).toBe(false);
    if (!priced.ok) expect(priced.refusal.code).toBe('unknown_destination');
  });

  it('prices every total exactly as rating does, whichever total it rates first, and rarely rates twice', () => {
    const profile = line('flat-strict');
    const state = stateForAuthorization(version, profile, '2026-10-05T10:00:00+02:00', null, { mob10: 300 });
    const ctx = { version, line: profile, state };
    for (const to of ['390655512345', '393471234567', '442071234567']) {
      const reference = priceCall(call(to), ctx);
      for (const likely of [1, 60, 600, 10_000_000_000]) {
        const priced = priceCall(call(to), ctx, likely);
        expect(priced.ok).toBe(reference.ok);
        if (!priced.ok || !reference.ok) continue;
        for (const n of [1, 59, 60, 61, 299, 300, 301, 600, likely]) {
          const [a, b] = [priced.probe(n), reference.probe(n)];
          expect([a.amount, a.deniedUnits, a.charge]).toStrictEqual([b.amount, b.deniedUnits, b.charge]);
        }
      }
    }
    expect(priceCall(call('9991234'), ctx, 60)).toMatchObject({ ok: false, refusal: { code: 'unknown_destination' } });
    // A request that fits is decided on one price; one that does not is narrowed down.
    const counted = (probe: (n: number) => { amount: string; deniedUnits: number }) => {
      const asked: number[] = [];
      return { asked, probe: (n: number) => (asked.push(n), probe(n)) };
    };
    const fitting = counted(probeFor('payg', '390655512345'));
    expect(grantUnits({ from: 0, requested: 60, budget: '10', probe: fitting.probe })).toMatchObject({ grantedUnits: 60, limitedBy: 'requested' });
    expect(fitting.asked).toEqual([60]);
    const short = counted(probeFor('payg', '390655512345'));
    expect(grantUnits({ from: 0, requested: 600, budget: '0.25', probe: short.probe })).toMatchObject({ grantedUnits: 120, limitedBy: 'credit' });
    expect(short.asked.length).toBeGreaterThan(2);
  });

  it('never grants a price above the budget, whatever the budget (property over many budgets)', () => {
    const probe = probeFor('payg', '442071234567');
    for (let cents = 0; cents <= 300; cents += 7) {
      const budget = (cents / 100).toFixed(2);
      const g = grantUnits({ from: 0, requested: 600, budget, probe });
      if (g.probe) expect(Number(g.probe.amount) <= Number(budget)).toBe(true);
      if (g.grantedUnits < 600 && g.grantedUnits > 0) expect(Number(probe(g.totalUnits + 1).amount) > Number(budget)).toBe(true);
    }
  });
});

describe('refusals', () => {
  const cases: { name: string; refusal: { code: string } | null; code: string | null }[] = [
    { name: 'suspended by dunning', refusal: standingRefusal('suspended', 'unpaid invoice'), code: 'account_suspended' },
    { name: 'terminated by dunning', refusal: standingRefusal('terminated'), code: 'account_terminated' },
    { name: 'in good standing', refusal: standingRefusal('active'), code: null },
    // Seed 004: the package's channel count caps concurrent calls.
    { name: 'channels all in use', refusal: channelRefusal(4, 4), code: 'channel_limit_reached' },
    { name: 'a channel free', refusal: channelRefusal(3, 4), code: null },
    { name: 'credit missing on plain prepaid', refusal: grantRefusal('credit', 'no_credit'), code: 'no_credit' },
    { name: 'credit limit reached', refusal: grantRefusal('credit', 'credit_limit_reached'), code: 'credit_limit_reached' },
    { name: 'allowance exhausted with overage off', refusal: grantRefusal('allowance', 'no_credit'), code: 'allowance_exhausted' },
  ];
  for (const c of cases) it(c.name, () => expect(c.refusal?.code ?? null).toBe(c.code));

  it('holds a voice reservation for its seconds plus the grace; other units for the longest grant plus the grace', () => {
    expect(validitySeconds('voice', 120, { graceSeconds: 30, maxGrantSeconds: 600 })).toBe(150);
    expect(validitySeconds('fax', 3, { graceSeconds: 30, maxGrantSeconds: 600 })).toBe(630);
  });
});
