import { index, integer, jsonb, numeric, pgSchema, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
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
  },
  (t) => [index('usage_account_period').on(t.accountId, t.periodKey)],
);

/** Invoices, one per account, period and kind; numbered without gaps per issuer when issued. */
export const invoices = invoicing.table(
  'invoices',
  {
    invoiceId: text('invoice_id').primaryKey(),
    invoiceNumber: text('invoice_number'),
    issuer: text('issuer').notNull(),
    accountId: text('account_id').notNull(),
    periodKey: text('period_key').notNull(),
    kind: text('kind').notNull().default('invoice'),
    status: text('status').notNull(),
    currency: text('currency').notNull(),
    net: numeric('net').notNull(),
    tax: numeric('tax').notNull(),
    total: numeric('total').notNull(),
    lines: jsonb('lines').notNull(),
    periodStart: text('period_start').notNull(),
    periodEnd: text('period_end').notNull(),
    dueDate: text('due_date').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    issuedAt: timestamp('issued_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [uniqueIndex('invoices_one_per_period').on(t.accountId, t.periodKey, t.kind), uniqueIndex('invoices_number').on(t.issuer, t.invoiceNumber)],
);

/** The next invoice number per issuer and year; taken in the issuing transaction, so numbers have no gaps. */
export const numberSequences = invoicing.table(
  'number_sequences',
  {
    issuer: text('issuer').notNull(),
    year: integer('year').notNull(),
    next: integer('next').notNull(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.year] })],
);

export const outbox = outboxTable(invoicing);
