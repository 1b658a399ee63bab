import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { addDays, type InvoiceLine } from '@rcp/domain';
import { enqueueInvoiceEvents, invoiceEvent } from '../events/invoice-events.js';

export type InvoiceKind = 'invoice' | 'partner_invoice' | 'credit_note' | 'debit_note';

export type InvoiceRow = {
  invoice_id: string;
  invoice_number: string | null;
  issuer: string;
  account_id: string;
  period_key: string;
  kind: InvoiceKind;
  status: 'draft' | 'issued' | 'paid';
  currency: string;
  net: string;
  tax: string;
  total: string;
  lines: InvoiceLine[];
  period_start: string;
  period_end: string;
  due_date: string | null;
  issue_date: string | null;
  issued_at: string | null;
  corrects_invoice_id: string | null;
  details: Record<string, unknown>;
  partner_id: string | null;
  reason: string | null;
};

export const INVOICE_COLUMNS = `invoice_id, invoice_number, issuer, account_id, period_key, kind, status, currency, net::text, tax::text, total::text, lines, period_start, period_end,
  due_date, issue_date, issued_at::text, corrects_invoice_id, details, partner_id, reason`;

export async function invoiceById(db: pg.Pool | pg.PoolClient, invoiceId: string, lock = false): Promise<InvoiceRow | undefined> {
  const { rows } = await db.query<InvoiceRow>(`select ${INVOICE_COLUMNS} from invoicing.invoices where invoice_id = $1${lock ? ' for update' : ''}`, [invoiceId]);
  return rows[0];
}

/** Inserts an invoice or note as a draft (no number yet). */
export async function insertDraft(
  client: pg.PoolClient,
  d: {
    issuer: string;
    accountId: string;
    periodKey: string;
    kind: InvoiceKind;
    currency: string;
    net: string;
    tax: string;
    total: string;
    lines: readonly InvoiceLine[];
    periodStart: string;
    periodEnd: string;
    details: Record<string, unknown>;
    partnerId?: string | null;
    correctsInvoiceId?: string;
    idempotencyKey?: string;
    reason?: string;
  },
): Promise<string> {
  const invoiceId = randomUUID();
  await client.query(
    `insert into invoicing.invoices (invoice_id, issuer, account_id, period_key, kind, status, currency, net, tax, total, lines, period_start, period_end, details, partner_id, corrects_invoice_id, idempotency_key, reason)
     values ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [invoiceId, d.issuer, d.accountId, d.periodKey, d.kind, d.currency, d.net, d.tax, d.total, JSON.stringify(d.lines), d.periodStart, d.periodEnd, JSON.stringify(d.details), d.partnerId ?? null, d.correctsInvoiceId ?? null, d.idempotencyKey ?? null, d.reason ?? null],
  );
  return invoiceId;
}

const SERIES: Record<InvoiceKind, { series: string; label: string }> = {
  invoice: { series: 'invoice', label: '' },
  partner_invoice: { series: 'invoice', label: '' },
  credit_note: { series: 'credit_note', label: 'CN-' },
  debit_note: { series: 'debit_note', label: 'DN-' },
};

/**
 * Issues a draft: takes the issuer's next number in this transaction (numbers have no gaps: a rolled back
 * transaction gives its number back), sets the issue and due dates, and queues the finance event.
 * Invoices are numbered per issuer and year of the billed period, notes per issuer and year of issue.
 */
export async function issueDraft(client: pg.PoolClient, invoiceId: string, opts: { issueDate: string; paymentTermDays: number; now?: Date }): Promise<InvoiceRow> {
  const row = await invoiceById(client, invoiceId, true);
  if (!row) throw new Error(`no invoice ${invoiceId}`);
  if (row.status !== 'draft') return row;
  const { series, label } = SERIES[row.kind];
  const year = Number((row.kind === 'invoice' || row.kind === 'partner_invoice' ? row.period_key : opts.issueDate).slice(0, 4));
  const seq = await client.query<{ n: number }>(
    `insert into invoicing.number_sequences (issuer, series, year, next) values ($1, $2, $3, 2)
     on conflict (issuer, series, year) do update set next = invoicing.number_sequences.next + 1
     returning next - 1 as n`,
    [row.issuer, series, year],
  );
  const number = `${row.issuer}-${label}${year}-${String(seq.rows[0]!.n).padStart(6, '0')}`;
  const now = opts.now ?? new Date();
  const dueDate = row.kind === 'credit_note' ? opts.issueDate : addDays(opts.issueDate, opts.paymentTermDays);
  await client.query(`update invoicing.invoices set invoice_number = $2, status = 'issued', issue_date = $3, due_date = $4, issued_at = $5 where invoice_id = $1`, [
    invoiceId,
    number,
    opts.issueDate,
    dueDate,
    now.toISOString(),
  ]);
  const issued = (await invoiceById(client, invoiceId))!;
  await enqueueInvoiceEvents(client, issued.account_id, [issuedEvent(issued, now)]);
  return issued;
}

function issuedEvent(inv: InvoiceRow, now: Date) {
  if (inv.kind === 'credit_note' || inv.kind === 'debit_note') {
    return invoiceEvent('invoice.corrected', {
      subject: inv.invoice_number!,
      idempotencyKey: `invoice.corrected:${inv.invoice_id}`,
      time: now,
      data: {
        invoiceId: inv.corrects_invoice_id!,
        noteNumber: inv.invoice_number!,
        kind: inv.kind === 'credit_note' ? 'credit' : 'debit',
        amount: inv.total,
        lines: inv.lines,
        noteId: inv.invoice_id,
        invoiceNumber: (inv.details.invoiceNumber as string | undefined) ?? undefined,
        accountId: inv.account_id,
        currency: inv.currency,
        net: inv.net,
        tax: inv.tax,
        reason: inv.reason ?? undefined,
        issueDate: inv.issue_date!,
      },
    });
  }
  return invoiceEvent('invoice.issued', {
    subject: inv.invoice_number!,
    // The same (account, period, kind) is only ever issued once: that is the key.
    idempotencyKey: inv.kind === 'invoice' ? `invoice.issued:${inv.account_id}:${inv.period_key}` : `invoice.issued:${inv.kind}:${inv.account_id}:${inv.period_key}`,
    time: now,
    data: {
      invoiceId: inv.invoice_id,
      invoiceNumber: inv.invoice_number!,
      issuer: inv.issuer,
      accountId: inv.account_id,
      periodKey: inv.period_key,
      periodStart: inv.period_start,
      periodEnd: inv.period_end,
      currency: inv.currency,
      lines: inv.lines,
      net: inv.net,
      tax: inv.tax,
      total: inv.total,
      dueDate: inv.due_date!,
      kind: inv.kind as 'invoice' | 'partner_invoice',
      issueDate: inv.issue_date!,
      partnerId: inv.partner_id,
    },
  });
}

/** What is still to pay on an invoice: its total, plus its notes, less payments. */
export async function amountDue(db: pg.Pool | pg.PoolClient, invoiceId: string): Promise<string> {
  const { rows } = await db.query<{ due: string }>(
    `select (i.total
             + coalesce((select sum(n.total) from invoicing.invoices n where n.corrects_invoice_id = i.invoice_id and n.status <> 'draft'), 0)
             - coalesce((select sum(p.amount) from invoicing.payments p where p.invoice_id = i.invoice_id), 0))::text as due
     from invoicing.invoices i where i.invoice_id = $1`,
    [invoiceId],
  );
  return rows[0]?.due ?? '0';
}
