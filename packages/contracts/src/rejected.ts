import { z } from 'zod';
import { IsoInstant, Reason } from './primitives.js';

/**
 * cdr.rejected v1: a record that could not be taken, with the reason and the original input,
 * so an operator can see it and re-drive it once the cause is fixed. Nothing is dropped silently.
 */
export const CdrRejectedV1 = z.object({
  v: z.literal(1),
  rejectionId: z.string().min(1),
  stage: z.enum(['ingestion', 'rating', 'charging']),
  source: z.string().nullable(),
  recordId: z.string().nullable(),
  accountId: z.string().nullable(),
  reasons: z.array(Reason).min(1),
  /** The record as received (parsed JSON, or the raw line for text formats). */
  original: z.unknown(),
  rejectedAt: IsoInstant,
});
export type CdrRejectedV1 = z.infer<typeof CdrRejectedV1>;
