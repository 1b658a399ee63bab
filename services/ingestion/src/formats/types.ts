import type { Disposition, Service } from '@rcp/contracts';

/** The formats a switch record can arrive in; kept on the record so a rejection can be traced to its parser. */
export type SwitchFormat = 'json' | 'freeswitch_json' | 'asterisk_csv' | 'csv';

/**
 * One switch's CDR read from its own format into the shape the ingestion API takes, before numbers are
 * normalised to E.164 and before the line is looked up (both need the switch's or line's configuration).
 */
export type SwitchRecord = {
  /** Switch id: from configuration or the API key, else the CDR's own switchname / core-uuid. */
  source: string;
  /** Unique per source: FreeSWITCH variables.uuid, Asterisk uniqueid, the mapped column of a CSV. */
  recordId: string;
  accountCode: string | null;
  service: Service;
  direction: 'outbound' | 'inbound';
  /** As the switch wrote it; normalised to E.164 later with the line's or switch's country. */
  callingNumber: string;
  calledNumber: string;
  /** ISO-8601 with an offset: switch-local times are converted with the switch's IANA zone. */
  startTime: string;
  answerTime: string | null;
  endTime: string | null;
  /** Whole seconds for voice; messages, pages, e-mails or bytes for the other services. */
  billableUnits: number;
  disposition: Disposition;
  format: SwitchFormat;
};

/**
 * Stable, machine-readable reasons a record is refused. Operators filter the rejected stream by these codes,
 * so a code is never renamed; a new situation gets a new code.
 */
export const REASON_CODES = [
  /** The body or line is not JSON. */
  'invalid_json',
  /** The body is not a CDR document at all (empty, an array, an unknown encoding). */
  'malformed_body',
  /** A field the format requires is absent or empty. */
  'missing_field',
  /** A field is present but has the wrong type or shape. */
  'invalid_field',
  /** A time that cannot be read, or that is zero / out of range. */
  'invalid_timestamp',
  /** A local wall-clock time that the switch's zone skips (the spring-forward DST gap). */
  'nonexistent_local_time',
  /** A duration that is not a whole number. */
  'invalid_duration',
  'negative_duration',
  /** Billable seconds longer than the whole call. */
  'billsec_exceeds_duration',
  'end_before_start',
  'answer_before_start',
  'answer_after_end',
  /** The answer facts disagree, e.g. billable seconds without an answer time. */
  'inconsistent_answer',
  'unknown_disposition',
  'unknown_service',
  'unknown_direction',
  /** A calling or called number that is not a telephone number (e.g. "anonymous", "s", "*97"). */
  'invalid_number',
  /** A CSV line that cannot be split into fields (unclosed quote, text after a closing quote, too long). */
  'malformed_csv_row',
  'wrong_column_count',
  /** A column named in a CSV mapping is not in the file's header. */
  'missing_column',
  /** A FreeSWITCH B-leg CDR: the A-leg of the same call is the one that is rated. */
  'b_leg_cdr',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** Why a record was refused: a stable code, a sentence for a person, and where (field, or `row 17 column billsec`). */
export type Reason = { code: ReasonCode; message: string; path?: string };

/** Every input record yields exactly one ParseResult: parsers never throw on bad input and never skip a record. */
export type ParseResult = { ok: true; record: SwitchRecord } | { ok: false; reasons: Reason[]; original: unknown };

/** A parse result with where it came from in a text file: the 1-based line number and the line as read. */
export type RowResult = { row: number; raw: string; result: ParseResult };

/** Text input a streaming parser accepts: a Node Readable or any async iterable of chunks. */
export type TextInput = AsyncIterable<string | Uint8Array>;
