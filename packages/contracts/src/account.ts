import { z } from 'zod';
import { Currency, DecimalString, E164Digits, Identifier, IsoInstant, Service } from './primitives.js';

/** One stretch of a line's package: the offer and channel count in force from one instant to another. */
export const LineOfferPeriod = z.object({
  offerId: z.string().min(1),
  channels: z.number().int().min(1),
  /** In force from this instant (inclusive) ... */
  from: IsoInstant,
  /** ... to this one (exclusive); null while open-ended. */
  to: IsoInstant.nullable(),
  /** What began the period: activation, a package change up or down (or sideways), a modify (flat on/off, channels). */
  change: z.enum(['activation', 'upgrade', 'downgrade', 'change', 'modify']),
});
export type LineOfferPeriod = z.infer<typeof LineOfferPeriod>;

export const LineState = z.object({
  lineId: Identifier(),
  /** The line's numbers as E.164 digits; a CDR is matched by account code, else by calling number. */
  numbers: z.array(E164Digits).min(1),
  accountCodes: z.array(Identifier()).default([]),
  offerId: z.string().min(1),
  channels: z.number().int().min(1),
  activeFrom: z.string(),
  activeTo: z.string().nullable().default(null),
  closedUserGroups: z.array(z.string()).default([]),
  /**
   * The line's package over time, oldest first, including a change scheduled for later. `offerId` and
   * `channels` above are the period in force when the state was published; a reader that must know the
   * offer at another instant (rating a late CDR, invoicing prorating fees) reads it here. Absent on states
   * written before provisioning existed: then `offerId` has been in force since `activeFrom`.
   */
  offerPeriods: z.array(LineOfferPeriod).optional(),
});
export type LineState = z.infer<typeof LineState>;

/**
 * The overage setting of one customer for one service (seed 001, "manage overage"): usage beyond the
 * allowances is charged to `target`, or refused when `target` is null ("none"). A service with no entry
 * follows its offer's own overage setting.
 */
export const OverageAssignment = z.object({
  service: Service,
  /** The billing target overage is charged to; null: overage off, calls beyond the allowance are refused. */
  target: z.string().min(1).nullable(),
  /** The partner that holds the setting (set it first); null for the operator on a direct customer. */
  heldBy: z.string().min(1).nullable(),
  since: IsoInstant,
});
export type OverageAssignment = z.infer<typeof OverageAssignment>;

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
    accountId: Identifier(),
    /** The reseller the customer belongs to; null for a customer the operator sells to directly. */
    partnerId: z.string().min(1).nullable(),
    name: z.string(),
    country: z.string().regex(/^\d{1,3}$/, 'country calling code, e.g. 39'),
    timezone: z.string().min(1),
    currency: Currency,
    billing: z.object({ cycle: z.enum(['monthly', 'quarterly', 'yearly']), anchorDay: z.number().int().min(1).max(31), taxRate: DecimalString, paymentTermDays: z.number().int().min(0).default(14) }),
    credit: CreditPolicy,
    lines: z.array(LineState),
    /** Overage per service; absent or without a service's entry: the offers' own settings apply. */
    overage: z.array(OverageAssignment).optional(),
  }),
  z.object({ v: z.literal(1), type: z.literal('account.deleted'), eventId: z.string().min(1), at: IsoInstant, accountId: Identifier() }),
]);
export type AccountEventV1 = z.infer<typeof AccountEventV1>;
export type AccountUpserted = Extract<AccountEventV1, { type: 'account.upserted' }>;
