import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MoneyAmount } from '@rcp/contracts';
import { inTransaction } from '@rcp/db';
import { docSchema } from '@rcp/runtime';
import { addManualNote } from '../invoices/corrections.js';
import { amountDue, INVOICE_COLUMNS, invoiceById, issueDraft, type InvoiceRow } from '../invoices/issue.js';
import { recordPayment } from '../dunning/payments.js';
import { invoiceHtml } from '../reports/html.js';
import { config, IsoDate, opsGuard, parseBody, sendError, today, type RouteDeps } from './common.js';

const IssueRequest = z.object({ asOf: IsoDate.optional() }).strict();
const NoteRequest = z
  .object({
    /** The same key returns the same note. */
    idempotencyKey: z.string().min(1).max(200),
    reason: z.string().min(1),
    /** Net amounts, signed: negative credits the customer, positive charges more. Tax is added at the invoice's rate. */
    lines: z.array(z.object({ description: z.string().min(1), amount: MoneyAmount, quantity: MoneyAmount.optional(), unit: z.string().optional() }).strict()).min(1),
    asOf: IsoDate.optional(),
  })
  .strict();
const PaymentRequest = z
  .object({
    /** The payment's own id (bank reference): recording it twice changes nothing. */
    paymentId: z.string().min(1).max(200),
    amount: MoneyAmount.refine((a) => !a.startsWith('-') && Number(a) !== 0, 'a payment is a positive amount'),
    /** When the money arrived; now when absent. */
    paidAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

function view(r: InvoiceRow) {
  return {
    invoiceId: r.invoice_id,
    invoiceNumber: r.invoice_number,
    kind: r.kind,
    issuer: r.issuer,
    accountId: r.account_id,
    partnerId: r.partner_id,
    periodKey: r.period_key,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    status: r.status,
    currency: r.currency,
    net: r.net,
    tax: r.tax,
    total: r.total,
    lines: r.lines,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    issuedAt: r.issued_at,
    correctsInvoiceId: r.corrects_invoice_id,
    reason: r.reason,
  };
}

export function registerInvoiceRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const ops = opsGuard(deps);

  app.get('/v1/invoices', { schema: { tags: ['invoices'], summary: 'Invoices and notes, optionally of one account (or partner), period, kind or status' } }, async (req) => {
    const q = req.query as { accountId?: string; periodKey?: string; kind?: string; status?: string };
    const { rows } = await deps.pool.query<InvoiceRow>(
      `select ${INVOICE_COLUMNS} from invoicing.invoices
       where ($1::text is null or account_id = $1) and ($2::text is null or period_key = $2) and ($3::text is null or kind = $3) and ($4::text is null or status = $4)
       order by issuer, invoice_number nulls last, created_at limit 1000`,
      [q.accountId ?? null, q.periodKey ?? null, q.kind ?? null, q.status ?? null],
    );
    return { invoices: rows.map(view) };
  });

  const detail = async (invoiceId: string) => {
    const inv = await invoiceById(deps.pool, invoiceId);
    if (!inv) return undefined;
    const { rows: noteIds } = await deps.pool.query<{ invoice_id: string }>(`select invoice_id from invoicing.invoices where corrects_invoice_id = $1 order by created_at`, [invoiceId]);
    const notes = (await Promise.all(noteIds.map((n) => invoiceById(deps.pool, n.invoice_id)))).filter((n): n is InvoiceRow => !!n);
    const { rows: payments } = await deps.pool.query<{ paymentId: string; amount: string; paidAt: string }>(
      `select payment_id as "paymentId", amount::text, paid_at as "paidAt" from invoicing.payments where invoice_id = $1 order by paid_at, payment_id`,
      [invoiceId],
    );
    return { inv, notes, payments, amountDue: await amountDue(deps.pool, invoiceId) };
  };

  app.get('/v1/invoices/:invoiceId', { schema: { tags: ['invoices'], summary: 'One invoice or note with its notes, payments and what is still to pay' } }, async (req, reply) => {
    const d = await detail((req.params as { invoiceId: string }).invoiceId);
    if (!d) return reply.code(404).send({ error: 'unknown_invoice', message: 'no such invoice' });
    return { ...view(d.inv), notes: d.notes.map(view), payments: d.payments, amountDue: d.amountDue };
  });

  app.get('/v1/invoices/:invoiceId/html', { schema: { tags: ['invoices'], summary: 'The invoice as a readable HTML page' } }, async (req, reply) => {
    const d = await detail((req.params as { invoiceId: string }).invoiceId);
    if (!d) return reply.code(404).send({ error: 'unknown_invoice', message: 'no such invoice' });
    return reply.type('text/html; charset=utf-8').send(invoiceHtml(d.inv, { customerName: deps.account(d.inv.account_id)?.name, notes: d.notes, payments: d.payments, amountDue: d.amountDue }));
  });

  app.post('/v1/invoices/:invoiceId/issue', { schema: { tags: ['invoices'], summary: 'Issue a draft: number it, set its dates, publish invoice.issued', body: docSchema(IssueRequest) } }, async (req, reply) => {
    if (!ops(req, reply)) return reply;
    const body = parseBody(IssueRequest, req.body, reply);
    if (!body) return reply;
    const { invoiceId } = req.params as { invoiceId: string };
    const cfg = await config(deps)();
    const issued = await inTransaction(deps.pool, async (client) => {
      const inv = await invoiceById(client, invoiceId, true);
      if (!inv) return undefined;
      const terms = inv.kind === 'partner_invoice' ? (cfg.partners.find((p) => p.partnerId === inv.account_id)?.paymentTermDays ?? 30) : (deps.account(inv.account_id)?.billing.paymentTermDays ?? 14);
      return issueDraft(client, invoiceId, { issueDate: body.asOf ?? today(), paymentTermDays: terms });
    });
    if (!issued) return reply.code(404).send({ error: 'unknown_invoice', message: 'no such invoice' });
    await deps.afterCommit();
    return view(issued);
  });

  app.post('/v1/invoices/:invoiceId/notes', { schema: { tags: ['invoices'], summary: 'A hand-written credit or debit note on an issued invoice (invoice.corrected)', body: docSchema(NoteRequest) } }, async (req, reply) => {
    if (!ops(req, reply)) return reply;
    const body = parseBody(NoteRequest, req.body, reply);
    if (!body) return reply;
    try {
      const note = await addManualNote(deps.pool, (req.params as { invoiceId: string }).invoiceId, { ...body, issueDate: body.asOf ?? today() });
      await deps.afterCommit();
      return reply.code(note.status === 'issued' ? 201 : 200).send(note);
    } catch (err) {
      return sendError(reply, err);
    }
  });

  app.post('/v1/invoices/:invoiceId/payments', { schema: { tags: ['dunning'], summary: 'Record a payment; a paid invoice publishes invoice.paid and unblocks a suspended account', body: docSchema(PaymentRequest) } }, async (req, reply) => {
    if (!ops(req, reply)) return reply;
    const body = parseBody(PaymentRequest, req.body, reply);
    if (!body) return reply;
    try {
      const result = await recordPayment(
        deps.pool,
        { config: config(deps), timeZoneOf: (id) => deps.account(id)?.timezone ?? 'UTC' },
        { invoiceId: (req.params as { invoiceId: string }).invoiceId, paymentId: body.paymentId, amount: body.amount, paidAt: body.paidAt ?? new Date().toISOString() },
      );
      await deps.afterCommit();
      return reply.code(result.status === 'recorded' ? 201 : 200).send(result);
    } catch (err) {
      return sendError(reply, err);
    }
  });
}
