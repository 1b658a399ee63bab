import { describe, expect, it } from 'vitest';
import { CatalogueValidationError, catalogueVersionAt, parseCatalogue } from '../index.js';
import { loadSample } from '../../test/fixtures.js';

/** A minimal valid catalogue as plain data, to be broken one field at a time. */
function minimal(): any {
  return {
    versions: [
      {
        version: 'v1',
        effectiveFrom: '2024-01-01T00:00:00+01:00',
        destinations: [{ id: 'IT', name: 'Italy', prefixes: ['39'] }],
        defaults: { retailPriceList: 'r', wholesalePriceList: 'w' },
        priceLists: [
          { id: 'r', kind: 'retail', currency: 'EUR', increments: { initial: 60, subsequent: 60 }, rates: [{ destination: 'IT', pricePerMinute: '0.02' }] },
          { id: 'w', kind: 'wholesale', currency: 'EUR', rates: [{ destination: 'IT', pricePerMinute: '0.01' }] },
        ],
        offers: [{ id: 'payg', kind: 'payg', channels: { count: 2 } }],
      },
    ],
  };
}

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseCatalogue(input);
  } catch (e) {
    expect(e).toBeInstanceOf(CatalogueValidationError);
    return [...(e as CatalogueValidationError).issues];
  }
  throw new Error('expected the catalogue to be rejected');
}

describe('parseCatalogue', () => {
  it('loads the sample YAML catalogue', () => {
    const c = loadSample();
    expect(c.versions[0]!.destinations.map((d) => d.id)).toContain('IT_MOBILE');
    expect(c.versions[0]!.offers.map((o) => o.kind).sort()).toEqual(['custom', 'flat', 'flat_to_customer', 'payg']);
  });

  it('accepts a minimal catalogue and fills in defaults', () => {
    const c = parseCatalogue(minimal());
    const v = c.versions[0]!;
    expect(v.timeBands.bands[0]!.id).toBe('all');
    expect(v.priceLists[0]!.rates[0]!.service).toBe('voice');
    expect(v.priceLists[0]!.rates[0]!.connectFee).toBe('0');
    expect(v.offers[0]!.overage).toEqual({ enabled: true, target: null });
  });

  it('keeps YAML numbers as exact decimal text', () => {
    const input = minimal();
    input.versions[0].priceLists[0].rates[0].pricePerMinute = 0.025;
    expect(parseCatalogue(input).versions[0]!.priceLists[0]!.rates[0]!.pricePerMinute).toBe('0.025');
  });

  const broken: [string, (c: any) => void, string, RegExp][] = [
    ['increment of zero', (c) => (c.versions[0].priceLists[0].increments.initial = 0), 'versions[0].priceLists[0].increments.initial', /.+/],
    ['rate increment not an integer', (c) => (c.versions[0].priceLists[0].rates[0].increments = { initial: 1.5, subsequent: 1 }), 'versions[0].priceLists[0].rates[0].increments.initial', /.+/],
    ['negative price', (c) => (c.versions[0].priceLists[0].rates[0].pricePerMinute = '-0.01'), 'versions[0].priceLists[0].rates[0].pricePerMinute', /non-negative decimal/],
    ['too many decimals', (c) => (c.versions[0].priceLists[0].rates[0].pricePerMinute = '0.0000001'), 'versions[0].priceLists[0].rates[0].pricePerMinute', /at most 6 decimal places/],
    ['unknown destination in a rate', (c) => (c.versions[0].priceLists[1].rates[0].destination = 'XX'), 'versions[0].priceLists[1].rates[0].destination', /unknown destination "XX"/],
    ['duplicate prefix in one destination', (c) => (c.versions[0].destinations[0].prefixes = ['39', '39']), 'versions[0].destinations[0].prefixes[1]', /duplicate prefix "39"/],
    ['prefix in two destinations', (c) => c.versions[0].destinations.push({ id: 'IT2', name: 'x', prefixes: ['39'] }), 'versions[0].destinations[1].prefixes[0]', /already belongs to destination "IT"/],
    ['unknown field', (c) => (c.versions[0].priceLists[0].rates[0].pricePerMinut = '1'), 'versions[0].priceLists[0].rates[0]', /pricePerMinut/],
    ['increments on a wholesale list', (c) => (c.versions[0].priceLists[1].increments = { initial: 1, subsequent: 1 }), 'versions[0].priceLists[1].increments', /wholesale/],
    ['both percentage and amount', (c) => {
      c.versions[0].discounts = [{ id: 'd', basis: 'minutes', steps: [{ threshold: 0, percentage: '5', amount: '0.01' }] }];
    }, 'versions[0].discounts[0].steps[0]', /never both/],
    ['thresholds not increasing', (c) => {
      c.versions[0].discounts = [{ id: 'd', basis: 'minutes', steps: [{ threshold: 100, percentage: '5' }, { threshold: 100, percentage: '10' }] }];
    }, 'versions[0].discounts[0].steps[1].threshold', /must increase/],
    ['auto-recharge target not above threshold', (c) => {
      c.versions[0].offers[0].prepaid = { autoRecharge: { threshold: '10', target: '10' } };
    }, 'versions[0].offers[0].prepaid.autoRecharge.target', /above the threshold/],
    ['overage enabled without target', (c) => {
      c.versions[0].offers.push({ id: 'f', kind: 'flat', channels: { count: 1 }, baskets: [{ id: 'b', destinations: ['IT'], allowance: 10 }], overage: { enabled: true } });
    }, 'versions[0].offers[1].overage.target', /needs a billing target/],
    ['flat without basket', (c) => c.versions[0].offers.push({ id: 'f', kind: 'flat', channels: { count: 1 } }), 'versions[0].offers[1].baskets', /at least one basket/],
    ['time bands with a gap', (c) => {
      c.versions[0].timeBands = { bands: [{ id: 'peak', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '19:00' }] }] };
    }, 'versions[0].timeBands.bands', /mon 19:00 uncovered/],
    ['overlapping versions', (c) => {
      c.versions[0].effectiveTo = '2024-03-01T00:00:00+01:00';
      c.versions.push({ ...structuredClone(c.versions[0]), version: 'v2', effectiveFrom: '2024-02-01T00:00:00+01:00', effectiveTo: undefined });
    }, 'versions[0].effectiveTo', /overlaps versions\[1\]/],
    ['bad time zone', (c) => (c.versions[0].timeBands = { timeZone: 'Europe/Nowhere', bands: [{ id: 'a', windows: [{ days: ['mon'], from: '00:00', to: '24:00' }] }] }), 'versions[0].timeBands.timeZone', /IANA/],
    ['mixed currencies', (c) => (c.versions[0].priceLists[1].currency = 'GBP'), 'versions[0].priceLists[1].currency', /one currency/],
  ];

  it.each(broken)('rejects %s with the exact path', (_name, breakIt, path, message) => {
    const input = minimal();
    breakIt(input);
    const issues = issuesOf(input);
    const hit = issues.find((i) => i.path === path);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('reports every problem at once', () => {
    const input = minimal();
    input.versions[0].priceLists[0].rates[0].destination = 'NOPE';
    input.versions[0].priceLists[1].rates[0].destination = 'NOPE2';
    expect(issuesOf(input).length).toBe(2);
  });
});

describe('catalogueVersionAt', () => {
  const c = parseCatalogue({
    versions: [
      { ...minimal().versions[0], version: 'jan', effectiveFrom: '2024-01-01T00:00:00+01:00' },
      { ...minimal().versions[0], version: 'mar', effectiveFrom: '2024-03-01T00:00:00+01:00' },
    ],
  });
  it.each([
    ['2023-12-31T23:59:59+01:00', undefined],
    ['2024-01-01T00:00:00+01:00', 'jan'],
    ['2024-02-29T23:59:59+01:00', 'jan'],
    ['2024-02-29T23:00:00Z', 'mar'],
    ['2024-03-01T00:00:00+01:00', 'mar'],
    ['2030-01-01T00:00:00Z', 'mar'],
    ['not a time', undefined],
  ])('at %s -> %s', (at, expected) => {
    expect(catalogueVersionAt(c, at)?.version).toBe(expected);
  });
});
