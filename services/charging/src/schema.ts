import { bigserial, boolean, index, numeric, pgSchema, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { outboxTable } from '@rcp/db';

export const charging = pgSchema('charging');

/** An account's balance and credit state: always equal to the sum of its ledger entries. */
export const accounts = charging.table('accounts', {
  accountId: text('account_id').primaryKey(),
  currency: text('currency').notNull(),
  balance: numeric('balance').notNull().default('0'),
  mode: text('mode').notNull().default('prepaid'),
  blocked: boolean('blocked').notNull().default(false),
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
    postedAt: timestamp('posted_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ledger_cause_unique').on(t.cause, t.causeRef), index('ledger_account').on(t.accountId, t.entryId)],
);

export const outbox = outboxTable(charging);
