import type { CatalogueInput } from '@rcp/domain';

/**
 * A catalogue small enough to check by hand, with the offers seed 000 names: pay as you go (0.10 EUR/min
 * to Italy at 60/60), FLAT Business (one number, 2 fixed channels, 100 national minutes, 29 EUR/month), a
 * smaller FLAT Business (19 EUR), a flat to the customer, and an SMS bundle; two partners.
 */
export const TEST_CATALOGUE: CatalogueInput = {
  catalogue: 'provisioning-test',
  versions: [
    {
      version: 'v1',
      effectiveFrom: '2026-01-01T00:00:00Z',
      destinations: [
        { id: 'IT', name: 'Italy fixed', prefixes: ['39'] },
        { id: 'IT_MOBILE', name: 'Italy mobile', prefixes: ['393'] },
      ],
      defaults: { retailPriceList: 'retail', wholesalePriceList: 'wholesale' },
      priceLists: [
        {
          id: 'retail',
          kind: 'retail',
          currency: 'EUR',
          increments: { initial: 60, subsequent: 60 },
          rates: [
            { destination: 'IT', pricePerMinute: '0.1000' },
            { destination: 'IT_MOBILE', pricePerMinute: '0.2000' },
            { destination: 'IT_MOBILE', service: 'sms', pricePerUnit: '0.0500' },
            { destination: 'IT_MOBILE', service: 'data', pricePerUnit: '0.0100', unitSize: 1000000, increments: { initial: 1024, subsequent: 1024 } },
          ],
        },
        {
          id: 'wholesale',
          kind: 'wholesale',
          currency: 'EUR',
          rates: [
            { destination: 'IT', pricePerMinute: '0.0400' },
            { destination: 'IT_MOBILE', pricePerMinute: '0.0800' },
            { destination: 'IT_MOBILE', service: 'sms', pricePerUnit: '0.0200' },
            { destination: 'IT_MOBILE', service: 'data', pricePerUnit: '0.0040', unitSize: 1000000 },
          ],
        },
        { id: 'acme-wholesale', kind: 'wholesale', partner: 'acme', currency: 'EUR', rates: [{ destination: 'IT', pricePerMinute: '0.0300' }, { destination: 'IT_MOBILE', pricePerMinute: '0.0700' }] },
      ],
      partners: [
        { id: 'acme', name: 'Acme Tel', wholesalePriceList: 'acme-wholesale' },
        { id: 'beta', name: 'Beta Voice', wholesalePriceList: 'wholesale' },
      ],
      offers: [
        { id: 'payg', name: 'Pay as you go', kind: 'payg', channels: { count: 4 } },
        {
          id: 'flat-business',
          name: 'FLAT Business 100',
          kind: 'flat',
          singleNumber: true,
          channels: { count: 2, fixed: true },
          baskets: [{ id: 'national', destinations: ['IT', 'IT_MOBILE'], allowance: 100 }],
          overage: { enabled: true, target: 'billing-main' },
          fees: { recurring: { amount: '29.00', every: 'month' }, currency: 'EUR' },
        },
        {
          id: 'flat-business-small',
          name: 'FLAT Business 50',
          kind: 'flat',
          singleNumber: true,
          channels: { count: 2, fixed: true },
          baskets: [{ id: 'national', destinations: ['IT', 'IT_MOBILE'], allowance: 50 }],
          overage: { enabled: true, target: 'billing-main' },
          fees: { recurring: { amount: '19.00', every: 'month' }, currency: 'EUR' },
        },
        {
          id: 'flat-per-use',
          name: 'Flat to customer, per use to partner',
          kind: 'flat_to_customer',
          channels: { count: 4 },
          baskets: [{ id: 'national', destinations: ['IT'], allowance: 100 }],
          overage: { enabled: true, target: 'billing-main' },
          fees: { recurring: { amount: '10.00', every: 'month' }, currency: 'EUR' },
        },
        {
          id: 'sms-bundle',
          name: 'SMS bundle',
          kind: 'custom',
          channels: { count: 4 },
          baskets: [{ id: 'sms', service: 'sms', destinations: ['IT_MOBILE'], allowance: 10 }],
          // Beyond the 10 messages: refused unless the customer's SMS overage names a target.
          overage: { enabled: false, target: null },
          fees: { recurring: { amount: '5.00', every: 'month' }, currency: 'EUR' },
        },
      ],
    },
  ],
};
