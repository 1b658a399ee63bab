// Recurring and one-time setup fees of a line's offers for one billing cycle, prorated by days.
// DOMAIN.md "Proration": days active / days in the cycle x the fee, rounded on the line.
import { currencyMinorUnits, dec, formatPrecise, roundToMinorUnit, type Decimal } from '../money.js';
import { feePeriodsEndingIn, type BillingCycle, type FeeRecurrence } from './cycle.js';
import { dateDays, formatDate, overlapDays } from './dates.js';
import type { LineOfferSegment } from './line-history.js';

export interface OfferFees {
  /** Charged once, when a line first starts on the offer. */
  readonly setup?: string;
  readonly recurring?: { readonly amount: string; readonly every: FeeRecurrence };
  readonly currency?: string;
  /** Shown on the invoice line. */
  readonly offerName?: string;
}

export interface FeeCharge {
  readonly kind: 'recurring' | 'setup';
  readonly lineId: string;
  readonly offerId: string;
  readonly offerName: string;
  /** The fee period (recurring) or the day the line started on the offer (setup: from = to - 1 day). */
  readonly from: string;
  readonly to: string;
  readonly every?: FeeRecurrence;
  /** The first day the line had the offer in the fee period. */
  readonly activeFrom: string;
  /** Days the line had the offer in the fee period, and the period's days. */
  readonly activeDays: number;
  readonly periodDays: number;
  /** The full fee before proration. */
  readonly fullAmount: string;
  /** fullAmount x activeDays / periodDays, exact. */
  readonly precise: string;
  /** Rounded to the currency's minor unit. */
  readonly amount: string;
}

export class FeeCurrencyError extends Error {
  readonly code = 'fee_currency_mismatch';
  constructor(offerId: string, feeCurrency: string, accountCurrency: string) {
    super(`offer ${offerId} charges its fees in ${feeCurrency} but the account is billed in ${accountCurrency}`);
    this.name = 'FeeCurrencyError';
  }
}

/**
 * The fees a cycle's invoice carries for the given line-offer history:
 * - recurring: every fee period (aligned like billing cycles at the anchor day) that ends inside the cycle,
 *   prorated by the days the line had the offer in that period (an upgrade on the 20th bills the old offer
 *   for the days before it and the new one from it);
 * - setup: once per line and offer, in the cycle containing the day the line first started on that offer.
 * `feesOf(offerId, date)` gives the offer's fees from the catalogue version in force on that date.
 */
export function feesForCycle(input: {
  readonly cycle: BillingCycle;
  readonly currency: string;
  readonly segments: readonly LineOfferSegment[];
  readonly feesOf: (offerId: string, date: string) => OfferFees | undefined;
}): FeeCharge[] {
  const { cycle, currency } = input;
  const charges: FeeCharge[] = [];
  const byLineOffer = new Map<string, LineOfferSegment[]>();
  for (const s of input.segments) {
    const key = `${s.lineId}\u0000${s.offerId}`;
    const list = byLineOffer.get(key) ?? [];
    list.push(s);
    byLineOffer.set(key, list);
  }
  for (const list of byLineOffer.values()) {
    list.sort((a, b) => a.from.localeCompare(b.from));
    const { lineId, offerId } = list[0]!;
    const first = list[0]!;
    const firstDays = dateDays(first.from);
    if (firstDays >= cycle.startDays && firstDays < cycle.endDays) {
      const fees = checked(input.feesOf(offerId, first.from), offerId, currency);
      if (fees?.setup !== undefined && !dec(fees.setup).isZero()) {
        const full = dec(fees.setup);
        charges.push(charge('setup', lineId, offerId, fees, first.from, formatDate(firstDays + 1), first.from, 1, 1, full, full, currency));
      }
    }
    // Recurring fees: the recurrence may differ between catalogue versions; read it at the cycle start.
    const probe = checked(input.feesOf(offerId, cycle.start), offerId, currency) ?? checked(input.feesOf(offerId, first.from), offerId, currency);
    if (!probe?.recurring) continue;
    for (const period of feePeriodsEndingIn(cycle, probe.recurring.every)) {
      let active = 0;
      for (const s of list) active += overlapDays(dateDays(s.from), s.to === null ? null : dateDays(s.to), period.startDays, period.endDays);
      if (active <= 0) continue;
      const activeFrom = list
        .filter((s) => overlapDays(dateDays(s.from), s.to === null ? null : dateDays(s.to), period.startDays, period.endDays) > 0)
        .map((s) => Math.max(dateDays(s.from), period.startDays))
        .reduce((a, b) => Math.min(a, b));
      const fees = checked(input.feesOf(offerId, formatDate(activeFrom)), offerId, currency) ?? probe;
      if (!fees.recurring) continue;
      const full = dec(fees.recurring.amount);
      const precise = full.times(active).dividedBy(period.days);
      charges.push({ ...charge('recurring', lineId, offerId, fees, period.start, period.end, formatDate(activeFrom), active, period.days, full, precise, currency), every: fees.recurring.every });
    }
  }
  return charges.sort((a, b) => a.lineId.localeCompare(b.lineId) || a.from.localeCompare(b.from) || a.activeFrom.localeCompare(b.activeFrom) || a.kind.localeCompare(b.kind) || a.offerId.localeCompare(b.offerId));
}

function checked(fees: OfferFees | undefined, offerId: string, currency: string): OfferFees | undefined {
  if (fees?.currency && fees.currency !== currency) throw new FeeCurrencyError(offerId, fees.currency, currency);
  return fees;
}

function charge(
  kind: FeeCharge['kind'],
  lineId: string,
  offerId: string,
  fees: OfferFees,
  from: string,
  to: string,
  activeFrom: string,
  activeDays: number,
  periodDays: number,
  full: Decimal,
  precise: Decimal,
  currency: string,
): FeeCharge {
  return {
    kind,
    lineId,
    offerId,
    offerName: fees.offerName ?? offerId,
    from,
    to,
    activeFrom,
    activeDays,
    periodDays,
    fullAmount: full.toFixed(),
    precise: formatPrecise(precise),
    amount: roundToMinorUnit(precise, currency).toFixed(currencyMinorUnits(currency)),
  };
}
