// Partner-editable retail prices (DOMAIN.md "Parties"): a partner edits the rates of its own retail list.
// Prices are effective-dated in the catalogue, so an edit becomes a new catalogue version from its
// effective instant: a copy of the version then in force with the partner's list changed, and the same
// edit made in any version scheduled after it. Rated CDRs keep the version that priced them; rating,
// charging and invoicing all read the result as the catalogue they already know.
import { z } from 'zod';
import {
  CatalogueValidationError,
  SERVICES,
  catalogueVersionAt,
  parseCatalogue,
  resolveRate,
  type Catalogue,
  type CatalogueVersion,
  type PriceList,
  type Rate,
} from '@rcp/domain';
import { refused } from '../http/errors.js';

const Price = z.string().regex(/^\d+(\.\d{1,6})?$/, 'must be a non-negative decimal with at most 6 decimals, e.g. "0.0850"');

export const RetailRateEdit = z
  .object({
    destination: z.string().min(1),
    service: z.enum(SERVICES).default('voice'),
    direction: z.enum(['outbound', 'inbound']).default('outbound'),
    /** A time band id; absent: the rate for every band without one of its own. */
    band: z.string().min(1).optional(),
    /** Per minute for voice, per unit (as the operator's list counts units) otherwise; null removes the partner's own rate. */
    price: Price.nullable(),
    connectFee: Price.optional(),
  })
  .strict();
export type RetailRateEdit = z.output<typeof RetailRateEdit>;

const sameKey = (r: Rate, e: RetailRateEdit) => r.destination === e.destination && r.service === e.service && r.direction === e.direction && r.band === e.band;

/** The list a partner owns and edits; created (extending the list it used so far) on its first edit. */
function ownRetailList(version: CatalogueVersion, partnerId: string): PriceList {
  const partner = version.partners.find((p) => p.id === partnerId);
  if (!partner) throw refused('partner_not_in_catalogue', `partner ${partnerId} is not in catalogue version ${version.version}`);
  const current = partner.retailPriceList === undefined ? undefined : version.priceLists.find((l) => l.id === partner.retailPriceList);
  if (current && current.partner === partnerId) return current;
  const base = current ?? version.priceLists.find((l) => l.id === version.defaults.retailPriceList)!;
  let id = `${partnerId}-retail`;
  for (let n = 2; version.priceLists.some((l) => l.id === id); n++) id = `${partnerId}-retail-${n}`;
  const own: PriceList = { id, kind: 'retail', partner: partnerId, extends: base.id, currency: base.currency, rates: [] };
  version.priceLists.push(own);
  partner.retailPriceList = id;
  return own;
}

function applyEdits(version: CatalogueVersion, partnerId: string, edits: readonly RetailRateEdit[]): void {
  const list = ownRetailList(version, partnerId);
  for (const edit of edits) {
    const at = list.rates.findIndex((r) => sameKey(r, edit));
    if (edit.price === null) {
      if (at >= 0) list.rates.splice(at, 1);
      continue;
    }
    if (!version.destinations.some((d) => d.id === edit.destination)) {
      throw refused('unknown_destination', `destination ${edit.destination} is not in catalogue version ${version.version}`);
    }
    if (edit.band !== undefined && !version.timeBands.bands.some((b) => b.id === edit.band)) {
      throw refused('unknown_band', `time band ${edit.band} is not in catalogue version ${version.version}`);
    }
    // Units, increments, minimum and rounding stay the operator's: only the price and connect fee are the partner's.
    const template = resolveRate(version, list.id, { destination: edit.destination, service: edit.service, direction: edit.direction, band: edit.band ?? null })?.rate;
    const { pricePerMinute: _m, pricePerUnit: _u, ...structure } = template ?? ({} as Partial<Rate>);
    const rate: Rate = {
      unanswered: 'free',
      ...structure,
      destination: edit.destination,
      service: edit.service,
      direction: edit.direction,
      band: edit.band,
      connectFee: edit.connectFee ?? template?.connectFee ?? '0',
      ...(edit.service === 'voice' ? { pricePerMinute: edit.price } : { pricePerUnit: edit.price }),
    };
    if (rate.band === undefined) delete rate.band;
    if (at >= 0) list.rates[at] = rate;
    else list.rates.push(rate);
  }
}

/**
 * The catalogue with a partner's edits in force from `effectiveFrom`. Throws a 422 naming the problem when
 * no version is in force then, the partner is unknown to a version, or the result fails validation.
 */
export function catalogueWithPartnerRates(catalogue: Catalogue, partnerId: string, edits: readonly RetailRateEdit[], effectiveFrom: Date, versionId: string): Catalogue {
  const at = effectiveFrom.toISOString();
  const inForce = catalogueVersionAt(catalogue, at);
  if (!inForce) throw refused('no_catalogue_version', `no catalogue version is in force at ${at}`);
  const next: Catalogue = structuredClone(catalogue);
  const base = next.versions[catalogue.versions.indexOf(inForce)]!;
  const targets: CatalogueVersion[] = [];
  if (Date.parse(base.effectiveFrom) === effectiveFrom.getTime()) targets.push(base);
  else {
    let id = versionId;
    for (let n = 2; next.versions.some((v) => v.version === id); n++) id = `${versionId}-${n}`;
    const split: CatalogueVersion = { ...structuredClone(base), version: id, description: `${base.description ?? base.version}; retail prices of partner ${partnerId}`, effectiveFrom: at };
    if (base.effectiveTo !== undefined) base.effectiveTo = at;
    next.versions.push(split);
    targets.push(split);
  }
  for (const v of next.versions) if (Date.parse(v.effectiveFrom) > effectiveFrom.getTime()) targets.push(v);
  for (const v of targets) applyEdits(v, partnerId, edits);
  try {
    return parseCatalogue(next);
  } catch (err) {
    if (err instanceof CatalogueValidationError) throw refused('invalid_retail_prices', 'the edited price list fails catalogue validation', { issues: err.issues });
    throw err;
  }
}

/** The partner's own retail rates in a version (what it has edited), if it has its own list there. */
export function partnerOwnRates(version: CatalogueVersion, partnerId: string): { priceList: string | null; extends: string | null; rates: Rate[] } {
  const partner = version.partners.find((p) => p.id === partnerId);
  const list = partner?.retailPriceList === undefined ? undefined : version.priceLists.find((l) => l.id === partner.retailPriceList);
  if (!list) return { priceList: partner?.retailPriceList ?? null, extends: null, rates: [] };
  return { priceList: list.id, extends: list.extends ?? null, rates: list.partner === partnerId ? list.rates : [] };
}
