// Shared test fixtures: the sample catalogue and small builders.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseCatalogue, type Catalogue, type CatalogueVersion } from '../src/index.js';
import type { LineProfile, RatingCdr } from '../src/index.js';

export const SAMPLE_PATH = fileURLToPath(new URL('../examples/catalogue.sample.yaml', import.meta.url));

export function loadSample(): Catalogue {
  return parseCatalogue(parseYaml(readFileSync(SAMPLE_PATH, 'utf8')));
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
