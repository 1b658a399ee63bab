import { index, integer, json, jsonb, numeric, pgSchema, primaryKey, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { outboxTable } from '@rcp/db';

export const rating = pgSchema('rating');

/** Every catalogue document applied, newest last; the newest is in force (its versions are effective-dated). */
export const catalogueDocuments = rating.table('catalogue_documents', {
  revision: serial('revision').primaryKey(),
  catalogueId: text('catalogue_id').notNull(),
  document: jsonb('document').notNull(),
  appliedBy: text('applied_by').notNull(),
  appliedAt: timestamp('applied_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/**
 * The outcome of every CDR rating has seen, rated or rejected: the duplicate check (a CDR is rated once)
 * and the record a replay compares against. `revision` grows with each re-rating.
 */
export const ratedEvents = rating.table(
  'rated_events',
  {
    ratedId: text('rated_id').primaryKey(),
    revision: integer('revision').notNull(),
    outcome: text('outcome').notNull(),
    accountId: text('account_id').notNull(),
    lineId: text('line_id').notNull(),
    periodKey: text('period_key'),
    startTime: timestamp('start_time', { withTimezone: true, mode: 'string' }).notNull(),
    /**
     * The recorded outcome's figures, beside the message: what a replay compares against, read without
     * opening the message. Null for a rejected CDR.
     */
    billedUnits: integer('billed_units'),
    deniedUnits: integer('denied_units'),
    retailAmount: numeric('retail_amount'),
    wholesaleAmount: numeric('wholesale_amount'),
    /**
     * The message published and the CDR as rating received it (what a replay re-rates), kept as the JSON
     * text they were (json, not jsonb): nothing queries inside them, and converting to jsonb on every insert
     * was most of PostgreSQL's cost per rated CDR.
     */
    message: json('message').notNull(),
    cdr: json('cdr').notNull(),
    ratedAt: timestamp('rated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [index('rated_events_account_period').on(t.accountId, t.periodKey, t.startTime)],
);

/** A line's bucket and discount counters for one billing period (the rating engine's state). */
export const lineStates = rating.table(
  'line_states',
  {
    lineId: text('line_id').notNull(),
    periodKey: text('period_key').notNull(),
    state: jsonb('state').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.lineId, t.periodKey] })],
);

export const outbox = outboxTable(rating);
