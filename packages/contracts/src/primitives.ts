import { z } from 'zod';

/** A decimal amount on the wire: always a string, never a binary float. */
export const DecimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number written as a string, e.g. "12.3400"');

/** Calling and called numbers travel as E.164 digits without '+' (e.g. 390612345678). */
export const E164Digits = z.string().regex(/^\d{3,15}$/, 'must be E.164 digits (country code first, no +), 3 to 15 digits');

/** ISO-8601 instant with an explicit offset or Z, so the original zone is never guessed. */
export const IsoInstant = z.iso.datetime({ offset: true });

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
