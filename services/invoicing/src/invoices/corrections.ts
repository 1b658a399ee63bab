import type pg from 'pg';
import { inTransaction } from '@rcp/db';
import { billedLines, correctionNote, manualNote, type CorrectionNote, type InvoiceLine } from '@rcp/domain';
import { BillingError, buildFromSnapshot, type CustomerInvoiceSnapshot } from '../billing/customer-invoice.js';
import { buildPartnerFromSnapshot, type PartnerSnapshot } from '../periods/close-partner.js';
import { USAGE_COLUMNS, type UsageRow } from '../periods/record-usage.js';
import { insertDraft, invoiceById, issueDraft, type InvoiceRow } from './issue.js';

export type IssuedNote = { invoiceId: string; invoiceNumber: string | null; noteId: string; noteNumber: string | null; kind: 'credit' | 'debit'; total: string; status: 'issued' | 'already_issued' };

/**
 * Corrects issued invoices of a period after their usage changed (a replay after a catalogue fix): each is
 * recomputed from the inputs it was built with and the latest revision of the CDRs it billed; the
 * difference from what was billed so far (the invoice and its notes) becomes a credit or debit note. With
 * nothing changed there is no note, and running it again issues nothing new.
 */
export async function correctPeriod(pool: pg.Pool, req: { periodKey: string; accountIds?: string[]; issueDate: string; now?: Date }): Promise<IssuedNote[]> {
  const { rows } = await pool.query<{ invoice_id: string }>(
    `select invoice_id from invoicing.invoices where period_key = $1 and kind in ('invoice', 'partner_invoice') and status <> 'draft' and ($2::text[] is null or account_id = any($2)) order by account_id, kind`,
    [req.periodKey, req.accountIds ?? null],
  );
  const notes: IssuedNote[] = [];
  for (const { invoice_id } of rows) {
    const note = await inTransaction(pool, (client) => correctInvoice(client, invoice_id, req));
    if (note) notes.push(note);
  }
  return notes;
}

async function notesOf(client: pg.PoolClient, invoiceId: string): Promise<InvoiceRow[]> {
  const { rows } = await client.query<{ invoice_id: string }>(`select invoice_id from invoicing.invoices where corrects_invoice_id = $1 and status <> 'draft' order by issued_at, invoice_id`, [invoiceId]);
  return Promise.all(rows.map(async (r) => (await invoiceById(client, r.invoice_id))!));
}

async function correctInvoice(client: pg.PoolClient, invoiceId: string, req: { issueDate: string; now?: Date }): Promise<IssuedNote | null> {
  await client.query('select pg_advisory_xact_lock(hashtext($1))', [`correct:${invoiceId}`]);
  const invoice = (await invoiceById(client, invoiceId))!;
  const column = invoice.kind === 'partner_invoice' ? 'partner_invoice_id' : 'invoice_id';
  const { rows } = await client.query<UsageRow>(`select ${USAGE_COLUMNS} from invoicing.usage where ${column} = $1 order by start_time, rated_id`, [invoiceId]);
  const inputs = invoice.details.inputs;
  const recomputed = invoice.kind === 'partner_invoice' ? buildPartnerFromSnapshot(inputs as PartnerSnapshot, rows) : buildFromSnapshot(inputs as CustomerInvoiceSnapshot, rows);
  const previous = await notesOf(client, invoiceId);
  const note = correctionNote(
    billedLines(
      invoice.lines,
      previous.map((n) => n.lines),
    ),
    recomputed.lines,
    invoice.currency,
  );
  if (!note) return null;
  return issueNote(client, invoice, note, { idempotencyKey: `correction:${invoiceId}:${previous.length + 1}`, reason: 'usage re-rated', issueDate: req.issueDate, now: req.now });
}

/** A hand-written credit or debit note on an issued invoice, taxed at the invoice's rate; the key makes it once-only. */
export async function addManualNote(
  pool: pg.Pool,
  invoiceId: string,
  req: { idempotencyKey: string; reason: string; lines: { description: string; amount: string; quantity?: string; unit?: string }[]; issueDate: string; now?: Date },
): Promise<IssuedNote> {
  return inTransaction(pool, async (client) => {
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`correct:${invoiceId}`]);
    const invoice = await invoiceById(client, invoiceId);
    if (!invoice) throw new BillingError('unknown_invoice', `no invoice ${invoiceId}`, 404);
    if (invoice.kind !== 'invoice' && invoice.kind !== 'partner_invoice') throw new BillingError('not_an_invoice', `${invoice.invoice_number} is a ${invoice.kind.replace('_', ' ')}; correct the invoice it belongs to`, 409);
    if (invoice.status === 'draft') throw new BillingError('invoice_not_issued', 'a draft is corrected by closing its period again, not by a note', 409);
    const key = `manual:${invoiceId}:${req.idempotencyKey}`;
    const existing = await client.query<{ invoice_id: string }>(`select invoice_id from invoicing.invoices where idempotency_key = $1`, [key]);
    if (existing.rows[0]) {
      const n = (await invoiceById(client, existing.rows[0].invoice_id))!;
      return { invoiceId, invoiceNumber: invoice.invoice_number, noteId: n.invoice_id, noteNumber: n.invoice_number, kind: n.kind === 'credit_note' ? 'credit' : 'debit', total: n.total, status: 'already_issued' };
    }
    const taxRate = invoice.lines.find((l: InvoiceLine) => l.kind === 'tax')?.taxRate ?? '0';
    const note = manualNote({ lines: req.lines, taxRate, currency: invoice.currency });
    return issueNote(client, invoice, note, { idempotencyKey: key, reason: req.reason, issueDate: req.issueDate, now: req.now });
  });
}

async function issueNote(client: pg.PoolClient, invoice: InvoiceRow, note: CorrectionNote, opts: { idempotencyKey: string; reason: string; issueDate: string; now?: Date }): Promise<IssuedNote> {
  const noteId = await insertDraft(client, {
    issuer: invoice.issuer,
    accountId: invoice.account_id,
    periodKey: invoice.period_key,
    kind: note.kind === 'credit' ? 'credit_note' : 'debit_note',
    currency: invoice.currency,
    net: note.net,
    tax: note.tax,
    total: note.total,
    lines: note.lines,
    periodStart: invoice.period_start,
    periodEnd: invoice.period_end,
    details: { invoiceNumber: invoice.invoice_number },
    partnerId: invoice.partner_id,
    correctsInvoiceId: invoice.invoice_id,
    idempotencyKey: opts.idempotencyKey,
    reason: opts.reason,
  });
  const issued = await issueDraft(client, noteId, { issueDate: opts.issueDate, paymentTermDays: 0, now: opts.now });
  // A debit note is due like an invoice: it adds to what the invoice still asks for.
  if (note.kind === 'debit' && invoice.status === 'paid') await client.query(`update invoicing.invoices set status = 'issued' where invoice_id = $1`, [invoice.invoice_id]);
  return { invoiceId: invoice.invoice_id, invoiceNumber: invoice.invoice_number, noteId, noteNumber: issued.invoice_number, kind: note.kind, total: issued.total, status: 'issued' };
}
