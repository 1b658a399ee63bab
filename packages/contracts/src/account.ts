import { z } from 'zod';
import { Currency, DecimalString, E164Digits, IsoInstant } from './primitives.js';

export const LineState = z.object({
  lineId: z.string().min(1),
  /** The line's numbers as E.164 digits; a CDR is matched by account code, else by calling number. */
  numbers: z.array(E164Digits).min(1),
  accountCodes: z.array(z.string().min(1)).default([]),
  offerId: z.string().min(1),
  channels: z.number().int().min(1),
  activeFrom: z.string(),
  activeTo: z.string().nullable().default(null),
  closedUserGroups: z.array(z.string()).default([]),
});
export type LineState = z.infer<typeof LineState>;

export const CreditPolicy = z.object({
  mode: z.enum(['prepaid', 'postpaid']),
  /** Prepaid that may fall back to postpaid (pay-as-you-go) with this credit limit when credit runs out. */
  postpaidFallback: z.object({ creditLimit: DecimalString }).nullable().default(null),
  creditLimit: DecimalString.default('0'),
  autoRecharge: z
    .object({ threshold: DecimalString, amount: DecimalString.optional(), fillTo: DecimalString.optional(), maxPerPeriod: z.number().int().min(1) })
    .nullable()
    .default(null),
  lowBalanceThreshold: DecimalString.default('0'),
});

/**
 * account.events v1: the full current state of one customer account (compaction keeps the latest per key),
 * so every service can rebuild its read model by reading the topic from the start.
 */
export const AccountEventV1 = z.discriminatedUnion('type', [
  z.object({
    v: z.literal(1),
    type: z.literal('account.upserted'),
    eventId: z.string().min(1),
    at: IsoInstant,
    accountId: z.string().min(1),
    /** The reseller the customer belongs to; null for a customer the operator sells to directly. */
    partnerId: z.string().min(1).nullable(),
    name: z.string(),
    country: z.string().regex(/^\d{1,3}$/, 'country calling code, e.g. 39'),
    timezone: z.string().min(1),
    currency: Currency,
    billing: z.object({ cycle: z.enum(['monthly', 'quarterly', 'yearly']), anchorDay: z.number().int().min(1).max(31), taxRate: DecimalString, paymentTermDays: z.number().int().min(0).default(14) }),
    credit: CreditPolicy,
    lines: z.array(LineState),
  }),
  z.object({ v: z.literal(1), type: z.literal('account.deleted'), eventId: z.string().min(1), at: IsoInstant, accountId: z.string().min(1) }),
]);
export type AccountEventV1 = z.infer<typeof AccountEventV1>;
export type AccountUpserted = Extract<AccountEventV1, { type: 'account.upserted' }>;
