import { z } from 'zod';
import { Direction, Disposition, E164Digits, Identifier, IsoInstant, Service } from './primitives.js';

/**
 * cdr.raw v1: one validated call detail record, as ingestion publishes it.
 * Keyed by accountId so that one account's records stay in one partition, in order.
 * (source, recordId) is the record's identity: the same pair is rated at most once.
 */
export const CdrRawV1 = z.object({
  v: z.literal(1),
  source: Identifier(128),
  recordId: Identifier(256),
  accountId: Identifier(),
  lineId: Identifier(),
  service: Service,
  direction: Direction,
  callingNumber: E164Digits,
  calledNumber: E164Digits,
  startTime: IsoInstant,
  answerTime: IsoInstant.nullable(),
  endTime: IsoInstant.nullable(),
  /** Seconds for voice; messages, pages, e-mails or bytes for the other services. */
  billableUnits: z.number().int().min(0),
  disposition: Disposition,
  /** Which input format it came in: json, ndjson, freeswitch_json, asterisk_csv, csv. */
  format: Identifier(64),
  receivedAt: IsoInstant,
});
export type CdrRawV1 = z.infer<typeof CdrRawV1>;

/** The identity of a CDR across the platform. */
export function cdrKey(cdr: { source: string; recordId: string }): string {
  return `${cdr.source}/${cdr.recordId}`;
}
