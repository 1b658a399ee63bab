// The invoicing configuration ("billing document"): what the catalogue has no place for. Billing-time
// discounts, taxes per customer, cost caps, free credit of packages, dunning, profitability control and
// offer templates. Applied over HTTP by billing ops, validated here with exact paths, like the catalogue.
import { z } from 'zod';
import { MoneyText, PercentText, SERVICES } from '../catalogue/schema.js';
import { formatPath } from '../catalogue/errors.js';
import { dec } from '../money.js';
import { CHARGE_TYPES } from './usage.js';
import { TEMPLATE_KINDS, templatePlaceholderLimit, type TemplateKind } from './templates.js';

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'must be an identifier (letters, digits, _ . : -)');
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
/** A tax rate as a fraction: "0.22" for 22%. */
const TaxRate = MoneyText.refine((t) => dec(t).lessThanOrEqualTo(1), 'a tax rate is a fraction between 0 and 1, e.g. "0.22" for 22%');

/** What a discount measures or reduces: usage (by service, destination, charge type) and, optionally, fees. */
export const ScopeSchema = z
  .object({
    services: z.array(z.enum(SERVICES)).min(1).optional(),
    destinations: z.array(Id).min(1).optional(),
    /** payg, included, overage, cug; absent: all. */
    chargeTypes: z.array(z.enum(CHARGE_TYPES as [string, ...string[]])).min(1).optional(),
    /** Usage events count (default true). */
    usage: z.boolean().default(true),
    /** Recurring and setup fees count too (spend basis) and are discounted (default false). */
    fees: z.boolean().default(false),
  })
  .strict();
export type Scope = z.output<typeof ScopeSchema>;
const ALL_USAGE: Scope = { usage: true, fees: false };

export const BASES = ['spend', 'minutes', 'units', 'calls'] as const;
export type Basis = (typeof BASES)[number];

const StepSchema = z
  .object({
    /** Quantity of the basis from which the step applies: spend, minutes, units or calls. */
    threshold: MoneyText,
    percentage: PercentText.optional(),
    amount: MoneyText.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.percentage === undefined) === (s.amount === undefined)) ctx.addIssue({ code: 'custom', message: 'a step is either a percentage or an amount, never both and never neither' });
  });

/** A discount period: thresholds are counted, and fixed amounts granted, per period of this length from the cycle start. */
const PeriodSchema = z.object({ unit: z.enum(['day', 'week', 'month']), count: z.number().int().min(1) }).strict();
export type DiscountPeriod = z.output<typeof PeriodSchema>;

const DiscountGrant = z
  .object({
    percentage: PercentText.optional(),
    amount: MoneyText.optional(),
    /** Free units of the target: minutes for voice, messages, pages... otherwise (the first ones in start order). */
    freeUnits: MoneyText.optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    if ([g.percentage, g.amount, g.freeUnits].filter((x) => x !== undefined).length !== 1) ctx.addIssue({ code: 'custom', message: 'a grant is exactly one of percentage, amount or freeUnits' });
  });
export type DiscountGrant = z.output<typeof DiscountGrant>;

const common = {
  id: Id,
  name: z.string().optional(),
  /** The discount applies to usage on and after this date ... */
  validFrom: IsoDate.optional(),
  /** ... and before this one (exclusive). */
  validTo: IsoDate.optional(),
  /** Amount benefits are prorated by the days of service the discount covered in the cycle. */
  prorate: z.boolean().default(false),
};

export const BillingDiscountSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...common,
      kind: z.literal('steps'),
      /** tiered: each band's part gets its band's rate; volume: the whole quantity gets the highest step reached. */
      model: z.enum(['tiered', 'volume']).default('volume'),
      basis: z.enum(BASES),
      scope: ScopeSchema.default(ALL_USAGE),
      steps: z.array(StepSchema).min(1),
      period: PeriodSchema.optional(),
      /** Re-prices each event in scope (its step chosen by the quantity before it) instead of one discount line. */
      preItemisation: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('cross_product'),
      /** Usage of one product ... */
      qualifying: z.object({ scope: ScopeSchema.default(ALL_USAGE), basis: z.enum(BASES), atLeast: MoneyText }).strict(),
      /** ... decides the discount on another. */
      target: ScopeSchema.default(ALL_USAGE),
      grant: DiscountGrant,
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('bonus'),
      /** Units earned from an earlier period: `grant` for every `per` of the basis in the lookback window. */
      earn: z
        .object({
          scope: ScopeSchema.default(ALL_USAGE),
          basis: z.enum(BASES),
          per: MoneyText.refine((t) => dec(t).greaterThan(0), 'must be more than 0'),
          lookback: z.enum(['previous_cycle', 'previous_month', 'previous_quarter']).default('previous_cycle'),
        })
        .strict(),
      target: ScopeSchema.default(ALL_USAGE),
      grant: DiscountGrant,
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('tax'),
      /** The tax on these lines' net is reduced by a percentage, or by an amount. */
      scope: ScopeSchema.default({ usage: true, fees: true }),
      percentage: PercentText.optional(),
      amount: MoneyText.optional(),
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('fixed'),
      /** An absolute amount granted once per discount period (default: once per cycle), never more than the scope's charges. */
      amount: MoneyText,
      period: PeriodSchema.optional(),
      scope: ScopeSchema.default({ usage: true, fees: true }),
    })
    .strict(),
]);
export type BillingDiscount = z.output<typeof BillingDiscountSchema>;
export type StepsDiscount = Extract<BillingDiscount, { kind: 'steps' }>;

export const DunningPolicySchema = z
  .object({
    /** Reminders this many days before the due date. */
    reminderDaysBeforeDue: z.array(z.number().int().min(1)).default([3]),
    /** Suspended when an invoice is this many days past its due date and unpaid. */
    suspendAfterDays: z.number().int().min(1).default(14),
    /** Terminated after this many days past the due date. */
    terminateAfterDays: z.number().int().min(1).default(60),
  })
  .strict();
export type DunningPolicy = z.output<typeof DunningPolicySchema>;

const ProfitabilitySchema = z
  .object({
    referencePricePerMinute: MoneyText.optional(),
    tolerancePercent: PercentText.optional(),
    /** Flat check: the flat price per month (default: the monthly fee of the account's flat offer). */
    flat: z.object({ price: MoneyText.optional() }).strict().optional(),
    /** Fixed price per handled call check. */
    fixedPricePerCall: z.object({ price: MoneyText }).strict().optional(),
  })
  .strict();

const TemplatePair = z.object({ offer: z.string().min(1), followUp: z.string().min(1) }).strict();

export const BillingConfigSchema = z
  .object({
    billing: z.string().optional(),
    discounts: z.array(BillingDiscountSchema).default([]),
    costCaps: z
      .object({
        tolerancePercent: PercentText.default('10'),
        /** Usage (and optionally fees) flagged "cost cap". */
        flagged: ScopeSchema.default(ALL_USAGE),
        categories: z.array(z.object({ category: z.number().int().min(1).max(7), cap: MoneyText }).strict()).min(1),
      })
      .strict()
      .optional(),
    dunning: DunningPolicySchema.default({ reminderDaysBeforeDue: [3], suspendAfterDays: 14, terminateAfterDays: 60 }),
    profitability: z
      .object({ referencePricePerMinute: MoneyText.optional(), tolerancePercent: PercentText.default('10'), followUpAfterDays: z.number().int().min(1).default(7) })
      .strict()
      .default({ tolerancePercent: '10', followUpAfterDays: 7 }),
    templates: z
      .object({ costCap: TemplatePair.optional(), flat: TemplatePair.optional(), fixedPricePerCall: TemplatePair.optional() })
      .strict()
      .default({}),
    /** Per offer (package): discounts for every customer on it and free credit per cycle. */
    offers: z
      .array(
        z
          .object({
            offerId: Id,
            discounts: z.array(Id).default([]),
            freeCredit: z.object({ amount: MoneyText, renewal: z.enum(['reset', 'keep']).default('reset') }).strict().optional(),
          })
          .strict(),
      )
      .default([]),
    partners: z
      .array(
        z
          .object({
            partnerId: Id,
            taxRate: TaxRate.default('0'),
            /** Billing-time discount on the partner's wholesale traffic; overage lines never get it. */
            discountPercent: PercentText.default('0'),
            paymentTermDays: z.number().int().min(0).default(30),
          })
          .strict(),
      )
      .default([]),
    customers: z
      .array(
        z
          .object({
            accountId: z.string().min(1),
            discounts: z.array(Id).default([]),
            /** Overrides account.events' taxRate; exempt customers pay no tax and the invoice says why. */
            tax: z.object({ rate: TaxRate.optional(), exempt: z.object({ reason: z.string().min(1) }).strict().optional() }).strict().optional(),
            costCap: z.object({ category: z.number().int().min(1).max(7) }).strict().optional(),
            profitability: ProfitabilitySchema.optional(),
            dunning: DunningPolicySchema.partial().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type BillingConfig = z.output<typeof BillingConfigSchema>;
export type CustomerBilling = BillingConfig['customers'][number];
export type OfferBilling = BillingConfig['offers'][number];
export type PartnerBilling = BillingConfig['partners'][number];
export type CostCapConfig = NonNullable<BillingConfig['costCaps']>;

export interface BillingConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class BillingConfigError extends Error {
  readonly code = 'invalid_billing_config';
  constructor(readonly issues: readonly BillingConfigIssue[]) {
    super(`invalid billing configuration:\n${issues.slice(0, 20).map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'BillingConfigError';
  }
}

export const EMPTY_BILLING_CONFIG: BillingConfig = BillingConfigSchema.parse({});

/** Validates a billing document; throws BillingConfigError listing every problem with its path. */
export function parseBillingConfig(input: unknown): BillingConfig {
  const parsed = BillingConfigSchema.safeParse(input);
  if (!parsed.success) throw new BillingConfigError(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  const config = parsed.data;
  const issues: BillingConfigIssue[] = [];
  const report = (path: PropertyKey[], message: string) => issues.push({ path: formatPath(path), message });

  const ids = new Set<string>();
  config.discounts.forEach((d, i) => {
    if (ids.has(d.id)) report(['discounts', i, 'id'], `duplicate discount "${d.id}"`);
    ids.add(d.id);
    if (d.validFrom && d.validTo && d.validTo <= d.validFrom) report(['discounts', i, 'validTo'], 'validTo must be later than validFrom');
    if (d.kind === 'steps') {
      d.steps.forEach((s, j) => {
        if (j > 0 && !dec(s.threshold).greaterThan(dec(d.steps[j - 1]!.threshold))) report(['discounts', i, 'steps', j, 'threshold'], 'step thresholds must increase');
      });
      if (d.preItemisation && d.scope.fees) report(['discounts', i, 'scope', 'fees'], 'a pre-itemisation discount re-prices events; it cannot include fees');
    }
    if (d.kind === 'tax' && (d.percentage === undefined) === (d.amount === undefined)) report(['discounts', i], 'a tax discount is either a percentage or an amount');
    if (d.kind === 'bonus' && d.grant.percentage !== undefined) report(['discounts', i, 'grant', 'percentage'], 'a bonus grants an amount or free units per block earned');
  });
  const known = (list: readonly string[], path: PropertyKey[]) =>
    list.forEach((id, j) => {
      if (!ids.has(id)) report([...path, j], `unknown discount "${id}"`);
    });
  config.offers.forEach((o, i) => known(o.discounts, ['offers', i, 'discounts']));
  const categories = new Set(config.costCaps?.categories.map((c) => c.category) ?? []);
  config.costCaps?.categories.forEach((c, i) => {
    if (config.costCaps!.categories.findIndex((x) => x.category === c.category) !== i) report(['costCaps', 'categories', i, 'category'], `duplicate category ${c.category}`);
  });
  const accounts = new Set<string>();
  config.customers.forEach((c, i) => {
    if (accounts.has(c.accountId)) report(['customers', i, 'accountId'], `duplicate customer "${c.accountId}"`);
    accounts.add(c.accountId);
    known(c.discounts, ['customers', i, 'discounts']);
    if (c.costCap && !categories.has(c.costCap.category)) report(['customers', i, 'costCap', 'category'], `cost-cap category ${c.costCap.category} is not defined in costCaps.categories`);
    if (c.tax?.exempt && c.tax.rate !== undefined && !dec(c.tax.rate).isZero()) report(['customers', i, 'tax'], 'an exempt customer cannot have a tax rate');
  });
  for (const kind of TEMPLATE_KINDS) {
    const pair = config.templates[kind];
    if (!pair) continue;
    for (const which of ['offer', 'followUp'] as const) {
      const limit = templatePlaceholderLimit(kind as TemplateKind, which);
      for (const m of pair[which].matchAll(/\{(\d+)\}/g)) {
        if (Number(m[1]) >= limit) report(['templates', kind, which], `placeholder {${m[1]}} does not exist; this template has {0} to {${limit - 1}}`);
      }
    }
  }
  if (issues.length > 0) throw new BillingConfigError(issues);
  return config;
}

/** The customer's settings, or none. */
export function customerBilling(config: BillingConfig, accountId: string): CustomerBilling | undefined {
  return config.customers.find((c) => c.accountId === accountId);
}

/** The discounts that apply to a customer: those of its offers, then its own, each once, in that order. */
export function discountsFor(config: BillingConfig, accountId: string, offerIds: readonly string[]): BillingDiscount[] {
  const wanted: string[] = [];
  for (const o of config.offers) if (offerIds.includes(o.offerId)) wanted.push(...o.discounts);
  wanted.push(...(customerBilling(config, accountId)?.discounts ?? []));
  const seen = new Set<string>();
  const out: BillingDiscount[] = [];
  for (const id of wanted) {
    if (seen.has(id)) continue;
    seen.add(id);
    const d = config.discounts.find((x) => x.id === id);
    if (d) out.push(d);
  }
  return out;
}

/** The customer's dunning policy: the configuration's, with the customer's own settings over it. */
export function dunningPolicyFor(config: BillingConfig, accountId: string): DunningPolicy {
  return { ...config.dunning, ...(customerBilling(config, accountId)?.dunning ?? {}) } as DunningPolicy;
}
