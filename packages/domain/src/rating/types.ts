// The rating engine's inputs and outputs. Plain serialisable data only: the state travels through
// PostgreSQL as JSON between CDRs, the outcome goes onto cdr.rated / cdr.rejected.
import type { CatalogueVersion, RoundingSpec, Service } from '../catalogue/schema.js';

export type Disposition = 'answered' | 'busy' | 'no_answer' | 'failed';
export type Direction = 'outbound' | 'inbound';

export interface RatingCdr {
  readonly source: string;
  readonly recordId: string;
  readonly accountId: string;
  readonly lineId: string;
  readonly service: Service;
  readonly direction: Direction;
  /** E.164 digits, no '+'. */
  readonly callingNumber: string;
  /** E.164 digits, no '+' (a number in national or '+' form is normalised with the line's country). */
  readonly calledNumber: string;
  /** ISO-8601 with an offset; rating uses it truncated to the whole second. */
  readonly startTime: string;
  /** Integer: seconds for voice, messages/pages/bytes otherwise. */
  readonly billableUnits: number;
  readonly disposition: Disposition;
}

export interface OverageSetting {
  readonly enabled: boolean;
  /** Billing target the overage is charged to; null when disabled. */
  readonly target: string | null;
}

export interface LineProfile {
  readonly offerId: string;
  /** The reseller the line belongs to; null/absent: sold directly at the operator's lists. */
  readonly partnerId?: string | null;
  /** IANA zone of the customer: time bands, holidays and cycle boundaries are read in it. */
  readonly timeZone: string;
  /** Country calling code used to normalise national numbers (e.g. "39"). */
  readonly countryCode?: string;
  /** YYYY-MM-DD (in the customer's zone): allowances of the first cycle are prorated from it. */
  readonly subscriptionStart: string;
  /** Day of month (1..31) a cycle starts on; 29-31 fall on the last day of shorter months. */
  readonly cycleAnchorDay: number;
  /** Closed user groups the line belongs to. */
  readonly cugs?: readonly string[];
  /** Overrides the offer's overage setting (the partner's "manage overage"). */
  readonly overage?: OverageSetting | null;
}

export interface BucketBalance {
  /** Units granted this period (after proration), before carry-over. */
  readonly allowance: number;
  /** Units carried over from earlier periods (rollover baskets). */
  readonly carried: number;
  /** Units left; never below zero. Voice baskets count seconds. */
  readonly remaining: number;
}

export interface DiscountUsage {
  /** Billed units (seconds for voice) of in-scope usage this period. */
  readonly units: number;
  /** Retail amount charged for in-scope usage this period, in millionths of the currency unit. */
  readonly spendMicros: number;
}

/** An account line's counters for one billing period. */
export interface RatingState {
  readonly v: 1;
  readonly offerId: string;
  /** The period's first day (YYYY-MM-DD, customer's zone); also its key. */
  readonly periodKey: string;
  /** First day after the period (YYYY-MM-DD). */
  readonly periodEnd: string;
  /** The period's bounds as epoch milliseconds (start inclusive, end exclusive). */
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  readonly buckets: Readonly<Record<string, BucketBalance>>;
  readonly usage: Readonly<Record<string, DiscountUsage>>;
}

export interface RatingContext {
  /** The catalogue version in force at the CDR's start (catalogueVersionAt). */
  readonly version: CatalogueVersion;
  readonly line: LineProfile;
  /** The line's state for the CDR's period, the previous period's (it is rolled forward), or none. */
  readonly state: RatingState | null | undefined;
}

export interface MoneyAmount {
  /** Rounded once, at the tariff's precision, decimal string ("0.0250"). */
  readonly amount: string;
  /** The exact value (to PRECISE_DECIMALS places, trailing zeros dropped). */
  readonly precise: string;
  readonly currency: string;
}

export type PartSource = 'bucket' | 'overage' | 'payg' | 'cug' | 'denied';

export interface RatingPart {
  readonly units: number;
  readonly source: PartSource;
  readonly basket?: string;
  readonly band?: string;
  readonly discount?: string;
  /** Index of the discount step in the discount's steps. */
  readonly discountStep?: number;
  /** Retail price per minute (voice) or per unit, after any discount. */
  readonly unitPrice: string;
  /** Retail amount of this part, precise. */
  readonly amount: string;
  readonly wholesaleUnitPrice: string;
  readonly wholesaleAmount: string;
}

export interface BucketDraw {
  readonly basket: string;
  readonly units: number;
  readonly remainingAfter: number;
}

export interface AppliedDiscountStep {
  readonly discount: string;
  readonly step: number;
  readonly threshold: string;
  readonly percentage?: string;
  readonly amount?: string;
  /** Billed units priced at this step. */
  readonly units: number;
}

export interface RateExplanation {
  readonly retailPriceList: string;
  readonly wholesalePriceList: string;
  /** 'minute' for voice (price per 60 s), 'unit' otherwise (price per unitSize units). */
  readonly per: 'minute' | 'unit';
  readonly unitSize: number;
  readonly price: string;
  readonly connectFee: string;
  readonly wholesalePrice: string;
  readonly wholesaleConnectFee: string;
  readonly rounding: RoundingSpec;
  readonly wholesaleRounding: RoundingSpec;
}

export interface RatingExplanation {
  readonly catalogueVersion: string;
  readonly offer: string;
  readonly period: string;
  readonly destination: string | null;
  readonly prefix: string | null;
  /** The band at the call's start. */
  readonly band: string | null;
  /** The rate at the call's start; null for a free event with no rate (inbound without an inbound rate). */
  readonly rate: RateExplanation | null;
  readonly increments: { readonly initial: number; readonly subsequent: number; readonly minimum: number };
  readonly billedUnits: number;
  /** Connect fees charged (0 when the call starts inside a bucket or is denied). */
  readonly connectFee: { readonly retail: string; readonly wholesale: string };
  readonly cug: string | null;
  readonly parts: readonly RatingPart[];
  readonly bucketDraws: readonly BucketDraw[];
  readonly discountSteps: readonly AppliedDiscountStep[];
}

export interface DeniedUnits {
  readonly units: number;
  readonly reason: 'allowance_exhausted';
}

export interface RatedCharge {
  readonly billedUnits: number;
  readonly retail: MoneyAmount;
  readonly wholesale: MoneyAmount;
  /** Units beyond the allowance when overage is disabled; they are not charged and credit control refuses them. */
  readonly denied: DeniedUnits | null;
  readonly explanation: RatingExplanation;
}

export type RejectionCode =
  | 'invalid_cdr'
  | 'invalid_number'
  | 'invalid_start_time'
  | 'unknown_destination'
  | 'no_rate_for_service'
  | 'no_wholesale_rate'
  | 'unknown_offer'
  | 'unknown_partner'
  | 'unknown_time_zone'
  | 'state_period_mismatch'
  | 'amount_out_of_range';

export type RatingOutcome =
  | { readonly kind: 'rated'; readonly charge: RatedCharge; readonly state: RatingState }
  | { readonly kind: 'rejected'; readonly code: RejectionCode; readonly message: string };
