import { bigserial, index, json, jsonb, pgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const ingestion = pgSchema('ingestion');

/**
 * Every CDR accepted from a switch, kept as published: the duplicate check on (source, record_id) and the
 * durable archive that a period replay reads. A row is inserted in the transaction that commits after Kafka
 * acknowledged the record, with `published_at` set; a row without it (written by an earlier version that
 * marked publication in a second write, and crashed in between) is published again on the next send.
 */
export const receivedCdrs = ingestion.table(
  'received_cdrs',
  {
    source: text('source').notNull(),
    recordId: text('record_id').notNull(),
    accountId: text('account_id').notNull(),
    startTime: timestamp('start_time', { withTimezone: true, mode: 'string' }).notNull(),
    /** As published, kept as its JSON text: nothing queries inside it, and jsonb's conversion cost a write per CDR. */
    cdr: json('cdr').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [primaryKey({ columns: [t.source, t.recordId] }), index('received_cdrs_account_start').on(t.accountId, t.startTime)],
);

/**
 * Every record ingestion refused, with its reasons and the record as received, so ops can see it and
 * re-drive it once the cause is fixed (a line provisioned late, a switch's clock corrected).
 */
export const rejectedRecords = ingestion.table(
  'rejected_records',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    switchId: text('switch_id').notNull(),
    source: text('source'),
    recordId: text('record_id'),
    reasons: jsonb('reasons').notNull(),
    original: jsonb('original'),
    rejectedAt: timestamp('rejected_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    /** Set when a re-drive took the record, or refused it again (then with the new reasons in `reasons`). */
    redrivenAt: timestamp('redriven_at', { withTimezone: true, mode: 'string' }),
    redriveOutcome: text('redrive_outcome'),
  },
  (t) => [index('rejected_records_pending').on(t.redrivenAt, t.rejectedAt)],
);
