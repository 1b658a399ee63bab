// The catalogue as billing operations write it (YAML or JSON), validated by zod. Field-level rules live
// here; rules that relate fields to each other are in ./checks.ts.
import { z } from 'zod';
import { IANAZone } from 'luxon';

export const SERVICES = ['voice', 'sms', 'fax', 'email', 'data'] as const;
export type Service = (typeof SERVICES)[number];

/** What one billable unit of a service is (a CDR's billableUnits counts these). */
export const SERVICE_UNITS: Readonly<Record<Service, string>> = {
  voice: 'second',
  sms: 'message',
  fax: 'page',
  email: 'message',
  data: 'byte',
};

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'must be an identifier (letters, digits, _ . : -)');

/** A non-negative decimal given as a string ("0.025") or a plain YAML number; kept as its exact text. */
function decimalText(maxDecimals: number, what: string) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const text = typeof value === 'number' ? String(value) : value.trim();
    if (!/^\d+(\.\d+)?$/.test(text)) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a non-negative decimal like "0.025", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    const decimals = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
    if (decimals > maxDecimals) {
      ctx.addIssue({ code: 'custom', message: `${what} may have at most ${maxDecimals} decimal places, got "${text}"` });
      return z.NEVER;
    }
    return text;
  });
}

/** Prices and fees: at most 6 decimals (the rating engine's exact integer unit is 1e-6 of a currency unit). */
export const MoneyText = decimalText(6, 'an amount');
/** Discount percentages: 0..100 with at most 4 decimals. */
export const PercentText = decimalText(4, 'a percentage').refine((t) => Number(t) <= 100, 'a percentage may not exceed 100');

const E164 = z.string().regex(/^[1-9]\d{0,14}$/, 'must be E.164 digits without "+" (e.g. "390612345678")');
const Prefix = z.string().regex(/^\d{1,15}$/, 'must be 1 to 15 digits');
const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"');
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const IsoInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/, 'must be an ISO-8601 time with an offset, e.g. "2024-03-01T00:00:00+01:00"');
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time HH:MM (00:00 to 24:00)');
const TimeZone = z.string().refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as "Europe/Rome"');

export const RoundingSchema = z
  .object({
    precision: z.number().int().min(0).max(6),
    mode: z.enum(['half_up', 'half_even', 'up', 'down']).default('half_up'),
  })
  .strict();

export const IncrementsSchema = z
  .object({
    /** Seconds (or units) billed for the start of the event. */
    initial: z.number().int().positive(),
    /** Seconds (or units) billed for each started step after the initial one. */
    subsequent: z.number().int().positive(),
  })
  .strict();

export const RateSchema = z
  .object({
    destination: Id,
    service: z.enum(SERVICES).default('voice'),
    direction: z.enum(['outbound', 'inbound']).default('outbound'),
    /** A time band id; a rate without one applies in every band that has no rate of its own. */
    band: Id.optional(),
    connectFee: MoneyText.default('0'),
    /** Voice: price per 60 billed seconds. */
    pricePerMinute: MoneyText.optional(),
    /** Other services: price per `unitSize` billed units. */
    pricePerUnit: MoneyText.optional(),
    unitSize: z.number().int().positive().optional(),
    /** Retail lists only: the whole call's billed duration comes from the retail rate. */
    increments: IncrementsSchema.optional(),
    minimumDuration: z.number().int().min(0).optional(),
    rounding: RoundingSchema.optional(),
    /** What an unanswered (busy, no answer, failed) event costs: nothing, or the connect fee. */
    unanswered: z.enum(['free', 'connect_fee']).default('free'),
  })
  .strict();

export const PriceListSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    /** wholesale: what a partner pays the operator; retail: what a customer pays (partner-editable). */
    kind: z.enum(['wholesale', 'retail']),
    /** The partner that owns (and may edit) this list; absent for the operator's own lists. */
    partner: Id.optional(),
    /** A retail list may start from another retail list and override only some of its rates. */
    extends: Id.optional(),
    currency: Currency,
    rounding: RoundingSchema.optional(),
    /** Defaults for the list's voice rates (other services count whole units unless a rate sets increments). */
    increments: IncrementsSchema.optional(),
    minimumDuration: z.number().int().min(0).optional(),
    rates: z.array(RateSchema),
  })
  .strict();

export const DestinationSchema = z
  .object({
    id: Id,
    name: z.string(),
    prefixes: z.array(Prefix).min(1),
  })
  .strict();

export const TimeWindowSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1),
    from: ClockTime,
    to: ClockTime,
  })
  .strict();

export const TimeBandsSchema = z
  .object({
    /** Zone the windows are read in; absent: the customer's (line's) time zone. */
    timeZone: TimeZone.optional(),
    /** Split a call's billed duration where the band changes (else the band at the start rates all of it). */
    splitAtBoundary: z.boolean().default(false),
    /** First matching band wins, in this order. Together they must cover the whole week. */
    bands: z
      .array(z.object({ id: Id, name: z.string().optional(), windows: z.array(TimeWindowSchema).min(1) }).strict())
      .min(1),
    /** Whole days rated in one band: a fixed date, or "--MM-DD" for every year. */
    holidays: z
      .array(
        z
          .object({
            date: z.string().regex(/^(\d{4}|-)-\d{2}-\d{2}$/, 'must be YYYY-MM-DD or --MM-DD (every year)'),
            band: Id,
            name: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export const BasketSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    service: z.enum(SERVICES).default('voice'),
    /** Destination ids whose usage this basket covers. */
    destinations: z.array(Id).min(1),
    /** Units included per cycle: minutes for voice, messages/pages/bytes otherwise. */
    allowance: z.number().int().min(0),
    /** reset: a fresh allowance each cycle; rollover: unused units carry into the next cycle. */
    renewal: z.enum(['reset', 'rollover']).default('reset'),
    /** Most units a rollover basket may hold after carrying (absent: no cap). */
    rolloverCap: z.number().int().min(0).optional(),
  })
  .strict();

export const OverageSchema = z
  .object({
    enabled: z.boolean(),
    /** The billing target overage is charged to (one per customer and service); required when enabled. */
    target: z.string().min(1).nullable().default(null),
  })
  .strict();

export const OfferSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    /**
     * payg: everything charged at list prices. flat: a fee with allowances; inside them 0 to the customer and
     * to the partner. flat_to_customer: 0 to the customer inside the allowance, the partner pays per use.
     * custom: a recipe of several baskets.
     */
    kind: z.enum(['payg', 'flat', 'flat_to_customer', 'custom']),
    /** Whether the partner pays wholesale for units inside an allowance; defaults from kind. */
    partnerBilling: z.enum(['bundled', 'per_use']).optional(),
    baskets: z.array(BasketSchema).default([]),
    /** Usage beyond the baskets: charged at list rates to a target, or refused. */
    overage: OverageSchema.default({ enabled: true, target: null }),
    channels: z.object({ count: z.number().int().positive(), fixed: z.boolean().default(false) }).strict(),
    /** The offer may only be sold on a line with exactly one number. */
    singleNumber: z.boolean().default(false),
    /** Rating-time discount ids, tried in this order; the first whose scope matches an event applies. */
    discounts: z.array(Id).default([]),
    fees: z
      .object({
        setup: MoneyText.optional(),
        recurring: z.object({ amount: MoneyText, every: z.enum(['month', 'quarter', 'year']) }).strict().optional(),
        currency: Currency.optional(),
      })
      .strict()
      .optional(),
    prepaid: z
      .object({
        initialCredit: MoneyText.optional(),
        postpaidFallback: z.boolean().default(false),
        autoRecharge: z.object({ threshold: MoneyText, target: MoneyText }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const DiscountStepSchema = z
  .object({
    /** Cumulative usage in the period from which this step applies: minutes, units or spend. */
    threshold: MoneyText,
    /** Percentage off the unit price (exclusive with amount). */
    percentage: PercentText.optional(),
    /** Amount off the unit price, per minute for voice, per unit otherwise (exclusive with percentage). */
    amount: MoneyText.optional(),
  })
  .strict();

export const DiscountSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    /** minutes (voice), units (any service) or spend (retail amount charged) in the current period. */
    basis: z.enum(['minutes', 'units', 'spend']),
    services: z.array(z.enum(SERVICES)).min(1).default(['voice']),
    /** Destination ids in scope; absent: all. */
    destinations: z.array(Id).optional(),
    steps: z.array(DiscountStepSchema).min(1),
  })
  .strict();

export const ClosedUserGroupSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    members: z.array(E164).min(2),
    services: z.array(z.enum(SERVICES)).min(1).default(['voice']),
    /** Member-to-member price replacing the retail unit price (voice per minute, others per unit). */
    pricePerMinute: MoneyText.optional(),
    pricePerUnit: MoneyText.optional(),
    connectFee: MoneyText.default('0'),
  })
  .strict();

export const PartnerSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    wholesalePriceList: Id,
    retailPriceList: Id.optional(),
  })
  .strict();

export const CatalogueVersionSchema = z
  .object({
    version: Id,
    description: z.string().optional(),
    /** In force from this instant (inclusive) ... */
    effectiveFrom: IsoInstant,
    /** ... to this one (exclusive); absent: until the next version starts. */
    effectiveTo: IsoInstant.optional(),
    services: z
      .array(z.object({ id: z.enum(SERVICES), unit: z.string().optional() }).strict())
      .default(SERVICES.map((id) => ({ id }))),
    destinations: z.array(DestinationSchema).min(1),
    timeBands: TimeBandsSchema.default({
      splitAtBoundary: false,
      bands: [{ id: 'all', windows: [{ days: [...WEEKDAYS], from: '00:00', to: '24:00' }] }],
      holidays: [],
    }),
    defaults: z.object({ retailPriceList: Id, wholesalePriceList: Id }).strict(),
    priceLists: z.array(PriceListSchema).min(1),
    partners: z.array(PartnerSchema).default([]),
    discounts: z.array(DiscountSchema).default([]),
    offers: z.array(OfferSchema).min(1),
    closedUserGroups: z.array(ClosedUserGroupSchema).default([]),
  })
  .strict();

export const CatalogueSchema = z
  .object({
    catalogue: z.string().optional(),
    versions: z.array(CatalogueVersionSchema).min(1),
  })
  .strict();

export type Catalogue = z.output<typeof CatalogueSchema>;
export type CatalogueVersion = z.output<typeof CatalogueVersionSchema>;
export type CatalogueInput = z.input<typeof CatalogueSchema>;
export type Rate = z.output<typeof RateSchema>;
export type PriceList = z.output<typeof PriceListSchema>;
export type Destination = z.output<typeof DestinationSchema>;
export type TimeBands = z.output<typeof TimeBandsSchema>;
export type Offer = z.output<typeof OfferSchema>;
export type Basket = z.output<typeof BasketSchema>;
export type Discount = z.output<typeof DiscountSchema>;
export type DiscountStep = z.output<typeof DiscountStepSchema>;
export type ClosedUserGroup = z.output<typeof ClosedUserGroupSchema>;
export type Partner = z.output<typeof PartnerSchema>;
export type Increments = z.output<typeof IncrementsSchema>;
export type RoundingSpec = z.output<typeof RoundingSchema>;
