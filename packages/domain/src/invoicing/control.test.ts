import { describe, expect, it } from 'vitest';
import { BillingConfigError, discountsFor, dunningPolicyFor, EMPTY_BILLING_CONFIG, parseBillingConfig } from './config.js';
import { applyCostCap } from './cost-cap.js';
import { accountStanding, dunningStepsDue } from './dunning.js';
import { applyFreeCredit, proratedFreeCredit } from './free-credit.js';
import { billedLines, correctionNote, manualNote } from './notes.js';
import { checkFixedPricePerCall, checkFlatProfitability, followUpDue, roundDownToTen } from './profitability.js';
import { DEFAULT_TEMPLATES, renderTemplate, TemplateError, type OfferVariables } from './templates.js';
import type { InvoiceLine } from './build.js';

describe('flat profitability (DOMAIN.md "Profitability control")', () => {
  it.each([
    // P, r, t%, m, m x r, exceeded, offer
    ['100', '0.05', '10', '3130', '156.5', true, '150'],
    ['100', '0.05', '10', '2200', '110', false, null], // exactly P x (1 + t): no task
    ['100', '0.05', '10', '2201', '110.05', true, '110'],
    ['100', '0.05', '0', '2001', '100.05', true, '100'],
    ['49', '0.02', '20', '5000', '100', true, '100'],
  ] as const)('P=%s r=%s t=%s%% m=%s: m x r = %s', (P, r, t, m, value, exceeded, offer) => {
    const c = checkFlatProfitability({ flatPrice: P, referencePricePerMinute: r, tolerancePercent: t, minutes: m });
    expect([c.valueAtReference, c.exceeded, c.proposedPrice]).toEqual([value, exceeded, offer]);
  });

  it('rounds a new flat down to a multiple of ten, in the customer’s favour', () => {
    expect(['156.5', '150', '159.99', '9.99', '10'].map((v) => roundDownToTen(v).toFixed())).toEqual(['150', '150', '150', '0', '10']);
  });
});

describe('fixed price per handled call', () => {
  it.each([
    // F, r, t, n calls, m minutes, m/n x r, exceeded, new price
    ['0.50', '0.05', '10', 100, '1200', '0.6', true, '0.6'],
    ['0.50', '0.05', '10', 100, '1100', '0.55', false, null],
    ['0.50', '0.05', '10', 300, '3500', '0.58333333333333333333333333333333333333333333333333333333333', true, '0.58'],
    ['0.50', '0.05', '10', 0, '0', '0', false, null],
  ] as const)('F=%s r=%s t=%s%% n=%i m=%s', (F, r, t, calls, m, value, exceeded, offer) => {
    const c = checkFixedPricePerCall({ pricePerCall: F, referencePricePerMinute: r, tolerancePercent: t, calls, minutes: m, currency: 'EUR' });
    expect([c.valueAtReference.slice(0, 30), c.exceeded, c.proposedPrice]).toEqual([value.slice(0, 30), exceeded, offer]);
  });
});

describe('cost caps, categories 1..7', () => {
  it.each([
    // category, cap, tolerance, flagged, capped, task, proposal
    [1, '20', '10', '19.99', false, false, null],
    [1, '20', '10', '20.00', false, false, null],
    [1, '20', '10', '21.50', true, false, null],
    [1, '20', '10', '22.00', true, false, null],
    [1, '20', '10', '22.01', true, true, { category: 2 }],
    [6, '200', '5', '300', true, true, { category: 7 }],
    [7, '400', '5', '500', true, true, 'per_minute'],
  ] as const)('category %i cap %s tolerance %s%%: flagged %s', (category, cap, tolerancePercent, flaggedTotal, capped, task, proposal) => {
    expect(applyCostCap({ category, cap, tolerancePercent, flaggedTotal })).toMatchObject({ capped, exceededTolerance: task, proposal });
  });
});

describe('offers and follow-ups', () => {
  const vars: OfferVariables = {
    greeting: 'Dear Ms Rossi',
    tolerancePercent: '10',
    currentPrice: '100.00',
    month: '2026-10',
    minutes: '3130',
    calls: '412',
    referencePrice: '0.05',
    newPrice: '150.00',
    offerDate: '2026-11-02',
    currentCategory: '3',
    proposedCategory: '4',
  };

  it('fills the numbered placeholders of the flat offer in the seed’s order', () => {
    expect(renderTemplate('flat', 'offer', '{5}: {0}/month; in {1} {2} min at {3} -> {4}', vars)).toBe('Dear Ms Rossi: 100.00/month; in 2026-10 3130 min at 0.05 -> 150.00');
    expect(renderTemplate('flat', 'followUp', '{6}, our e-mail of {5} offered {4}', vars)).toBe('Dear Ms Rossi, our e-mail of 2026-11-02 offered 150.00');
    expect(renderTemplate('fixedPricePerCall', 'offer', '{6}: {3} min / {2} calls x {4} = {5} instead of {0} ({1})', vars)).toBe('Dear Ms Rossi: 3130 min / 412 calls x 0.05 = 150.00 instead of 100.00 (2026-10)');
    expect(renderTemplate('costCap', 'offer', '{1}, exceeded by more than {0}%', vars)).toBe('Dear Ms Rossi, exceeded by more than 10%');
    expect(renderTemplate('costCap', 'followUp', '{2}, no answer to {1} ({0}%)', vars)).toBe('Dear Ms Rossi, no answer to 2026-11-02 (10%)');
  });

  it('has built-in texts that use every number of their kind and no other', () => {
    const text = renderTemplate('flat', 'followUp', DEFAULT_TEMPLATES.flat.followUp, vars);
    expect(text).toContain('Dear Ms Rossi,');
    expect(text).toContain('our e-mail of 2026-11-02');
    expect(text).toContain('flat price of 100.00 per month');
    expect(text).toContain('a total duration of 3130 minutes');
    expect(text).not.toMatch(/\{\d+\}/);
    for (const kind of ['costCap', 'flat', 'fixedPricePerCall'] as const) for (const use of ['offer', 'followUp'] as const) expect(renderTemplate(kind, use, DEFAULT_TEMPLATES[kind][use], vars)).not.toMatch(/\{\d+\}/);
  });

  it('refuses a placeholder its kind does not have', () => {
    expect(() => renderTemplate('costCap', 'offer', 'Hello {4}', vars)).toThrow(TemplateError);
  });

  it('opens a follow-up 7 days after an unanswered offer', () => {
    expect(followUpDue({ sentOn: '2026-11-02', asOf: '2026-11-08', answered: false })).toBe(false);
    expect(followUpDue({ sentOn: '2026-11-02', asOf: '2026-11-09', answered: false })).toBe(true);
    expect(followUpDue({ sentOn: '2026-11-02', asOf: '2026-11-20', answered: true })).toBe(false);
  });
});

describe('dunning', () => {
  const policy = { reminderDaysBeforeDue: [7, 3], suspendAfterDays: 14, terminateAfterDays: 30 };
  it.each([
    // asOf, steps (due 2026-11-15)
    ['2026-11-01', []],
    ['2026-11-08', ['reminder:7']],
    ['2026-11-12', ['reminder:3']],
    ['2026-11-15', []],
    ['2026-11-16', ['overdue']],
    ['2026-11-29', ['overdue', 'suspend']],
    ['2026-12-15', ['overdue', 'suspend', 'terminate']],
  ] as const)('on %s', (asOf, keys) => {
    expect(dunningStepsDue({ dueDate: '2026-11-15', asOf, amountDue: '10.00', policy }).map((s) => s.key)).toEqual(keys);
  });

  it('does nothing for a paid invoice and unblocks a suspended account once paid; terminated stays', () => {
    expect(dunningStepsDue({ dueDate: '2026-11-15', asOf: '2026-12-15', amountDue: '0', policy })).toEqual([]);
    const unpaid = [{ dueDate: '2026-11-15', amountDue: '10.00' }];
    expect(accountStanding({ current: 'active', invoices: unpaid, asOf: '2026-11-29', policy })).toBe('suspended');
    expect(accountStanding({ current: 'suspended', invoices: [{ dueDate: '2026-11-15', amountDue: '0.00' }], asOf: '2026-11-30', policy })).toBe('active');
    expect(accountStanding({ current: 'active', invoices: unpaid, asOf: '2026-12-15', policy })).toBe('terminated');
    expect(accountStanding({ current: 'terminated', invoices: [], asOf: '2026-12-16', policy })).toBe('terminated');
  });
});

describe('free credit of a package', () => {
  it('uses reset credit first, carries kept credit, lapses reset credit', () => {
    expect(applyFreeCredit({ grants: [{ offerId: 'a', amount: '5', renewal: 'reset' }, { offerId: 'b', amount: '3', renewal: 'keep' }], carriedIn: '1', charges: '6' })).toEqual({ granted: '8', carriedIn: '1', used: '6', carriedOut: '3', lapsed: '0' });
    expect(applyFreeCredit({ grants: [{ offerId: 'a', amount: '5', renewal: 'reset' }], carriedIn: '0', charges: '2' })).toMatchObject({ used: '2', carriedOut: '0', lapsed: '3' });
    expect(applyFreeCredit({ grants: [{ offerId: 'b', amount: '5', renewal: 'keep' }], carriedIn: '0', charges: '2' })).toMatchObject({ used: '2', carriedOut: '3', lapsed: '0' });
  });
  it('prorates a grant by days and rounds down', () => {
    expect(proratedFreeCredit('10.00', 12, 31, 'EUR').toFixed()).toBe('3.87'); // 3.8709...
  });
});

describe('correction notes', () => {
  const line = (description: string, amount: string, kind: InvoiceLine['kind'] = 'usage'): InvoiceLine => ({ kind, description, quantity: '1', unit: 'min', unitPrice: amount, precise: amount, amount });
  it('a credit note holds the lines that went down; a debit note the ones that went up; nothing when equal', () => {
    const issued = [line('voice IT', '10.00'), line('sms IT', '1.00'), line('tax 22%', '2.42', 'tax')];
    expect(correctionNote(issued, issued, 'EUR')).toBeNull();
    const credit = correctionNote(issued, [line('voice IT', '8.00'), line('sms IT', '1.00'), line('tax 22%', '1.98', 'tax')], 'EUR')!;
    expect(credit).toMatchObject({ kind: 'credit', net: '-2.00', tax: '-0.44', total: '-2.44' });
    expect(credit.lines.map((l) => [l.description, l.amount])).toEqual([['voice IT', '-2.00'], ['tax 22%', '-0.44']]);
    const billed = billedLines(issued, [credit.lines]);
    const debit = correctionNote(billed, [line('voice IT', '9.00'), line('sms IT', '1.00'), line('tax 22%', '2.20', 'tax')], 'EUR')!;
    expect(debit).toMatchObject({ kind: 'debit', total: '1.22' });
  });
  it('a hand-written note is taxed at the invoice’s rate', () => {
    expect(manualNote({ lines: [{ description: 'goodwill', amount: '-5.00' }], taxRate: '0.22', currency: 'EUR' })).toMatchObject({ kind: 'credit', net: '-5.00', tax: '-1.10', total: '-6.10' });
  });
});

describe('the billing document', () => {
  it('fills defaults and resolves a customer’s discounts and dunning policy', () => {
    const c = parseBillingConfig({
      discounts: [{ id: 'a', kind: 'fixed', amount: '1' }, { id: 'b', kind: 'fixed', amount: '2' }],
      offers: [{ offerId: 'flat', discounts: ['a'] }],
      customers: [{ accountId: 'ACC', discounts: ['b', 'a'], dunning: { suspendAfterDays: 3 } }],
    });
    expect(discountsFor(c, 'ACC', ['flat']).map((d) => d.id)).toEqual(['a', 'b']);
    expect(discountsFor(c, 'OTHER', ['payg'])).toEqual([]);
    expect(dunningPolicyFor(c, 'ACC')).toEqual({ reminderDaysBeforeDue: [3], suspendAfterDays: 3, terminateAfterDays: 60 });
    expect(EMPTY_BILLING_CONFIG.profitability).toEqual({ tolerancePercent: '10', followUpAfterDays: 7 });
  });

  it('names every problem with its path', () => {
    try {
      parseBillingConfig({
        discounts: [
          { id: 'a', kind: 'steps', basis: 'spend', steps: [{ threshold: '10', percentage: '5', amount: '1' }] },
          { id: 'b', kind: 'steps', basis: 'spend', steps: [{ threshold: '10', percentage: '5' }, { threshold: '5', percentage: '10' }] },
        ],
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(BillingConfigError);
      expect((err as BillingConfigError).issues).toEqual([{ path: 'discounts[0].steps[0]', message: 'a step is either a percentage or an amount, never both and never neither' }]);
    }
    try {
      parseBillingConfig({
        discounts: [{ id: 'b', kind: 'steps', basis: 'spend', steps: [{ threshold: '10', percentage: '5' }, { threshold: '5', percentage: '10' }] }],
        costCaps: { categories: [{ category: 1, cap: '20' }] },
        customers: [{ accountId: 'X', discounts: ['nope'], costCap: { category: 2 } }],
        templates: { flat: { offer: '{5} {6}', followUp: '{6}' } },
      });
      expect.unreachable();
    } catch (err) {
      expect((err as BillingConfigError).issues.map((i) => i.path)).toEqual(['discounts[0].steps[1].threshold', 'customers[0].discounts[0]', 'customers[0].costCap.category', 'templates.flat.offer']);
    }
  });
});
