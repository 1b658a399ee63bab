import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.js';
import { invoiceHtml } from './html.js';
import type { InvoiceRow } from '../invoices/issue.js';

describe('CSV', () => {
  it('quotes fields with commas, quotes or line breaks, and ends lines with CRLF', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [1, null], ['line\nbreak', undefined]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n1,\r\n"line\nbreak",\r\n');
  });
});

describe('HTML invoice', () => {
  const inv: InvoiceRow = {
    invoice_id: 'i1',
    invoice_number: 'acme-2026-000001',
    issuer: 'acme',
    account_id: 'ACC<1>',
    period_key: '2026-10-01',
    kind: 'invoice',
    status: 'issued',
    currency: 'EUR',
    net: '0.30',
    tax: '0.07',
    total: '0.37',
    lines: [
      { kind: 'usage', description: 'voice <script>alert(1)</script>', quantity: '3', unit: 'min', unitPrice: '0.1', precise: '0.3', amount: '0.30' },
      { kind: 'tax', description: 'tax 22%', quantity: '0.30', unit: 'net', unitPrice: '0.22', precise: '0.066', amount: '0.07' },
    ],
    period_start: '2026-10-01',
    period_end: '2026-11-01',
    due_date: '2026-11-15',
    issue_date: '2026-11-01',
    issued_at: null,
    corrects_invoice_id: null,
    details: {},
    partner_id: 'acme',
    reason: null,
  };

  it('shows number, dates, lines and totals, and escapes what it shows', () => {
    const html = invoiceHtml(inv, { customerName: 'Rossi & Figli', notes: [], payments: [{ paymentId: 'p1', amount: '0.37', paidAt: '2026-11-10' }], amountDue: '0.00' });
    expect(html).toContain('<title>Invoice acme-2026-000001</title>');
    expect(html).toContain('Rossi &amp; Figli (ACC&lt;1&gt;)');
    expect(html).toContain('voice &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toMatch(/Total EUR<\/td><td class="n">0.37/);
    expect(html).toContain('2026-11-15');
  });
});
