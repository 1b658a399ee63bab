import { z } from 'zod';
import { Currency, DecimalString, IsoInstant } from './primitives.js';

const base = {
  v: z.literal(1),
  eventId: z.string().min(1),
  accountId: z.string().min(1),
  at: IsoInstant,
  /** The account's balance after the event (credit positive; postpaid usage negative). */
  balance: DecimalString,
  currency: Currency,
};

/** balance.events v1: what happened to an account's money and credit state. */
export const BalanceEventV1 = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('charged'), ledgerEntryId: z.string(), amount: DecimalString, cause: z.string() }),
  z.object({ ...base, type: z.literal('topped_up'), ledgerEntryId: z.string(), amount: DecimalString }),
  z.object({ ...base, type: z.literal('recharged'), ledgerEntryId: z.string(), amount: DecimalString }),
  z.object({ ...base, type: z.literal('low_balance'), threshold: DecimalString }),
  z.object({ ...base, type: z.literal('exhausted') }),
  z.object({ ...base, type: z.literal('switched_to_postpaid'), creditLimit: DecimalString }),
  /** An account in postpaid fallback that has prepaid credit again (a top-up covered its postpaid usage). */
  z.object({ ...base, type: z.literal('switched_to_prepaid') }),
  z.object({ ...base, type: z.literal('blocked'), reason: z.string() }),
  z.object({ ...base, type: z.literal('unblocked'), reason: z.string() }),
]);
export type BalanceEventV1 = z.infer<typeof BalanceEventV1>;
