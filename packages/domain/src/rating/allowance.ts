// The allowance rule: which units of an event come out of which bucket, and what happens beyond.
// Rating applies it to each CDR; credit control applies the same function to refuse or limit a call.
import type { Offer, Service } from '../catalogue/schema.js';
import type { BucketDraw, OverageSetting, RatingState } from './types.js';

export interface BucketCandidate {
  readonly basket: string;
  readonly remaining: number;
}

export interface AllowanceSplit {
  /** Units drawn from each bucket, in draw order (only buckets actually drawn from). */
  readonly draws: readonly BucketDraw[];
  /** Units beyond the buckets that are charged: 'overage' when buckets cover the destination, else 'payg'. */
  readonly chargedUnits: number;
  readonly chargedAs: 'payg' | 'overage';
  /** Units beyond the buckets refused because overage is disabled. */
  readonly deniedUnits: number;
}

/**
 * Splits `units` (billed, in call order) over the candidate buckets in order; the rest is overage when
 * enabled, denied when not. Without candidates (no basket covers the destination) everything is pay-as-you-go.
 */
export function consumeBuckets(candidates: readonly BucketCandidate[], units: number, overageEnabled: boolean): AllowanceSplit {
  if (candidates.length === 0) return { draws: [], chargedUnits: units, chargedAs: 'payg', deniedUnits: 0 };
  const draws: BucketDraw[] = [];
  let left = units;
  for (const c of candidates) {
    if (left <= 0) break;
    const take = Math.min(left, Math.max(0, c.remaining));
    if (take <= 0) continue;
    draws.push({ basket: c.basket, units: take, remainingAfter: c.remaining - take });
    left -= take;
  }
  return overageEnabled
    ? { draws, chargedUnits: left, chargedAs: 'overage', deniedUnits: 0 }
    : { draws, chargedUnits: 0, chargedAs: 'overage', deniedUnits: left };
}

/** Baskets of an offer that cover an event, in the order they are drawn (declaration order). */
export function basketsCovering(offer: Offer, service: Service, destination: string): Offer['baskets'] {
  return offer.baskets.filter((b) => b.service === service && b.destinations.includes(destination));
}

/** The line's overage setting: the line's own (partner-managed) if set, else the offer's. */
export function overageSettingOf(offer: Offer, lineOverage: OverageSetting | null | undefined): OverageSetting {
  return lineOverage ?? offer.overage;
}

/**
 * How many billed units a new event may use before it would be denied: the buckets' remaining units when
 * overage is disabled and a basket covers the destination, otherwise unlimited (Infinity). Credit control
 * uses it to refuse a call (0) or cap its duration.
 */
export function allowedUnits(offer: Offer, lineOverage: OverageSetting | null | undefined, state: RatingState, service: Service, destination: string): number {
  const baskets = basketsCovering(offer, service, destination);
  if (baskets.length === 0 || overageSettingOf(offer, lineOverage).enabled) return Number.POSITIVE_INFINITY;
  let total = 0;
  for (const b of baskets) total += Math.max(0, state.buckets[b.id]?.remaining ?? 0);
  return total;
}
