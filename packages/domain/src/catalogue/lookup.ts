// Resolving what applies to an event: price lists of a partner, the rate for a destination/service/band
// (following a retail list's `extends` chain), offers. Shared by every rating path.
import type { CatalogueVersion, ClosedUserGroup, Increments, Offer, Partner, PriceList, Rate, RoundingSpec, Service } from './schema.js';
import { DEFAULT_ROUNDING } from '../money.js';

export const DEFAULT_INCREMENTS: Increments = { initial: 1, subsequent: 1 };

export interface ResolvedRate {
  /** The list asked for, and the one in its chain where the rate was found. */
  readonly priceList: string;
  readonly foundIn: string;
  readonly currency: string;
  readonly rate: Rate;
  /** Price per `per` (a minute = 60 billed seconds for voice, `unitSize` units otherwise). */
  readonly price: string;
  readonly per: 'minute' | 'unit';
  /** Billed units the price is for: 60 for voice, unitSize otherwise. */
  readonly unitSize: number;
  readonly connectFee: string;
  readonly increments: Increments;
  readonly minimumDuration: number;
  readonly rounding: RoundingSpec;
  readonly unanswered: 'free' | 'connect_fee';
}

export interface RateKey {
  readonly destination: string;
  readonly service: Service;
  readonly direction: 'outbound' | 'inbound';
  /** The band in force; a band-specific rate wins over a band-less one. */
  readonly band: string | null;
}

export function priceListById(version: CatalogueVersion, id: string): PriceList | undefined {
  return version.priceLists.find((l) => l.id === id);
}

/** The list and its ancestors, nearest first. */
export function priceListChain(version: CatalogueVersion, id: string): PriceList[] {
  const chain: PriceList[] = [];
  for (let list = priceListById(version, id); list && !chain.includes(list); list = list.extends === undefined ? undefined : priceListById(version, list.extends)) {
    chain.push(list);
  }
  return chain;
}

interface RateIndexEntry {
  any: Rate | undefined;
  readonly byBand: Map<string, Rate>;
}
const rateIndexes = new WeakMap<PriceList, Map<string, RateIndexEntry>>();

/** A list's own rates by destination|service|direction (built once per list; lists are never mutated). */
function rateIndexOf(list: PriceList): Map<string, RateIndexEntry> {
  let index = rateIndexes.get(list);
  if (!index) {
    index = new Map();
    for (const rate of list.rates) {
      const k = `${rate.destination}|${rate.service}|${rate.direction}`;
      let entry = index.get(k);
      if (!entry) index.set(k, (entry = { any: undefined, byBand: new Map() }));
      if (rate.band === undefined) entry.any = rate;
      else entry.byBand.set(rate.band, rate);
    }
    rateIndexes.set(list, index);
  }
  return index;
}

/**
 * The rate of a list for an event. Per list in the chain (nearest first): the band's own rate, then the
 * band-less rate. Increments, minimum and rounding come from the rate, else the nearest list that sets them.
 */
export function resolveRate(version: CatalogueVersion, priceListId: string, key: RateKey): ResolvedRate | undefined {
  const chain = priceListChain(version, priceListId);
  const head = chain[0];
  if (!head) return undefined;
  for (const list of chain) {
    const entry = rateIndexOf(list).get(`${key.destination}|${key.service}|${key.direction}`);
    if (!entry) continue;
    const found = key.band === null ? undefined : entry.byBand.get(key.band);
    const fallback = entry.any;
    const rate = found ?? fallback;
    if (!rate) continue;
    const voice = rate.service === 'voice';
    return {
      priceList: head.id,
      foundIn: list.id,
      currency: head.currency,
      rate,
      price: (voice ? rate.pricePerMinute : rate.pricePerUnit) ?? '0',
      per: voice ? 'minute' : 'unit',
      unitSize: voice ? 60 : (rate.unitSize ?? 1),
      connectFee: rate.connectFee,
      // A list's increments and minimum are for voice; other services count whole units unless a rate says otherwise.
      increments: rate.increments ?? (voice ? chain.find((l) => l.increments)?.increments : undefined) ?? DEFAULT_INCREMENTS,
      minimumDuration: rate.minimumDuration ?? (voice ? chain.find((l) => l.minimumDuration !== undefined)?.minimumDuration : undefined) ?? 0,
      rounding: rate.rounding ?? chain.find((l) => l.rounding)?.rounding ?? DEFAULT_ROUNDING,
      unanswered: rate.unanswered,
    };
  }
  return undefined;
}

export interface LinePriceLists {
  /** What the customer pays: the partner's retail list, else the operator's default retail list. */
  readonly retail: string;
  /** What the partner pays: its wholesale list, else the operator's default wholesale list. */
  readonly wholesale: string;
  /** The operator's own retail list: overage is charged to the partner at it (no partner discount or margin). */
  readonly list: string;
}

export function partnerById(version: CatalogueVersion, id: string): Partner | undefined {
  return version.partners.find((p) => p.id === id);
}

export function priceListsForPartner(version: CatalogueVersion, partner: Partner | undefined): LinePriceLists {
  return {
    retail: partner?.retailPriceList ?? version.defaults.retailPriceList,
    wholesale: partner?.wholesalePriceList ?? version.defaults.wholesalePriceList,
    list: version.defaults.retailPriceList,
  };
}

export function offerById(version: CatalogueVersion, id: string): Offer | undefined {
  return version.offers.find((o) => o.id === id);
}

/** Whether the partner pays wholesale for units inside an allowance. */
export function partnerBillingOf(offer: Offer): 'bundled' | 'per_use' {
  return offer.partnerBilling ?? (offer.kind === 'flat_to_customer' ? 'per_use' : 'bundled');
}

/** The closed user group (among the line's) that makes this a member-to-member event, if any. */
export function closedUserGroupFor(
  version: CatalogueVersion,
  lineCugs: readonly string[] | undefined,
  service: Service,
  callingNumber: string,
  calledNumber: string,
): ClosedUserGroup | undefined {
  if (!lineCugs || lineCugs.length === 0) return undefined;
  for (const group of version.closedUserGroups) {
    if (!lineCugs.includes(group.id) || !group.services.includes(service)) continue;
    if (group.members.includes(calledNumber) && callingNumber !== calledNumber) return group;
  }
  return undefined;
}
