// A large, realistic catalogue for the benchmark: ~230 countries, fixed and mobile destinations with many
// sub-prefixes (>= 50,000 prefixes), peak/off-peak bands with holidays, an operator retail and wholesale
// list, partners with their own wholesale lists and edited retail lists, every offer kind, discounts, CUGs.
import { parseCatalogue, type CatalogueVersion } from '../src/index.js';

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchCatalogue {
  readonly version: CatalogueVersion;
  readonly prefixCount: number;
  /** Sample numbers per destination id (E.164 digits). */
  readonly numbers: ReadonlyMap<string, readonly string[]>;
  readonly partners: readonly string[];
  readonly offers: readonly string[];
  readonly cugMembers: readonly string[];
}

const price = (r: () => number, lo: number, hi: number) => (lo + r() * (hi - lo)).toFixed(4);

export function buildBenchCatalogue(targetPrefixes = 60_000): BenchCatalogue {
  const r = rng(2024);
  // Country codes: Italy, UK, EU members first, then synthetic 3-digit codes that do not clash.
  const fixedCodes = ['39', '44', '33', '34', '49', '43', '32', '31', '351', '353', '30', '48', '46', '45', '358', '420', '421', '36', '40', '359', '385', '386', '370', '371', '372', '352', '356', '357', '41', '47'];
  const codes = [...fixedCodes];
  for (let cc = 210; codes.length < 230; cc++) {
    const s = String(cc);
    if (!codes.some((c) => s.startsWith(c) || c.startsWith(s)) && !s.startsWith('1') && !s.startsWith('7')) codes.push(s);
  }
  const destinations: { id: string; name: string; prefixes: string[] }[] = [];
  const numbers = new Map<string, string[]>();
  const perDestination = Math.ceil(targetPrefixes / (codes.length * 2));
  let prefixCount = 0;
  for (const cc of codes) {
    for (const kind of ['FIXED', 'MOBILE'] as const) {
      const id = `${cc}_${kind}`;
      // Mobile ranges start with 3 (Italy-like) or 7; fixed with other digits: every prefix is unique.
      const lead = kind === 'MOBILE' ? ['3', '7'] : ['1', '2', '4', '5', '6', '8', '9'];
      const prefixes = new Set<string>();
      while (prefixes.size < perDestination) {
        const len = 2 + Math.floor(r() * 3);
        let p = cc + lead[Math.floor(r() * lead.length)]!;
        for (let i = 1; i < len; i++) p += String(Math.floor(r() * 10));
        prefixes.add(p);
      }
      const list = [...prefixes];
      // Whole-country fallback on fixed, so any number of the country is rated (longest prefix wins).
      if (kind === 'FIXED') list.push(cc);
      destinations.push({ id, name: `${cc} ${kind.toLowerCase()}`, prefixes: list });
      prefixCount += list.length;
      numbers.set(
        id,
        list.slice(0, 50).map((p) => {
          let n = p;
          while (n.length < 12) n += String(Math.floor(r() * 10));
          return n;
        }),
      );
    }
  }
  const destIds = destinations.map((d) => d.id);
  const national = ['39_FIXED', '39_MOBILE'];
  const eu = destIds.filter((id) => fixedCodes.slice(2, 28).some((c) => id.startsWith(`${c}_`)));
  const international = destIds.filter((id) => !id.startsWith('39_'));

  const retailRates: any[] = [];
  const wholesaleRates: any[] = [];
  for (const id of destIds) {
    const mobile = id.endsWith('MOBILE');
    const base = id.startsWith('39_') ? 0.01 : eu.includes(id) ? 0.03 : 0.08;
    const p = base * (mobile ? 3 : 1);
    retailRates.push({ destination: id, band: 'peak', pricePerMinute: price(r, p, p * 1.5), ...(mobile ? { connectFee: '0.0300' } : {}) });
    retailRates.push({ destination: id, band: 'offpeak', pricePerMinute: price(r, p * 0.6, p) });
    wholesaleRates.push({ destination: id, pricePerMinute: price(r, p * 0.4, p * 0.6) });
    if (mobile) {
      retailRates.push({ destination: id, service: 'sms', pricePerUnit: price(r, 0.05, 0.12) });
      wholesaleRates.push({ destination: id, service: 'sms', pricePerUnit: price(r, 0.02, 0.05) });
      retailRates.push({ destination: id, service: 'data', pricePerUnit: price(r, 0.005, 0.02), unitSize: 1_000_000, increments: { initial: 1024, subsequent: 1024 } });
      wholesaleRates.push({ destination: id, service: 'data', pricePerUnit: price(r, 0.001, 0.004), unitSize: 1_000_000 });
    }
  }
  const partners: any[] = [];
  const priceLists: any[] = [
    { id: 'list-retail', kind: 'retail', currency: 'EUR', rounding: { precision: 4, mode: 'half_up' }, increments: { initial: 30, subsequent: 6 }, rates: retailRates },
    { id: 'list-wholesale', kind: 'wholesale', currency: 'EUR', rates: wholesaleRates },
  ];
  for (let i = 0; i < 20; i++) {
    const id = `partner-${i}`;
    priceLists.push({
      id: `${id}-wholesale`,
      kind: 'wholesale',
      partner: id,
      currency: 'EUR',
      rates: wholesaleRates.map((w) => ({ ...w, ...(w.pricePerMinute ? { pricePerMinute: (Number(w.pricePerMinute) * 0.9).toFixed(4) } : {}) })),
    });
    priceLists.push({
      id: `${id}-retail`,
      kind: 'retail',
      partner: id,
      extends: 'list-retail',
      currency: 'EUR',
      increments: i % 2 === 0 ? { initial: 60, subsequent: 60 } : { initial: 1, subsequent: 1 },
      rates: retailRates.filter((_, k) => k % 7 === i % 7).map((x) => ({ ...x, pricePerMinute: x.pricePerMinute ? (Number(x.pricePerMinute) * 1.1).toFixed(4) : undefined })),
    });
    partners.push({ id, wholesalePriceList: `${id}-wholesale`, retailPriceList: `${id}-retail` });
  }
  const cugMembers = Array.from({ length: 200 }, (_, i) => `3906${String(10_000_000 + i * 37)}`);
  const input = {
    versions: [
      {
        version: 'bench-2024',
        effectiveFrom: '2024-01-01T00:00:00+01:00',
        destinations,
        timeBands: {
          bands: [
            { id: 'peak', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '19:00' }] },
            { id: 'offpeak', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }] },
          ],
          holidays: [{ date: '--01-01', band: 'offpeak' }, { date: '--12-25', band: 'offpeak' }, { date: '2024-04-01', band: 'offpeak' }],
        },
        defaults: { retailPriceList: 'list-retail', wholesalePriceList: 'list-wholesale' },
        priceLists,
        partners,
        discounts: [
          { id: 'intl-first-hour', basis: 'minutes', destinations: international, steps: [{ threshold: 0, percentage: '5' }, { threshold: 60, percentage: '0' }] },
          { id: 'national-volume', basis: 'minutes', destinations: national, steps: [{ threshold: 100, percentage: '10' }, { threshold: 200, percentage: '20' }] },
          { id: 'sms-spend', basis: 'spend', services: ['sms'], steps: [{ threshold: '5', amount: '0.01' }] },
        ],
        offers: [
          { id: 'payg', kind: 'payg', channels: { count: 4 }, discounts: ['intl-first-hour', 'national-volume', 'sms-spend'] },
          { id: 'flat', kind: 'flat', singleNumber: true, channels: { count: 2, fixed: true }, baskets: [{ id: 'national', destinations: national, allowance: 1000 }], overage: { enabled: true, target: 'main' }, discounts: ['intl-first-hour'] },
          { id: 'flat-per-use', kind: 'flat_to_customer', channels: { count: 4 }, baskets: [{ id: 'national', destinations: national, allowance: 500 }], overage: { enabled: true, target: 'main' } },
          {
            id: 'recipe',
            kind: 'custom',
            channels: { count: 8 },
            baskets: [
              { id: 'national-fixed', destinations: ['39_FIXED'], allowance: 1000 },
              { id: 'national-mobile', destinations: ['39_MOBILE'], allowance: 200 },
              { id: 'eu', destinations: eu, allowance: 100, renewal: 'rollover', rolloverCap: 300 },
            ],
            overage: { enabled: true, target: 'main' },
            discounts: ['intl-first-hour', 'sms-spend'],
          },
          { id: 'recipe-capped', kind: 'custom', channels: { count: 8 }, baskets: [{ id: 'national', destinations: national, allowance: 300 }, { id: 'eu', destinations: eu, allowance: 60 }], overage: { enabled: false, target: null } },
        ],
        closedUserGroups: [{ id: 'corp', members: cugMembers, pricePerMinute: '0.0020', connectFee: '0' }],
      },
    ],
  };
  const version = parseCatalogue(input).versions[0]!;
  return { version, prefixCount, numbers, partners: partners.map((p) => p.id), offers: version.offers.map((o) => o.id), cugMembers };
}
