import { describe, expect, it } from 'vitest';
import { catalogueVersionAt, parseCatalogue } from '../catalogue/index.js';
import type { LineProfile } from '../rating/types.js';
import { stateForAuthorization } from './buckets.js';

const catalogue = parseCatalogue({
  versions: [
    {
      version: 'v1',
      effectiveFrom: '2026-01-01T00:00:00Z',
      destinations: [{ id: 'IT', name: 'Italy', prefixes: ['39'] }],
      defaults: { retailPriceList: 'r', wholesalePriceList: 'w' },
      priceLists: [
        { id: 'r', kind: 'retail', currency: 'EUR', rates: [{ destination: 'IT', pricePerMinute: '0.1' }] },
        { id: 'w', kind: 'wholesale', currency: 'EUR', rates: [{ destination: 'IT', pricePerMinute: '0.05' }] },
      ],
      offers: [
        {
          id: 'recipe',
          kind: 'custom',
          baskets: [
            { id: 'reset100', destinations: ['IT'], allowance: 100 },
            { id: 'roll50', destinations: ['IT'], allowance: 50, renewal: 'rollover', rolloverCap: 80 },
          ],
          overage: { enabled: true, target: 'azure-1' },
          channels: { count: 2 },
        },
      ],
    },
  ],
});
const version = catalogueVersionAt(catalogue, '2026-10-10T10:00:00Z')!;
const line: LineProfile = { offerId: 'recipe', timeZone: 'Europe/Rome', subscriptionStart: '2026-01-01', cycleAnchorDay: 1 };

describe('stateForAuthorization', () => {
  const remaining = (s: ReturnType<typeof stateForAuthorization>) => Object.fromEntries(Object.entries(s.buckets).map(([k, b]) => [k, b.remaining]));
  const cases: { name: string; reported: Parameters<typeof stateForAuthorization>[3]; held: Record<string, number>; expected: Record<string, number> }[] = [
    { name: 'nothing reported: the period’s full allowance', reported: null, held: {}, expected: { reset100: 6000, roll50: 3000 } },
    { name: 'what rating reported this period', reported: { offerId: 'recipe', periodKey: '2026-10-01', at: '2026-10-02T09:00:00Z', remaining: { reset100: 1200 } }, held: {}, expected: { reset100: 1200, roll50: 3000 } },
    { name: 'less what open calls hold', reported: { offerId: 'recipe', periodKey: '2026-10-01', at: '2026-10-02T09:00:00Z', remaining: { reset100: 1200 } }, held: { reset100: 1000, roll50: 10 }, expected: { reset100: 200, roll50: 2990 } },
    { name: 'never below zero', reported: null, held: { reset100: 9999 }, expected: { reset100: 0, roll50: 3000 } },
    // September left 2000 s in the rollover basket: October has 3000 + 2000 carried, capped at 80 min (4800 s).
    { name: 'an earlier period rolls forward as rating rolls it', reported: { offerId: 'recipe', periodKey: '2026-09-01', at: '2026-09-20T09:00:00Z', remaining: { reset100: 10, roll50: 2000 } }, held: {}, expected: { reset100: 6000, roll50: 4800 } },
    { name: 'a report for another offer is ignored', reported: { offerId: 'old', periodKey: '2026-10-01', at: '2026-10-02T09:00:00Z', remaining: { reset100: 1 } }, held: {}, expected: { reset100: 6000, roll50: 3000 } },
  ];
  for (const c of cases) it(c.name, () => expect(remaining(stateForAuthorization(version, line, '2026-10-10T10:00:00Z', c.reported, c.held))).toEqual(c.expected));
});
