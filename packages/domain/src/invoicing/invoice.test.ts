import { describe, expect, it } from 'vitest';
import { buildUsageInvoice } from './invoice.js';

describe('buildUsageInvoice', () => {
  it('sums rounded event amounts per line, rounds the line to cents, and taxes the rounded net', () => {
    const draft = buildUsageInvoice({
      currency: 'EUR',
      taxRate: '0.22',
      usage: [
        { service: 'voice', destination: 'Italy mobile', units: 120, amount: '0.0250' },
        { service: 'voice', destination: 'Italy mobile', units: 66, amount: '0.0138' },
        { service: 'voice', destination: 'UK', units: 720, amount: '0.1200' },
      ],
    });
    const mobile = draft.lines.find((l) => l.description === 'voice Italy mobile')!;
    expect(mobile.precise).toBe('0.0388');
    expect(mobile.amount).toBe('0.04');
    expect(mobile.quantity).toBe('3.1');
    expect(draft.net).toBe('0.16');
    // 0.16 x 22% = 0.0352 -> 0.04
    expect(draft.tax).toBe('0.04');
    expect(draft.total).toBe('0.20');
  });

  it('gives an exempt customer no tax', () => {
    const draft = buildUsageInvoice({ currency: 'EUR', taxRate: '0', usage: [{ service: 'sms', destination: 'Italy', units: 3, amount: '0.3000' }] });
    expect(draft.tax).toBe('0.00');
    expect(draft.total).toBe('0.30');
  });
});
