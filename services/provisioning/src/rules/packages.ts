// What a line may be sold with, and how a package change is classed. Pure: the catalogue version in force
// at the change's effective instant is given; nothing here reads a clock or a database.
import { Decimal, offerById, type CatalogueVersion, type Offer } from '@rcp/domain';
import { refused } from '../http/errors.js';

export type PackageChange = 'activation' | 'upgrade' | 'downgrade' | 'change' | 'modify';
export type Package = { offer: Offer; channels: number };

export function offerOrRefuse(version: CatalogueVersion, offerId: string): Offer {
  const offer = offerById(version, offerId);
  if (!offer) throw refused('unknown_offer', `offer ${offerId} is not in catalogue version ${version.version}`);
  return offer;
}

/** FLAT Business (seed 000): a true flat, bundle included in the fee; its downgrade is a back-office act. */
export const isFlatBusiness = (offer: Offer): boolean => offer.kind === 'flat';

/** Any offer with allowances (flat, flat to the customer, custom recipe): what "flat on" switches to. */
export const isFlat = (offer: Offer): boolean => offer.kind !== 'payg';

/** The recurring fee per month (a quarterly fee / 3, a yearly one / 12); 0 without one. */
export function monthlyFee(offer: Offer): Decimal {
  const r = offer.fees?.recurring;
  if (!r) return new Decimal(0);
  return new Decimal(r.amount).div(r.every === 'month' ? 1 : r.every === 'quarter' ? 3 : 12);
}

/** Units included per cycle over all baskets (the tie-breaker between two offers of the same fee). */
function includedUnits(offer: Offer): number {
  return offer.baskets.reduce((n, b) => n + b.allowance, 0);
}

/**
 * Up or down: by the monthly fee, then by the units included; the same on both counts is a sideways
 * change. Moving onto a pay-as-you-go offer from a flat is a downgrade even when neither has a fee.
 */
export function classifyChange(from: Offer, to: Offer): 'upgrade' | 'downgrade' | 'change' {
  const fee = monthlyFee(to).comparedTo(monthlyFee(from));
  if (fee !== 0) return fee > 0 ? 'upgrade' : 'downgrade';
  if (isFlat(from) !== isFlat(to)) return isFlat(to) ? 'upgrade' : 'downgrade';
  const units = includedUnits(to) - includedUnits(from);
  return units === 0 ? 'change' : units > 0 ? 'upgrade' : 'downgrade';
}

/** The channel count a line gets on an offer: asked for, else fixed by the offer, else kept, else the offer's default. */
export function channelsFor(next: Offer, requested: number | undefined, current: Package | null): number {
  const { count, fixed } = next.channels;
  if (requested !== undefined) {
    if (fixed && requested !== count) {
      throw refused('channels_fixed_by_offer', `offer ${next.id} fixes the line at ${count} channel(s); ${requested} cannot be set (change the offer to change the channels)`, {
        offerId: next.id,
        channels: count,
      });
    }
    return requested;
  }
  if (fixed || !current || current.offer.channels.fixed) return count;
  return current.channels;
}

/** An offer that demands a single number (FLAT Business) refuses a line with more or fewer. */
export function checkNumbersFit(offer: Offer, numberCount: number): void {
  if (offer.singleNumber && numberCount !== 1) {
    throw refused('single_number_offer', `offer ${offer.id} may only be sold on a line with exactly one number; the line would have ${numberCount}`, {
      offerId: offer.id,
      numbers: numberCount,
    });
  }
}

/** The package of a new line: the offer asked for, else the version's pay-as-you-go offer (seed 000's advice). */
export function planActivation(version: CatalogueVersion, request: { offerId?: string; channels?: number }, numberCount: number): Package {
  const offer = request.offerId !== undefined ? offerOrRefuse(version, request.offerId) : defaultPaygOffer(version);
  checkNumbersFit(offer, numberCount);
  return { offer, channels: channelsFor(offer, request.channels, null) };
}

function defaultPaygOffer(version: CatalogueVersion, preferred?: string | null): Offer {
  if (preferred) {
    const offer = offerById(version, preferred);
    if (offer?.kind === 'payg') return offer;
  }
  const payg = version.offers.filter((o) => o.kind === 'payg');
  if (payg.length === 1) return payg[0]!;
  throw refused(
    'offer_required',
    payg.length === 0
      ? `catalogue version ${version.version} has no pay-as-you-go offer: name the offer`
      : `catalogue version ${version.version} has ${payg.length} pay-as-you-go offers (${payg.map((o) => o.id).join(', ')}): name the one to use`,
  );
}

export type ModifyRequest = { flat?: { offerId: string } | null; channels?: number; paygOfferId?: string };

/**
 * The "modify" button of seed 000: turn a flat on (onto the named flat offer) or off (back to the line's
 * pay-as-you-go offer), and/or change the channels. Channels fixed by the offer are refused with the reason.
 */
export function planModify(version: CatalogueVersion, current: Package, request: ModifyRequest, line: { paygOfferId: string | null; numberCount: number }): Package & { change: PackageChange } {
  let offer = current.offer;
  if (request.flat === null) {
    if (!isFlat(current.offer)) throw refused('flat_already_off', `the line is already on the pay-as-you-go offer ${current.offer.id}`);
    offer = request.paygOfferId !== undefined ? offerOrRefuse(version, request.paygOfferId) : defaultPaygOffer(version, line.paygOfferId);
    if (offer.kind !== 'payg') throw refused('not_a_payg_offer', `offer ${offer.id} is ${offer.kind}, not pay as you go`);
  } else if (request.flat !== undefined) {
    offer = offerOrRefuse(version, request.flat.offerId);
    if (!isFlat(offer)) throw refused('not_a_flat_offer', `offer ${offer.id} is pay as you go; turning a flat on needs a flat, flat-to-customer or custom offer`);
  } else if (request.channels === undefined) {
    throw refused('nothing_to_modify', 'a modify names a flat to turn on, null to turn it off, or a channel count');
  }
  return finishPlan(current, offer, request.channels, line.numberCount);
}

/** Assigning a package (upgrade, downgrade or sideways), optionally with a channel count. */
export function planOfferChange(version: CatalogueVersion, current: Package, request: { offerId: string; channels?: number }, numberCount: number): Package & { change: PackageChange } {
  return finishPlan(current, offerOrRefuse(version, request.offerId), request.channels, numberCount);
}

function finishPlan(current: Package, offer: Offer, requestedChannels: number | undefined, numberCount: number): Package & { change: PackageChange } {
  checkNumbersFit(offer, numberCount);
  const channels = channelsFor(offer, requestedChannels, current);
  if (offer.id === current.offer.id && channels === current.channels) throw refused('no_change', `the line already has offer ${offer.id} with ${channels} channel(s)`);
  return { offer, channels, change: offer.id === current.offer.id ? 'modify' : classifyChange(current.offer, offer) };
}

/** Seed 000: the downgrade of a FLAT Business offer is handled by the back-office only. */
export function needsBackoffice(current: Offer, change: PackageChange): boolean {
  return isFlatBusiness(current) && change === 'downgrade';
}
