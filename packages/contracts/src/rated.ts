import { z } from 'zod';
import { Currency, Direction, DecimalString, IsoInstant, Service } from './primitives.js';

export const PricedAmount = z.object({
  /** Rounded once to the tariff's precision: what is charged. */
  amount: DecimalString,
  /** The exact value before rounding, kept for audit. */
  precise: DecimalString,
  currency: Currency,
});
export type PricedAmount = z.infer<typeof PricedAmount>;

/**
 * How an amount came about. The core fields are fixed; the rating engine may add more detail
 * (parts, bucket draws, discount steps), which is kept as it is.
 */
export const RatingExplanation = z
  .object({
    catalogueVersion: z.string(),
    destination: z.string().optional(),
    billedUnits: z.number().int().min(0),
  })
  .loose();

/**
 * cdr.rated v1: the priced CDR. ratedId = source/recordId; `revision` grows when a replay
 * re-rates the record, so consumers apply the difference, never a second full charge.
 */
export const CdrRatedV1 = z.object({
  v: z.literal(1),
  ratedId: z.string().min(1),
  revision: z.number().int().min(0),
  source: z.string(),
  recordId: z.string(),
  accountId: z.string(),
  lineId: z.string(),
  service: Service,
  /** Outbound or inbound, as the CDR had it (call-centre profitability counts incoming minutes). */
  direction: Direction.default('outbound'),
  startTime: IsoInstant,
  /** The billing period the CDR belongs to, by its start time in the customer's zone: its first day, YYYY-MM-DD. */
  periodKey: z.iso.date(),
  /** The first day after that period (YYYY-MM-DD). */
  periodEnd: z.iso.date(),
  billedUnits: z.number().int().min(0),
  /** Units refused because the allowance was used up and overage is disabled. */
  deniedUnits: z.number().int().min(0),
  retail: PricedAmount,
  wholesale: PricedAmount,
  explanation: RatingExplanation,
  ratedAt: IsoInstant,
  /**
   * On a re-rating (revision > 0): the amounts of the revision this one replaces, so that consumers post
   * the difference and never a second full charge. Null on a first rating.
   */
  previous: z
    .object({ revision: z.number().int().min(0), billedUnits: z.number().int().min(0), retail: PricedAmount, wholesale: PricedAmount })
    .nullable()
    .default(null),
});
export type CdrRatedV1 = z.infer<typeof CdrRatedV1>;
