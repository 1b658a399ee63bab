import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AccountUpserted, InvoiceEventV1 } from '@rcp/contracts';
import { enqueueOutbox, inTransaction } from '@rcp/db';
import { buildUsageInvoice } from '@rcp/domain';

export type ClosedInvoice = { accountId: string; invoiceId: string; invoiceNumber: string; total: string; currency: string; status: 'issued' | 'already_issued' };

/**
 * Closes one billing period (keyed by its first day) for the accounts that have usage in it: builds each
 * invoice from the latest revision of every rated CDR, numbers it without gaps per issuer, stores it as
 * issued and queues invoice.issued for finance, all in one transaction per account. Closing the same
 * period again finds the invoice already there and issues nothing new.
 */
export async function closePeriod(
  pool: pg.Pool,
  input: { periodKey: string; accountIds?: string[]; account: (id: string) => AccountUpserted | undefined; now?: Date },
): Promise<ClosedInvoice[]> {
  const { rows: accounts } = await pool.query<{ account_id: string }>(
    `select distinct account_id from invoicing.usage where period_key = $1 and ($2::text[] is null or account_id = any($2)) order by account_id`,
    [input.periodKey, input.accountIds ?? null],
  );
  const closed: ClosedInvoice[] = [];
  for (const { account_id: accountId } of accounts) {
    closed.push(await inTransaction(pool, (client) => closeAccountPeriod(client, accountId, input)));
  }
  return closed;
}

async function closeAccountPeriod(
  client: pg.PoolClient,
  accountId: string,
  input: { periodKey: string; account: (id: string) => AccountUpserted | undefined; now?: Date },
): Promise<ClosedInvoice> {
  // Serialises closers of the same account and period (two ops clicking "close" at once).
  await client.query('select pg_advisory_xact_lock(hashtext($1))', [`close:${accountId}:${input.periodKey}`]);
  const existing = await client.query<{ invoice_id: string; invoice_number: string; total: string; currency: string }>(
    `select invoice_id, invoice_number, total::text, currency from invoicing.invoices where account_id = $1 and period_key = $2 and kind = 'invoice'`,
    [accountId, input.periodKey],
  );
  if (existing.rows[0]) {
    const e = existing.rows[0];
    return { accountId, invoiceId: e.invoice_id, invoiceNumber: e.invoice_number, total: e.total, currency: e.currency, status: 'already_issued' };
  }
  const account = input.account(accountId);
  const usage = await client.query<{ service: string; destination: string; units: number; retail_amount: string; currency: string; period_end: string }>(
    `select service, destination, units, retail_amount::text, currency, period_end from invoicing.usage where account_id = $1 and period_key = $2 order by start_time, rated_id`,
    [accountId, input.periodKey],
  );
  const currency = account?.currency ?? usage.rows[0]?.currency ?? 'EUR';
  const draft = buildUsageInvoice({
    currency,
    taxRate: account?.billing.taxRate ?? '0',
    usage: usage.rows.map((u) => ({ service: u.service, destination: u.destination, units: u.units, amount: u.retail_amount })),
  });
  const issuer = account?.partnerId ?? 'operator';
  const now = input.now ?? new Date();
  const year = Number(input.periodKey.slice(0, 4));
  const seq = await client.query<{ n: number }>(
    `insert into invoicing.number_sequences (issuer, year, next) values ($1, $2, 2)
     on conflict (issuer, year) do update set next = invoicing.number_sequences.next + 1
     returning next - 1 as n`,
    [issuer, year],
  );
  const invoiceNumber = `${issuer}-${year}-${String(seq.rows[0]!.n).padStart(6, '0')}`;
  const invoiceId = randomUUID();
  const periodEnd = usage.rows[0]?.period_end ?? input.periodKey;
  const dueDate = addDays(now, account?.billing.paymentTermDays ?? 14);
  await client.query(
    `insert into invoicing.invoices (invoice_id, invoice_number, issuer, account_id, period_key, kind, status, currency, net, tax, total, lines, period_start, period_end, due_date, issued_at)
     values ($1, $2, $3, $4, $5, 'invoice', 'issued', $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [invoiceId, invoiceNumber, issuer, accountId, input.periodKey, currency, draft.net, draft.tax, draft.total, JSON.stringify(draft.lines), input.periodKey, periodEnd, dueDate, now.toISOString()],
  );
  const event: InvoiceEventV1 = {
    specversion: '1.0',
    id: `invoice.issued:${invoiceId}`,
    type: 'invoice.issued',
    source: 'rcp/invoicing',
    time: now.toISOString(),
    subject: invoiceNumber,
    idempotencyKey: `invoice.issued:${accountId}:${input.periodKey}`,
    datacontenttype: 'application/json',
    data: {
      invoiceId,
      invoiceNumber,
      issuer,
      accountId,
      periodKey: input.periodKey,
      periodStart: input.periodKey,
      periodEnd,
      currency,
      lines: draft.lines.map((l) => ({ ...l })),
      net: draft.net,
      tax: draft.tax,
      total: draft.total,
      dueDate,
    },
  };
  await enqueueOutbox(client, 'invoicing', [{ topic: 'invoice.events', key: accountId, payload: event }]);
  return { accountId, invoiceId, invoiceNumber, total: draft.total, currency, status: 'issued' };
}

function addDays(d: Date, days: number): string {
  return new Date(d.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}
