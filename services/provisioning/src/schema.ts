import { sql } from 'drizzle-orm';
import { bigserial, boolean, date, index, integer, jsonb, numeric, pgSchema, primaryKey, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { outboxTable } from '@rcp/db';

// The provisioning database is the source of truth for partners, customers and lines; account.events is
// its change log (full state per account, through the outbox in the same transaction as the change).

export const provisioning = pgSchema('provisioning');

const stamp = (column: string) => timestamp(column, { withTimezone: true, mode: 'string' }).notNull().defaultNow();

export const partners = provisioning.table('partners', {
  partnerId: text('partner_id').primaryKey(),
  name: text('name').notNull(),
  /** The zone a date-only effective date of the partner's price edits is read in. */
  timezone: text('timezone').notNull().default('UTC'),
  createdBy: text('created_by').notNull(),
  createdAt: stamp('created_at'),
});

export const customers = provisioning.table(
  'customers',
  {
    accountId: text('account_id').primaryKey(),
    /** null: a customer the operator sells to directly. */
    partnerId: text('partner_id').references(() => partners.partnerId),
    name: text('name').notNull(),
    country: text('country').notNull(),
    timezone: text('timezone').notNull(),
    currency: text('currency').notNull(),
    billing: jsonb('billing').notNull(),
    credit: jsonb('credit').notNull(),
    /** Grows with every change; the account.events eventId is `<accountId>:<revision>`. */
    revision: integer('revision').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: stamp('created_at'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [index('customers_partner').on(t.partnerId)],
);

export const lines = provisioning.table(
  'lines',
  {
    lineId: text('line_id').primaryKey(),
    accountId: text('account_id').notNull().references(() => customers.accountId),
    activatedAt: timestamp('activated_at', { withTimezone: true, mode: 'string' }).notNull(),
    /** The activation's calendar date in the customer's zone (LineState.activeFrom). */
    activeFrom: date('active_from', { mode: 'string' }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'string' }),
    activeTo: date('active_to', { mode: 'string' }),
    closedUserGroups: text('closed_user_groups').array().notNull().default(sql`'{}'::text[]`),
    /** The pay-as-you-go offer a line goes back to when its flat is turned off. */
    paygOfferId: text('payg_offer_id'),
    createdBy: text('created_by').notNull(),
    createdAt: stamp('created_at'),
  },
  (t) => [index('lines_account').on(t.accountId)],
);

/** A number belongs to one line, open or closed (ingestion finds a CDR's line by it). */
export const lineNumbers = provisioning.table(
  'line_numbers',
  {
    number: text('number').primaryKey(),
    lineId: text('line_id').notNull().references(() => lines.lineId),
    addedAt: stamp('added_at'),
  },
  (t) => [index('line_numbers_line').on(t.lineId)],
);

export const lineAccountCodes = provisioning.table(
  'line_account_codes',
  {
    code: text('code').primaryKey(),
    lineId: text('line_id').notNull().references(() => lines.lineId),
  },
  (t) => [index('line_account_codes_line').on(t.lineId)],
);

/**
 * A line's package over time: each row an offer and channel count from one instant to the next. A change
 * ends the period in force at its effective instant and cancels (keeps, marked) those scheduled after it.
 */
export const lineOfferPeriods = provisioning.table(
  'line_offer_periods',
  {
    periodId: bigserial('period_id', { mode: 'number' }).primaryKey(),
    lineId: text('line_id').notNull().references(() => lines.lineId),
    offerId: text('offer_id').notNull(),
    channels: integer('channels').notNull(),
    effectiveFrom: timestamp('effective_from', { withTimezone: true, mode: 'string' }).notNull(),
    effectiveTo: timestamp('effective_to', { withTimezone: true, mode: 'string' }),
    change: text('change').notNull(),
    /** active, or cancelled by a later request that took effect before it. */
    status: text('status').notNull().default('active'),
    /** Whether a published state has carried it as the line's current package (scheduled ones wait). */
    announced: boolean('announced').notNull().default(false),
    requestedBy: text('requested_by').notNull(),
    requestedAt: stamp('requested_at'),
  },
  (t) => [index('line_offer_periods_line').on(t.lineId, t.effectiveFrom), index('line_offer_periods_due').on(t.effectiveFrom).where(sql`status = 'active' and not announced`)],
);

/** One overage setting per customer and service (seed 001): a target, or none (null). */
export const overageSettings = provisioning.table(
  'overage_settings',
  {
    accountId: text('account_id').notNull().references(() => customers.accountId),
    service: text('service').notNull(),
    target: text('target'),
    /** The partner holding the setting (null: the operator, for a direct customer). */
    heldBy: text('held_by'),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.service] })],
);

/** Every overage change, kept. */
export const overageChanges = provisioning.table('overage_changes', {
  changeId: bigserial('change_id', { mode: 'number' }).primaryKey(),
  accountId: text('account_id').notNull(),
  service: text('service').notNull(),
  target: text('target'),
  heldBy: text('held_by'),
  changedBy: text('changed_by').notNull(),
  changedAt: stamp('changed_at'),
});

export const credentials = provisioning.table('credentials', {
  keyId: text('key_id').primaryKey(),
  /** scrypt$N$r$p$salt$hash of the token's secret; the token itself is never stored. */
  secretHash: text('secret_hash').notNull(),
  role: text('role').notNull(),
  partnerId: text('partner_id'),
  accountId: text('account_id'),
  label: text('label').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: stamp('created_at'),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'string' }),
});

/** A partner's edits of its retail list, each applied to rating's catalogue as a version from effective_from. */
export const retailPriceChanges = provisioning.table(
  'retail_price_changes',
  {
    changeId: serial('change_id').primaryKey(),
    partnerId: text('partner_id').notNull().references(() => partners.partnerId),
    effectiveFrom: timestamp('effective_from', { withTimezone: true, mode: 'string' }).notNull(),
    rates: jsonb('rates').notNull(),
    /** pending until rating has applied it; published with the catalogue revision that carries it. */
    status: text('status').notNull().default('pending'),
    catalogueRevision: integer('catalogue_revision'),
    submittedBy: text('submitted_by').notNull(),
    submittedAt: stamp('submitted_at'),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [index('retail_price_changes_partner').on(t.partnerId, t.changeId)],
);

/** Top-ups asked for here and posted to charging's ledger under the same idempotency key. */
export const topUps = provisioning.table(
  'top_ups',
  {
    accountId: text('account_id').notNull().references(() => customers.accountId),
    idempotencyKey: text('idempotency_key').notNull(),
    amount: numeric('amount').notNull(),
    currency: text('currency').notNull(),
    status: text('status').notNull().default('requested'),
    balanceAfter: numeric('balance_after'),
    requestedBy: text('requested_by').notNull(),
    requestedAt: stamp('requested_at'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.idempotencyKey] })],
);

export const outbox = outboxTable(provisioning);
