// Shared test fixtures: the sample catalogue and small builders.
import { parse as parseYaml } from 'yaml';
// Bundled as text by vitest: the domain package reads no files, not even in its tests.
import sampleYaml from '../examples/catalogue.sample.yaml?raw';
import { parseCatalogue, type Catalogue, type CatalogueVersion } from '../src/index.js';
import type { LineProfile, RatingCdr } from '../src/index.js';

export function loadSample(): Catalogue {
  return parseCatalogue(parseYaml(sampleYaml));
}

let cached: Catalogue | undefined;
export function sample(): Catalogue {
  cached ??= loadSample();
  return cached;
}

export function sampleVersion(): CatalogueVersion {
  return sample().versions[0]!;
}

export function cdr(overrides: Partial<RatingCdr> = {}): RatingCdr {
  return {
    source: 'sbc-1',
    recordId: 'r-1',
    accountId: 'acc-1',
    lineId: 'line-1',
    service: 'voice',
    direction: 'outbound',
    callingNumber: '390612345678',
    calledNumber: '390298765432',
    startTime: '2024-03-05T10:00:00+01:00',
    billableUnits: 61,
    disposition: 'answered',
    ...overrides,
  };
}

export function line(overrides: Partial<LineProfile> = {}): LineProfile {
  return {
    offerId: 'payg',
    partnerId: null,
    timeZone: 'Europe/Rome',
    countryCode: '39',
    subscriptionStart: '2023-01-01',
    cycleAnchorDay: 1,
    cugs: [],
    ...overrides,
  };
}

/**
 * A small catalogue for rule tests, with round prices: Italy fixed 0.06/min retail (0.001 per second) and
 * 0.03/min wholesale, 30/6 increments; peak Mon-Fri 08:00-19:00 Europe/Rome.
 */
export function ruleCatalogueInput(): any {
  return {
    versions: [
      {
        version: 'rules-1',
        effectiveFrom: '2024-01-01T00:00:00+01:00',
        destinations: [
          { id: 'IT_FIXED', name: 'Italy fixed', prefixes: ['39'] },
          { id: 'IT_MOBILE', name: 'Italy mobile', prefixes: ['393'] },
          { id: 'UK', name: 'United Kingdom', prefixes: ['44'] },
        ],
        timeBands: {
          bands: [
            { id: 'peak', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '19:00' }] },
            { id: 'offpeak', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }] },
          ],
          holidays: [{ date: '--12-25', band: 'offpeak' }],
        },
        defaults: { retailPriceList: 'retail', wholesalePriceList: 'wholesale' },
        priceLists: [
          {
            id: 'retail',
            kind: 'retail',
            currency: 'EUR',
            increments: { initial: 30, subsequent: 6 },
            rates: [
              { destination: 'IT_FIXED', band: 'peak', pricePerMinute: '0.06' },
              { destination: 'IT_FIXED', band: 'offpeak', pricePerMinute: '0.03' },
              { destination: 'IT_MOBILE', pricePerMinute: '0.12', connectFee: '0.05' },
              { destination: 'UK', pricePerMinute: '0.30', increments: { initial: 60, subsequent: 60 }, minimumDuration: 120 },
              { destination: 'IT_MOBILE', service: 'sms', pricePerUnit: '0.05' },
              { destination: 'IT_MOBILE', service: 'data', pricePerUnit: '0.01', unitSize: 1000000, increments: { initial: 1000, subsequent: 1000 } },
            ],
          },
          {
            id: 'wholesale',
            kind: 'wholesale',
            currency: 'EUR',
            rates: [
              { destination: 'IT_FIXED', pricePerMinute: '0.03' },
              { destination: 'IT_MOBILE', pricePerMinute: '0.06', connectFee: '0.02' },
              { destination: 'UK', pricePerMinute: '0.15' },
              { destination: 'IT_MOBILE', service: 'sms', pricePerUnit: '0.02' },
              { destination: 'IT_MOBILE', service: 'data', pricePerUnit: '0.004', unitSize: 1000000 },
            ],
          },
        ],
        discounts: [
          { id: 'volume', basis: 'minutes', destinations: ['IT_FIXED', 'IT_MOBILE'], steps: [{ threshold: 100, percentage: '10' }, { threshold: 200, percentage: '20' }] },
          { id: 'sms-spend', basis: 'spend', services: ['sms'], steps: [{ threshold: '1', amount: '0.02' }, { threshold: '2', amount: '0.10' }] },
        ],
        offers: [
          { id: 'payg', kind: 'payg', channels: { count: 2 } },
          { id: 'payg-volume', kind: 'payg', channels: { count: 2 }, discounts: ['volume', 'sms-spend'] },
          {
            id: 'flat10',
            kind: 'flat',
            channels: { count: 1, fixed: true },
            singleNumber: true,
            baskets: [{ id: 'national', destinations: ['IT_FIXED', 'IT_MOBILE'], allowance: 10 }],
            overage: { enabled: true, target: 'azure-sub-1' },
          },
          {
            id: 'flat10-no-overage',
            kind: 'flat',
            channels: { count: 1 },
            baskets: [{ id: 'national', destinations: ['IT_FIXED', 'IT_MOBILE'], allowance: 10 }],
            overage: { enabled: false, target: null },
          },
          {
            id: 'flat10-per-use',
            kind: 'flat_to_customer',
            channels: { count: 1 },
            baskets: [{ id: 'national', destinations: ['IT_FIXED', 'IT_MOBILE'], allowance: 10 }],
            overage: { enabled: true, target: 't' },
          },
          {
            id: 'recipe',
            kind: 'custom',
            channels: { count: 4 },
            baskets: [
              { id: 'any-national', destinations: ['IT_FIXED', 'IT_MOBILE'], allowance: 1 },
              { id: 'fixed', destinations: ['IT_FIXED'], allowance: 2 },
              { id: 'mobile', destinations: ['IT_MOBILE'], allowance: 3, renewal: 'rollover', rolloverCap: 5 },
              { id: 'sms', service: 'sms', destinations: ['IT_MOBILE'], allowance: 2 },
            ],
            overage: { enabled: true, target: 't' },
            discounts: ['volume'],
          },
        ],
        closedUserGroups: [{ id: 'office', members: ['390612345678', '390698765432', '393471234567'], pricePerMinute: '0.01', connectFee: '0' }],
      },
    ],
  };
}

let ruleCached: Catalogue | undefined;
export function ruleVersion(): CatalogueVersion {
  ruleCached ??= parseCatalogue(ruleCatalogueInput());
  return ruleCached.versions[0]!;
}
