import type { InvoiceLine } from '@rcp/domain';
import type { InvoiceRow } from '../invoices/issue.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const TITLE: Record<InvoiceRow['kind'], string> = { invoice: 'Invoice', partner_invoice: 'Partner invoice', credit_note: 'Credit note', debit_note: 'Debit note' };

/** A readable, self-contained HTML rendering of an invoice or note (print-friendly, no scripts). */
export function invoiceHtml(inv: InvoiceRow, extra: { customerName?: string; notes: InvoiceRow[]; payments: { paymentId: string; amount: string; paidAt: string }[]; amountDue: string }): string {
  const row = (l: InvoiceLine) =>
    `<tr class="${esc(l.kind)}"><td>${esc(l.description)}</td><td class="n">${esc(l.quantity)}</td><td>${esc(l.unit)}</td><td class="n">${esc(l.unitPrice)}</td><td class="n">${esc(l.amount)}</td></tr>`;
  const body = inv.lines.filter((l) => l.kind !== 'tax' && l.kind !== 'tax_discount').map(row).join('\n');
  const taxes = inv.lines.filter((l) => l.kind === 'tax' || l.kind === 'tax_discount').map(row).join('\n');
  const title = `${TITLE[inv.kind]} ${inv.invoice_number ?? '(draft)'}`;
  const notes = extra.notes.length
    ? `<h2>Corrections</h2><table><tr><th>Note</th><th>Issued</th><th>Reason</th><th class="n">Total</th></tr>${extra.notes
        .map((n) => `<tr><td>${esc(`${TITLE[n.kind]} ${n.invoice_number ?? ''}`)}</td><td>${esc(n.issue_date ?? '')}</td><td>${esc(n.reason ?? '')}</td><td class="n">${esc(n.total)}</td></tr>`)
        .join('')}</table>`
    : '';
  const payments = extra.payments.length
    ? `<h2>Payments</h2><table>${extra.payments.map((p) => `<tr><td>${esc(p.paymentId)}</td><td>${esc(p.paidAt)}</td><td class="n">${esc(p.amount)}</td></tr>`).join('')}</table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%;margin:1rem 0}
td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}
tr.discount td,tr.credit td,tr.tax_discount td{color:#2a7a2a}tfoot td{font-weight:bold}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
</style></head><body>
<h1>${esc(title)}</h1>
<dl>
<dt>Issuer</dt><dd>${esc(inv.issuer)}</dd>
<dt>${inv.kind === 'partner_invoice' ? 'Partner' : 'Customer'}</dt><dd>${esc(extra.customerName ? `${extra.customerName} (${inv.account_id})` : inv.account_id)}</dd>
<dt>Period</dt><dd>${esc(inv.period_start)} to ${esc(inv.period_end)} (exclusive)</dd>
<dt>Issued</dt><dd>${esc(inv.issue_date ?? 'not yet')}</dd>
<dt>Due</dt><dd>${esc(inv.due_date ?? '-')}</dd>
<dt>Status</dt><dd>${esc(inv.status)}</dd>
</dl>
<table><thead><tr><th>Description</th><th class="n">Quantity</th><th>Unit</th><th class="n">Unit price</th><th class="n">Amount ${esc(inv.currency)}</th></tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><td colspan="4">Net</td><td class="n">${esc(inv.net)}</td></tr></tfoot></table>
<table><tbody>
${taxes}
</tbody>
<tfoot><tr><td colspan="4">Tax</td><td class="n">${esc(inv.tax)}</td></tr><tr><td colspan="4">Total ${esc(inv.currency)}</td><td class="n">${esc(inv.total)}</td></tr>
<tr><td colspan="4">Still to pay</td><td class="n">${esc(extra.amountDue)}</td></tr></tfoot></table>
${notes}
${payments}
</body></html>
`;
}
