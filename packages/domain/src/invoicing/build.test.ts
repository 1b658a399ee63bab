import { describe, expect, it } from 'vitest';
import { parseBillingConfig } from './config.js';
import { billingCycleContaining } from './cycle.js';
import { buildCustomerInvoice, buildPartnerInvoice, type CustomerInvoiceInput } from './build.js';
import type { FeeCharge } from './fees.js';
import { splitRatedUsage, type UsageEvent } from './usage.js';

const oct = billingCycleContaining('2026-10-01', 'monthly', 1);
let n = 0;
function ev(over: Partial<UsageEvent> & { retail: string }): UsageEvent {
  n += 1;
  return {
    ratedId: `sw/${n}`,
    lineId: 'L1',
    service: 'voice',
    destination: 'IT',
    startTime: `2026-10-05T10:${String(n % 60).padStart(2, '0')}:00+02:00`,
    periodKey: '2026-10-01',
    units: 60,
    wholesale: '0.0000',
    pricing: 'payg',
    includedUnits: 0,
    overageUnits: 0,
    overageRetail: '0',
    overageWholesale: '0',
    ...over,
  };
}
const base = (over: Partial<CustomerInvoiceInput>): CustomerInvoiceInput => ({ currency: 'EUR', cycle: oct, timeZone: 'Europe/Rome', events: [], tax: { rate: '0.22' }, ...over });
const lines = (inv: { lines: readonly { kind: string; description: string; amount: string }[] }) => inv.lines.map((l) => [l.kind, l.description, l.amount]);

describe('the customer invoice', () => {
  it('sums rounded event amounts per line, rounds the line, taxes the rounded net (road test numbers)', () => {
    const inv = buildCustomerInvoice(base({ events: [ev({ retail: '0.2000', units: 120 }), ev({ retail: '0.1000' }), ev({ retail: '0.0000', units: 0 })], destinationName: () => 'Italy' }));
    expect(lines(inv)).toEqual([
      ['usage', 'voice Italy', '0.30'],
      ['tax', 'tax 22%', '0.07'],
    ]);
    expect([inv.net, inv.tax, inv.total]).toEqual(['0.30', '0.07', '0.37']);
    expect(inv.lines[0]).toMatchObject({ quantity: '3', unit: 'min', unitPrice: '0.1', precise: '0.3' });
  });

  it('splits bundle usage into included and overage lines and bills late usage as an adjustment naming its period', () => {
    const inv = buildCustomerInvoice(
      base({
        events: [
          ev({ retail: '0.0000', pricing: 'bundle', includedUnits: 600, units: 600 }),
          ev({ retail: '0.1360', pricing: 'bundle', includedUnits: 30, overageUnits: 96, units: 126, overageRetail: '0.1360' }),
        ],
        lateEvents: [ev({ retail: '0.5000', periodKey: '2026-09-01', startTime: '2026-09-30T10:00:00+02:00' })],
      }),
    );
    expect(lines(inv)).toEqual([
      ['usage', 'voice IT (included)', '0.00'],
      ['usage', 'voice IT (overage)', '0.14'],
      ['adjustment', 'late usage of period 2026-09-01: voice IT', '0.50'],
      ['tax', 'tax 22%', '0.14'], // 0.64 x 22% = 0.1408
    ]);
    expect(inv.lines[0]!.quantity).toBe('10.5');
    expect(inv.lines[2]).toMatchObject({ period: '2026-09-01' });
  });

  it('bills flagged items at the cap when they exceed it, and flags a task beyond cap + tolerance', () => {
    const costCap = { category: 3, cap: '50.00', tolerancePercent: '10', flagged: { services: ['voice' as const], usage: true, fees: false } };
    const within = buildCustomerInvoice(base({ events: [ev({ retail: '49.99' }), ev({ service: 'sms', units: 1, retail: '0.0600' })], costCap }));
    expect(within.costCap).toMatchObject({ capped: false, exceededTolerance: false, proposal: null });
    expect(within.net).toBe('50.05');

    const capped = buildCustomerInvoice(base({ events: [ev({ retail: '54.00' }), ev({ service: 'sms', units: 1, retail: '0.0600' })], costCap }));
    expect(lines(capped)).toEqual([
      ['usage', 'sms IT', '0.06'],
      ['usage', 'voice IT (cost cap)', '0.00'],
      ['cost_cap', 'cost cap category 3 (flagged items 54.00)', '50.00'],
      ['tax', 'tax 22%', '11.01'],
    ]);
    expect(capped.lines[1]).toMatchObject({ listAmount: '54.00' });
    expect(capped.costCap).toMatchObject({ capped: true, exceededTolerance: false });

    const beyond = buildCustomerInvoice(base({ events: [ev({ retail: '55.01' })], costCap }));
    expect(beyond.costCap).toMatchObject({ capped: true, exceededTolerance: true, proposal: { category: 4 } });
    expect(beyond.net).toBe('50.00');
    const top = buildCustomerInvoice(base({ events: [ev({ retail: '80.00' })], costCap: { ...costCap, category: 7 } }));
    expect(top.costCap?.proposal).toBe('per_minute');
  });

  it('carries fees, discounts, free credit and tax as their own lines', () => {
    const config = parseBillingConfig({
      discounts: [
        { id: 'spend', name: '5% over 15', kind: 'steps', basis: 'spend', steps: [{ threshold: '15', percentage: '5' }] },
        { id: 'vat-half', name: 'half VAT on fees', kind: 'tax', scope: { usage: false, fees: true }, percentage: '50' },
      ],
    });
    const fee: FeeCharge = { kind: 'recurring', lineId: 'L1', offerId: 'flat', offerName: 'FLAT', from: '2026-10-01', to: '2026-11-01', every: 'month', activeFrom: '2026-10-01', activeDays: 31, periodDays: 31, fullAmount: '29.00', precise: '29', amount: '29.00' };
    const inv = buildCustomerInvoice(
      base({
        events: [ev({ retail: '12.0000' }), ev({ retail: '8.0000' })],
        fees: [fee],
        discounts: config.discounts,
        freeCredit: { grants: [{ offerId: 'flat', amount: '5.00', renewal: 'keep' }], carriedIn: '2.50' },
      }),
    );
    expect(lines(inv)).toEqual([
      ['usage', 'voice IT', '20.00'],
      ['fee', 'Monthly fee FLAT, line L1, 2026-10-01 to 2026-11-01', '29.00'],
      ['discount', '5% over 15', '-1.00'],
      ['credit', 'free credit of the package', '-7.50'],
      ['tax', 'tax 22%', '8.91'], // net 40.50 x 22% = 8.91
      ['tax_discount', 'tax discount half VAT on fees', '-3.19'], // 29.00 x 22% x 50% = 3.19
    ]);
    expect([inv.net, inv.tax, inv.total]).toEqual(['40.50', '5.72', '46.22']);
    expect(inv.freeCredit).toEqual({ granted: '5', carriedIn: '2.5', used: '7.5', carriedOut: '0', lapsed: '0' });
  });

  it('gives an exempt customer a 0 tax line that names the exemption', () => {
    const inv = buildCustomerInvoice(base({ events: [ev({ retail: '0.3000' })], tax: { rate: '0.22', exemptReason: 'export outside the EU' } }));
    expect(lines(inv)).toEqual([
      ['usage', 'voice IT', '0.30'],
      ['tax', 'tax exempt: export outside the EU', '0.00'],
    ]);
    expect(inv.total).toBe('0.30');
  });
});

describe('the partner invoice', () => {
  it('bills wholesale amounts; overage lines carry no partner discount', () => {
    const inv = buildPartnerInvoice({
      currency: 'EUR',
      timeZone: 'Europe/Rome',
      events: [
        ev({ retail: '1.0000', wholesale: '0.4000' }),
        ev({ retail: '0.1360', wholesale: '0.1440', pricing: 'bundle', includedUnits: 30, overageUnits: 96, units: 126, overageRetail: '0.1360', overageWholesale: '0.1440' }),
        ev({ retail: '0.0000', wholesale: '0.0700', pricing: 'bundle', includedUnits: 600, units: 600 }),
      ],
      discountPercent: '10',
      taxRate: '0.22',
    });
    expect(lines(inv)).toEqual([
      ['usage', 'voice IT (included)', '0.07'],
      ['usage', 'voice IT (overage), no partner discount', '0.14'],
      ['usage', 'voice IT', '0.40'],
      ['discount', 'partner discount 10% (overage excluded)', '-0.05'], // 10% of 0.47
      ['tax', 'tax 22%', '0.12'],
    ]);
    expect(inv.total).toBe('0.68');
  });
});

describe('splitting a rated CDR', () => {
  it('puts the overage parts (and a connect fee at the start) on the overage share, the rest included', () => {
    const explanation = {
      connectFee: { retail: '0', wholesale: '0' },
      rate: { rounding: { precision: 4, mode: 'half_up' }, wholesaleRounding: { precision: 4, mode: 'half_up' } },
      cug: null,
      parts: [
        { units: 30, source: 'bucket', amount: '0', wholesaleAmount: '0.0035' },
        { units: 96, source: 'overage', amount: '0.136', wholesaleAmount: '0.144' },
      ],
    };
    expect(splitRatedUsage({ billedUnits: 126, retail: { amount: '0.1360' }, wholesale: { amount: '0.1475' }, explanation })).toEqual({
      pricing: 'bundle',
      includedUnits: 30,
      overageUnits: 96,
      overageRetail: '0.1360',
      overageWholesale: '0.1440',
    });
    expect(splitRatedUsage({ billedUnits: 60, retail: { amount: '0.1000' }, wholesale: { amount: '0.0400' }, explanation: { parts: [{ units: 60, source: 'payg' }] } }).pricing).toBe('payg');
    expect(splitRatedUsage({ billedUnits: 60, retail: { amount: '0' }, wholesale: { amount: '0' }, explanation: { cug: 'office', parts: [] } }).pricing).toBe('cug');
  });
});
