import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, numeric, pgSchema, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { outboxTable } from '@rcp/db';

export const invoicing = pgSchema('invoicing');

/** The latest revision of every rated CDR, by period: what an invoice is built from. */
export const usage = invoicing.table(
  'usage',
  {
    ratedId: text('rated_id').primaryKey(),
    revision: integer('revision').notNull(),
    accountId: text('account_id').notNull(),
    lineId: text('line_id').notNull(),
    periodKey: text('period_key').notNull(),
    periodEnd: text('period_end').notNull(),
    service: text('service').notNull(),
    destination: text('destination').notNull(),
    units: integer('units').notNull(),
    retailAmount: numeric('retail_amount').notNull(),
    wholesaleAmount: numeric('wholesale_amount').notNull(),
    currency: text('currency').notNull(),
    startTime: timestamp('start_time', { withTimezone: true, mode: 'string' }).notNull(),
    /** The offer the CDR was rated with. */
    offerId: text('offer_id'),
    /** payg, bundle (a basket covers the destination: included and overage units) or cug. */
    pricing: text('pricing').notNull().default('payg'),
    includedUnits: integer('included_units').notNull().default(0),
    overageUnits: integer('overage_units').notNull().default(0),
    overageRetail: numeric('overage_retail').notNull().default('0'),
    overageWholesale: numeric('overage_wholesale').notNull().default('0'),
    /** The customer invoice that billed it (null: not billed yet; a later revision is corrected by a note). */
    invoiceId: text('invoice_id'),
    /** The partner invoice that billed its wholesale amount. */
    partnerInvoiceId: text('partner_invoice_id'),
  },
  // The invoice columns are looked up by value only (the usage an invoice billed), never for null: indexing
  // only the billed rows keeps two index entries off every rated CDR recorded (most usage is not billed yet).
  (t) => [
    index('usage_account_period').on(t.accountId, t.periodKey),
    index('usage_invoice').on(t.invoiceId).where(sql`invoice_id is not null`),
    index('usage_partner_invoice').on(t.partnerInvoiceId).where(sql`partner_invoice_id is not null`),
  ],
);

/**
 * Invoices (one per account or partner, period and kind; a draft until issued, then numbered without gaps
 * per issuer) and the credit and debit notes that correct them.
 */
export const invoices = invoicing.table(
  'invoices',
  {
    invoiceId: text('invoice_id').primaryKey(),
    invoiceNumber: text('invoice_number'),
    issuer: text('issuer').notNull(),
    /** The customer account, or the partner for a partner invoice. */
    accountId: text('account_id').notNull(),
    periodKey: text('period_key').notNull(),
    /** invoice, partner_invoice, credit_note, debit_note. */
    kind: text('kind').notNull().default('invoice'),
    /** draft, issued, paid. */
    status: text('status').notNull(),
    currency: text('currency').notNull(),
    net: numeric('net').notNull(),
    tax: numeric('tax').notNull(),
    total: numeric('total').notNull(),
    lines: jsonb('lines').notNull(),
    periodStart: text('period_start').notNull(),
    periodEnd: text('period_end').notNull(),
    dueDate: text('due_date'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    issuedAt: timestamp('issued_at', { withTimezone: true, mode: 'string' }),
    /** The business date of issue (the close's asOf), YYYY-MM-DD. */
    issueDate: text('issue_date'),
    /** Notes: the invoice they correct. */
    correctsInvoiceId: text('corrects_invoice_id'),
    /** The inputs the invoice was built from (fees, discounts, cost cap, tax, credit), so a correction recomputes it alike. */
    details: jsonb('details').notNull().default({}),
    /** Notes: the caller's key; a repeated request returns the same note. */
    idempotencyKey: text('idempotency_key'),
    partnerId: text('partner_id'),
    reason: text('reason'),
  },
  (t) => [
    uniqueIndex('invoices_one_per_period').on(t.accountId, t.periodKey, t.kind).where(sql`kind in ('invoice', 'partner_invoice')`),
    uniqueIndex('invoices_number').on(t.issuer, t.invoiceNumber),
    uniqueIndex('invoices_idempotency').on(t.idempotencyKey),
    index('invoices_corrects').on(t.correctsInvoiceId),
  ],
);

/** The next number per issuer, series (invoice, credit/debit note) and year; taken in the issuing transaction, so numbers have no gaps. */
export const numberSequences = invoicing.table(
  'number_sequences',
  {
    issuer: text('issuer').notNull(),
    series: text('series').notNull().default('invoice'),
    year: integer('year').notNull(),
    next: integer('next').notNull(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.series, t.year] })],
);

/** Each line's offers over time (line-offer segments), folded from account.events. */
export const accountLines = invoicing.table('account_lines', {
  accountId: text('account_id').primaryKey(),
  timezone: text('timezone').notNull(),
  segments: jsonb('segments').notNull(),
  lastEventId: text('last_event_id').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/** How far the line-history consumer has folded each partition of account.events (redeliveries are skipped). */
export const accountEventOffsets = invoicing.table('account_event_offsets', {
  partition: integer('partition').primaryKey(),
  nextOffset: bigint('next_offset', { mode: 'bigint' }).notNull(),
});

/** Billing documents (billing-time discounts, cost caps, dunning, profitability), every revision kept. */
export const billingDocuments = invoicing.table('billing_documents', {
  revision: serial('revision').primaryKey(),
  document: jsonb('document').notNull(),
  appliedBy: text('applied_by').notNull(),
  appliedAt: timestamp('applied_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/** Payments against invoices; the payment id makes a repeated request a no-op. */
export const payments = invoicing.table(
  'payments',
  {
    paymentId: text('payment_id').primaryKey(),
    invoiceId: text('invoice_id').notNull(),
    accountId: text('account_id').notNull(),
    amount: numeric('amount').notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true, mode: 'string' }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [index('payments_invoice').on(t.invoiceId)],
);

/** Dunning steps taken per invoice (reminder:N, overdue, suspend, terminate), each once. */
export const dunningSteps = invoicing.table(
  'dunning_steps',
  {
    invoiceId: text('invoice_id').notNull(),
    step: text('step').notNull(),
    asOf: text('as_of').notNull(),
    doneAt: timestamp('done_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.invoiceId, t.step] })],
);

/** Where each account stands in dunning: active, suspended or terminated; `version` counts the changes. */
export const accountStanding = invoicing.table('account_standing', {
  accountId: text('account_id').primaryKey(),
  standing: text('standing').notNull(),
  since: text('since').notNull(),
  reason: text('reason').notNull(),
  version: integer('version').notNull(),
});

/** Profitability tasks for ops: cost_cap, flat, fixed_price_per_call checks at period close, and follow_up. */
export const tasks = invoicing.table(
  'tasks',
  {
    taskId: text('task_id').primaryKey(),
    accountId: text('account_id').notNull(),
    periodKey: text('period_key').notNull(),
    kind: text('kind').notNull(),
    /** The template kind of the check behind it: costCap, flat, fixedPricePerCall. */
    check: text('check').notNull(),
    /** open, offer_sent, closed. */
    status: text('status').notNull(),
    details: jsonb('details').notNull(),
    createdOn: text('created_on').notNull(),
    /** Follow-ups: the offer left unanswered. */
    offerId: text('offer_id'),
    resolution: text('resolution'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tasks_one_check_per_period').on(t.accountId, t.periodKey, t.kind).where(sql`kind <> 'follow_up'`),
    uniqueIndex('tasks_one_follow_up_per_offer').on(t.offerId).where(sql`kind = 'follow_up'`),
  ],
);

/** Offers (and follow-up messages) sent to customers from tasks, rendered from templates. */
export const offers = invoicing.table('offers', {
  offerId: text('offer_id').primaryKey(),
  taskId: text('task_id').notNull(),
  accountId: text('account_id').notNull(),
  /** offer or followUp. */
  use: text('use').notNull(),
  text: text('text').notNull(),
  sentOn: text('sent_on').notNull(),
  /** sent, accepted, declined. */
  status: text('status').notNull(),
  answeredOn: text('answered_on'),
  /** A follow-up message: the offer it follows. */
  followsOfferId: text('follows_offer_id'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

export const outbox = outboxTable(invoicing);
