import { describe, expect, it } from 'vitest';
import { catalogueVersionAt, parseCatalogue, resolveRate, priceListsForPartner, partnerById, type Catalogue } from '@rcp/domain';
import { ApiError } from '../http/errors.js';
import { TEST_CATALOGUE } from '../testing/catalogue.js';
import { catalogueWithPartnerRates, partnerOwnRates, RetailRateEdit } from './retail-prices.js';

const base = parseCatalogue(TEST_CATALOGUE);
const edit = (e: unknown) => RetailRateEdit.parse(e);
const T = new Date('2026-10-15T10:00:00Z');

/** The retail price a partner's customer pays at an instant. */
function retailPrice(c: Catalogue, partnerId: string, at: string, destination: string, service: 'voice' | 'sms' | 'data' = 'voice') {
  const v = catalogueVersionAt(c, at)!;
  const lists = priceListsForPartner(v, partnerById(v, partnerId));
  return resolveRate(v, lists.retail, { destination, service, direction: 'outbound', band: null });
}

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof ApiError ? err.code : String(err);
  }
}

describe("a partner's retail price edit", () => {
  const edited = catalogueWithPartnerRates(base, 'acme', [edit({ destination: 'IT', price: '0.0850', connectFee: '0.0100' })], T, 'acme.prices.1');

  it('is in force from its effective instant, in a new version; before it the old prices stay', () => {
    expect(edited.versions.map((v) => [v.version, v.effectiveFrom])).toEqual([
      ['v1', '2026-01-01T00:00:00Z'],
      ['acme.prices.1', '2026-10-15T10:00:00.000Z'],
    ]);
    expect(retailPrice(edited, 'acme', '2026-10-15T09:59:59Z', 'IT')?.price).toBe('0.1000');
    expect(retailPrice(edited, 'acme', '2026-10-15T10:00:00Z', 'IT')).toMatchObject({ price: '0.0850', connectFee: '0.0100', foundIn: 'acme-retail' });
  });

  it("changes only the partner's own list: other partners and direct customers keep the operator's prices", () => {
    expect(retailPrice(edited, 'beta', '2026-10-20T00:00:00Z', 'IT')?.price).toBe('0.1000');
    const v = catalogueVersionAt(edited, '2026-10-20T00:00:00Z')!;
    expect(resolveRate(v, v.defaults.retailPriceList, { destination: 'IT', service: 'voice', direction: 'outbound', band: null })?.price).toBe('0.1000');
    // Rates it did not edit come from the list it extends.
    expect(retailPrice(edited, 'acme', '2026-10-20T00:00:00Z', 'IT_MOBILE')).toMatchObject({ price: '0.2000', foundIn: 'retail' });
  });

  it("keeps the operator's units and increments: a data price stays per megabyte in 1024-byte steps", () => {
    const c = catalogueWithPartnerRates(base, 'acme', [edit({ destination: 'IT_MOBILE', service: 'data', price: '0.0080' })], T, 'x');
    expect(retailPrice(c, 'acme', '2026-10-20T00:00:00Z', 'IT_MOBILE', 'data')).toMatchObject({ price: '0.0080', unitSize: 1000000, increments: { initial: 1024, subsequent: 1024 } });
  });

  it('a second edit builds on the first; null removes the own rate again', () => {
    const later = new Date('2026-10-20T00:00:00Z');
    const again = catalogueWithPartnerRates(edited, 'acme', [edit({ destination: 'IT_MOBILE', price: '0.1500' }), edit({ destination: 'IT', price: null })], later, 'acme.prices.2');
    expect(retailPrice(again, 'acme', '2026-10-17T00:00:00Z', 'IT')?.price).toBe('0.0850');
    expect(retailPrice(again, 'acme', '2026-10-21T00:00:00Z', 'IT')?.price).toBe('0.1000');
    expect(retailPrice(again, 'acme', '2026-10-21T00:00:00Z', 'IT_MOBILE')?.price).toBe('0.1500');
    expect(partnerOwnRates(catalogueVersionAt(again, '2026-10-21T00:00:00Z')!, 'acme').rates.map((r) => r.destination)).toEqual(['IT_MOBILE']);
  });

  it('is made in a version already scheduled after it too', () => {
    const withFuture = parseCatalogue({ ...base, versions: [...base.versions, { ...structuredClone(base.versions[0]!), version: 'v2', effectiveFrom: '2026-12-01T00:00:00Z' }] });
    const c = catalogueWithPartnerRates(withFuture, 'acme', [edit({ destination: 'IT', price: '0.0900' })], T, 'p');
    expect(retailPrice(c, 'acme', '2026-12-05T00:00:00Z', 'IT')?.price).toBe('0.0900');
  });

  it.each([
    ['an unknown destination', 'acme', { destination: 'FR', price: '0.1' }, 'unknown_destination'],
    ['an unknown band', 'acme', { destination: 'IT', band: 'night', price: '0.1' }, 'unknown_band'],
    ['a partner the catalogue does not know', 'gamma', { destination: 'IT', price: '0.1' }, 'partner_not_in_catalogue'],
    ['a rate the operator list lacks (added with whole units)', 'acme', { destination: 'IT', service: 'fax', price: '0.1' }, 'ok'],
  ])('%s is answered: %s', (_n, partner, e, expected) => {
    expect(code(() => catalogueWithPartnerRates(base, partner, [edit(e)], T, 'p'))).toBe(expected);
  });

  it('refuses an edit before any version is in force', () => {
    expect(code(() => catalogueWithPartnerRates(base, 'acme', [edit({ destination: 'IT', price: '0.1' })], new Date('2025-06-01T00:00:00Z'), 'p'))).toBe('no_catalogue_version');
  });
});
