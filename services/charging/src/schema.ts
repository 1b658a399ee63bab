import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, numeric, pgSchema, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { outboxTable } from '@rcp/db';

export const charging = pgSchema('charging');

/**
 * An account's balance and credit state: always equal to the sum of its ledger entries (both are written in the
 * same group commit). Only the instance holding the real-time lease writes it (credit-control/store.ts), from
 * the account's state in its memory, so writers never race on it.
 */
export const accounts = charging.table('accounts', {
  accountId: text('account_id').primaryKey(),
  currency: text('currency').notNull(),
  balance: numeric('balance').notNull().default('0'),
  mode: text('mode').notNull().default('prepaid'),
  blocked: boolean('blocked').notNull().default(false),
  /** The billing period the auto-recharge count is for, and the recharges done in it (the per-period limit). */
  rechargePeriod: text('recharge_period'),
  rechargeCount: integer('recharge_count').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/**
 * The append-only ledger. Every entry names its cause; (cause, cause_ref) is unique, so the same rated
 * CDR revision, top-up or adjustment can never be posted twice.
 */
export const ledger = charging.table(
  'ledger',
  {
    entryId: bigserial('entry_id', { mode: 'bigint' }).primaryKey(),
    accountId: text('account_id').notNull(),
    cause: text('cause').notNull(),
    causeRef: text('cause_ref').notNull(),
    amount: numeric('amount').notNull(),
    balanceAfter: numeric('balance_after').notNull(),
    currency: text('currency').notNull(),
    /** Why, in words, for entries made by hand (adjustments). */
    note: text('note'),
    postedAt: timestamp('posted_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ledger_cause_unique').on(t.cause, t.causeRef), index('ledger_account').on(t.accountId, t.entryId)],
);

/**
 * One row per call or event charging knows, identified like its CDR by `<source>/<recordId>` (the switch id
 * and the session id the switch sends in both its credit-control requests and its CDR): the real-time
 * session and its reservation while it is open, and what the ledger holds for the call, so the commit at
 * terminate and the rated CDR charge it once together whichever comes first.
 */
export const calls = charging.table(
  'calls',
  {
    callId: text('call_id').primaryKey(),
    accountId: text('account_id').notNull(),
    lineId: text('line_id').notNull(),
    service: text('service').notNull(),
    /** active (holding a reservation), terminated, expired, released (its CDR came while it was open), event, rated (known from its CDR only). */
    status: text('status').notNull(),
    /** Whether the open session holds one of the line's channels (calls do; one-shot events do not). */
    holdsChannel: boolean('holds_channel').notNull().default(false),
    direction: text('direction').notNull().default('outbound'),
    callingNumber: text('calling_number'),
    calledNumber: text('called_number'),
    startTime: text('start_time'),
    grantedUnits: integer('granted_units').notNull().default(0),
    usedUnits: integer('used_units').notNull().default(0),
    /** The amount the open session holds from the account's available credit. */
    reserved: numeric('reserved').notNull().default('0'),
    /** Allowance units per basket the call holds (open) or used (committed, until its CDR is rated). */
    draws: jsonb('draws').$type<Record<string, number>>().notNull().default({}),
    /** Total cost the ledger holds for the call (commit plus rated-CDR differences). */
    charged: numeric('charged').notNull().default('0'),
    committed: boolean('committed').notNull().default(false),
    ratedRevision: integer('rated_revision'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  // No index of open calls by line: the owner holds the open calls in memory; PostgreSQL reads them only by
  // account (an account's load, the balance endpoint) and by expiry (the sweep).
  (t) => [
    index('calls_open_by_account').on(t.accountId).where(sql`status = 'active'`),
    index('calls_open_expiry').on(t.expiresAt).where(sql`status = 'active'`),
    index('calls_unrated_by_line').on(t.lineId).where(sql`committed and rated_revision is null`),
  ],
);

/** The allowance left per basket as rating last reported it for a line (cdr.rated bucketDraws), latest period. */
export const lineAllowances = charging.table('line_allowances', {
  lineId: text('line_id').primaryKey(),
  offerId: text('offer_id').notNull(),
  periodKey: text('period_key').notNull(),
  /** The start of the rated CDR that reported it: an instant inside that period. */
  at: text('at').notNull(),
  remaining: jsonb('remaining').$type<Record<string, number>>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/** An account's standing from dunning (invoice.events): usage is refused while suspended or terminated. */
export const accountStanding = charging.table('account_standing', {
  accountId: text('account_id').primaryKey(),
  standing: text('standing').notNull(),
  reason: text('reason'),
  eventId: text('event_id').notNull(),
  changedAt: timestamp('changed_at', { withTimezone: true, mode: 'string' }).notNull(),
});

export const outbox = outboxTable(charging);
