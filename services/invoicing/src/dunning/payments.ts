import type pg from 'pg';
import { inTransaction } from '@rcp/db';
import { currencyMinorUnits, dec, localDate, type BillingConfig } from '@rcp/domain';
import { BillingError } from '../billing/customer-invoice.js';
import { enqueueInvoiceEvents, invoiceEvent } from '../events/invoice-events.js';
import { amountDue, invoiceById } from '../invoices/issue.js';
import { settleStanding, type DunningAction } from './run.js';

export type PaymentResult = { paymentId: string; invoiceId: string; status: 'recorded' | 'already_recorded'; amountDue: string; invoiceStatus: string; actions: DunningAction[] };

/**
 * Records a payment (once per payment id). When the invoice is paid in full it is marked paid (invoice.paid),
 * and a suspended account whose remaining invoices no longer justify it is unblocked (account.unsuspended).
 */
export async function recordPayment(
  pool: pg.Pool,
  deps: { config: () => Promise<BillingConfig>; timeZoneOf: (accountId: string) => string },
  req: { invoiceId: string; paymentId: string; amount: string; paidAt: string; now?: Date },
): Promise<PaymentResult> {
  const now = req.now ?? new Date();
  const config = await deps.config();
  return inTransaction(pool, async (client) => {
    const invoice = await invoiceById(client, req.invoiceId);
    if (!invoice) throw new BillingError('unknown_invoice', `no invoice ${req.invoiceId}`, 404);
    if (invoice.kind !== 'invoice' && invoice.kind !== 'partner_invoice') throw new BillingError('not_an_invoice', `payments are made against invoices, not ${invoice.kind.replace('_', ' ')}s`, 409);
    if (invoice.status === 'draft') throw new BillingError('invoice_not_issued', 'a draft cannot be paid', 409);
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`standing:${invoice.account_id}`]);
    const inserted = await client.query(
      `insert into invoicing.payments (payment_id, invoice_id, account_id, amount, paid_at) values ($1, $2, $3, $4, $5) on conflict (payment_id) do nothing returning payment_id`,
      [req.paymentId, invoice.invoice_id, invoice.account_id, req.amount, req.paidAt],
    );
    if (inserted.rowCount === 0) {
      const prior = await client.query<{ invoice_id: string; amount: string }>(`select invoice_id, amount::text from invoicing.payments where payment_id = $1`, [req.paymentId]);
      if (prior.rows[0]!.invoice_id !== invoice.invoice_id || !dec(prior.rows[0]!.amount).equals(dec(req.amount)))
        throw new BillingError('payment_id_reused', `payment ${req.paymentId} was already recorded with another invoice or amount`, 409);
      const current = (await invoiceById(client, invoice.invoice_id))!;
      return { paymentId: req.paymentId, invoiceId: invoice.invoice_id, status: 'already_recorded', amountDue: dec(await amountDue(client, invoice.invoice_id)).toFixed(currencyMinorUnits(invoice.currency)), invoiceStatus: current.status, actions: [] };
    }
    const due = await amountDue(client, invoice.invoice_id);
    const actions: DunningAction[] = [];
    let status = invoice.status;
    if (!dec(due).greaterThan(0) && invoice.status !== 'paid') {
      status = 'paid';
      await client.query(`update invoicing.invoices set status = 'paid' where invoice_id = $1`, [invoice.invoice_id]);
      await enqueueInvoiceEvents(client, invoice.account_id, [
        invoiceEvent('invoice.paid', {
          subject: invoice.invoice_number!,
          idempotencyKey: `invoice.paid:${invoice.invoice_id}`,
          time: now,
          data: { invoiceId: invoice.invoice_id, invoiceNumber: invoice.invoice_number!, accountId: invoice.account_id, paymentId: req.paymentId, amount: dec(req.amount).toFixed(), currency: invoice.currency, paidAt: new Date(req.paidAt).toISOString() },
        }),
      ]);
      actions.push({ accountId: invoice.account_id, invoiceId: invoice.invoice_id, invoiceNumber: invoice.invoice_number!, action: 'paid' });
    }
    if (invoice.kind === 'invoice') {
      const asOf = localDate(req.paidAt, deps.timeZoneOf(invoice.account_id));
      actions.push(...(await settleStanding(client, invoice.account_id, config, asOf, `paid (${req.paymentId})`, now, { onlyUnsuspend: true })));
    }
    return { paymentId: req.paymentId, invoiceId: invoice.invoice_id, status: 'recorded', amountDue: dec(due).toFixed(currencyMinorUnits(invoice.currency)), invoiceStatus: status, actions };
  });
}
