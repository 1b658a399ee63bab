import { z } from 'zod';

/** A decimal amount on the wire: always a string, never a binary float. */
export const DecimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number written as a string, e.g. "12.3400"');

/**
 * An amount of money (or a quantity) sent to the platform from outside: top-ups, adjustments, payments, invoice
 * lines. At most 15 digits before the decimal point and 6 after (the catalogue's precision): decimal.js works
 * to 60 significant digits, so sums of such amounts stay exact, where an amount of 61 digits would be rounded
 * in a balance while the ledger kept it whole.
 */
export const MoneyAmount = DecimalString.regex(/^-?\d{1,15}(\.\d{1,6})?$/, 'must have at most 15 digits before the decimal point and 6 after');

/** Calling and called numbers travel as E.164 digits without '+' (e.g. 390612345678). */
export const E164Digits = z.string().regex(/^\d{3,15}$/, 'must be E.164 digits (country code first, no +), 3 to 15 digits');

/**
 * ISO-8601 instant with an explicit offset or Z, so the original zone is never guessed. The offset is at most
 * 14 hours either way: no time zone is further from UTC, and PostgreSQL refuses more than 15:59.
 */
export const IsoInstant = z.iso.datetime({ offset: true }).refine(offsetWithinRange, 'the UTC offset must be between -14:00 and +14:00');

function offsetWithinRange(instant: string): boolean {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(instant);
  return offset === null || Number(offset[2]) * 60 + Number(offset[3]) <= 14 * 60;
}

/** The characters an Identifier may hold (for hand-written checks on hot paths that must agree with it). */
// eslint-disable-next-line no-control-regex
export const IDENTIFIER_TEXT = /^[^\u0000-\u001f\u007f\ufffd\p{Cs}]*$/u;

/**
 * An identifier a switch or an operator chose (source, record id, account code, account and line): stored and keyed as text, so
 * control characters are refused (NUL above all, which PostgreSQL text cannot hold; a tab or a newline in an
 * id is a broken record, not a name), and so are lone surrogates (not text: PostgreSQL would store U+FFFD for
 * them, so two different ids would become one) and U+FFFD, which stands where bytes could not be read as text
 * (or where ingestion had to replace a character to keep a refused record).
 */
export const Identifier = (maxLength?: number) => {
  const text = z.string().min(1);
  return (maxLength === undefined ? text : text.max(maxLength)).regex(IDENTIFIER_TEXT, 'must be text without control characters (NUL, tab, newline ...), lone surrogates or U+FFFD (bytes that were not text)');
};


export const Service = z.enum(['voice', 'sms', 'fax', 'email', 'data']);
export type Service = z.infer<typeof Service>;

export const Direction = z.enum(['outbound', 'inbound']);
export const Disposition = z.enum(['answered', 'busy', 'no_answer', 'failed']);
export type Disposition = z.infer<typeof Disposition>;

export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code like EUR');

/** A machine-readable reason: a stable snake_case code plus a human sentence. */
export const Reason = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_]*$/),
  message: z.string().min(1),
  /** Where in the record the problem is, e.g. `[3].startTime`. */
  path: z.string().optional(),
});
export type Reason = z.infer<typeof Reason>;
