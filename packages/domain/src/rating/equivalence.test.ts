// The fast engine must equal the decimal reference exactly, on thousands of random CDRs over catalogues
// that exercise every rule (bands split or not, odd roundings and percentages, buckets, CUGs, steps).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BATCH_OBJECT, BatchRater, compileCatalogueVersion, rateBatch, fastEngineFallbacks, openPeriod, parseCatalogue, rateCdr, rateCdrReference, type CatalogueVersion, type LineProfile, type RatingCdr, type RatingState } from '../index.js';
import { buildBenchCatalogue, rng } from '../../bench/catalogue.js';
import { buildWorkload } from '../../bench/workload.js';
import { ruleCatalogueInput, sampleVersion } from '../../test/fixtures.js';

function oddVersion(): CatalogueVersion {
  const input = ruleCatalogueInput();
  const v = input.versions[0];
  v.version = 'odd';
  v.timeBands.splitAtBoundary = true;
  v.timeBands.timeZone = 'America/New_York';
  v.timeBands.holidays.push({ date: '2024-03-10', band: 'peak' });
  v.priceLists[0].rounding = { precision: 2, mode: 'half_even' };
  v.priceLists[0].rates[0].pricePerMinute = '0.071234';
  v.priceLists[0].rates[1].pricePerMinute = '0.033333';
  v.priceLists[0].rates[1].rounding = { precision: 5, mode: 'up' };
  v.priceLists[0].rates[2].connectFee = '0.012345';
  v.priceLists[1].rounding = { precision: 3, mode: 'down' };
  v.priceLists[1].rates[0].pricePerMinute = '0.029999';
  v.priceLists[1].rates.push({ destination: 'UK', band: 'peak', pricePerMinute: '0.2' });
  v.discounts[0].steps = [
    { threshold: 1, percentage: '12.5' },
    { threshold: 3, percentage: '33.3333' },
    { threshold: 7, amount: '0.05' },
    { threshold: 12, percentage: '100' },
  ];
  v.offers.push({ id: 'recipe-volume', kind: 'custom', channels: { count: 1 }, baskets: v.offers[5].baskets, overage: { enabled: true, target: 't' }, discounts: ['volume', 'sms-spend'] });
  return parseCatalogue(input).versions[0]!;
}

const versions: CatalogueVersion[] = [sampleVersion(), oddVersion()];

const numbersFor: Record<string, string[]> = {
  voice: ['3906', '3902', '3933', '3934', '39899', '4420', '4477', '3316', '33612', '4915', '1212', '8110', '390612345678', '390698765432', '393471234567'],
  sms: ['3933', '4477', '33612', '3906'],
  data: ['3933', '3906'],
  fax: ['3906', '3933'],
  email: ['3906', '3933'],
};

const cdrArb = fc.record({
  service: fc.constantFrom('voice', 'voice', 'voice', 'sms', 'data', 'fax', 'email'),
  numberIndex: fc.nat(),
  suffix: fc.stringMatching(/^\d{0,8}$/),
  // 2024-01-01 .. 2024-12-31, any second
  secondOfYear: fc.integer({ min: 0, max: 366 * 86400 - 1 }),
  offset: fc.constantFrom('+01:00', '+02:00', 'Z', '-05:00', '+05:30'),
  units: fc.nat({ max: 4000 }),
  disposition: fc.constantFrom('answered', 'answered', 'answered', 'busy', 'no_answer', 'failed'),
  direction: fc.constantFrom('outbound', 'outbound', 'outbound', 'outbound', 'inbound'),
  calling: fc.constantFrom('390612345678', '390698765432', '390611111111'),
});

const lineArb = (v: CatalogueVersion) =>
  fc.record({
    offerId: fc.constantFrom(...v.offers.map((o) => o.id)),
    partnerId: fc.constantFrom(null, ...v.partners.map((p) => p.id)),
    timeZone: fc.constantFrom('Europe/Rome', 'Europe/London', 'America/New_York'),
    countryCode: fc.constant('39'),
    subscriptionStart: fc.constantFrom('2023-06-01', '2024-02-17', '2024-07-31'),
    cycleAnchorDay: fc.constantFrom(1, 15, 29, 31),
    cugs: fc.constantFrom([], ['office'], ['acme-office']),
    overage: fc.constantFrom(undefined, null, { enabled: false, target: null }, { enabled: true, target: 'x' }),
  });

function toCdr(r: any, i: number): RatingCdr {
  const pool = numbersFor[r.service]!;
  const base = pool[r.numberIndex % pool.length]!;
  const ms = Date.UTC(2024, 0, 1) + r.secondOfYear * 1000;
  const offsetMin = r.offset === 'Z' ? 0 : (r.offset[0] === '-' ? -1 : 1) * (Number(r.offset.slice(1, 3)) * 60 + Number(r.offset.slice(4)));
  const local = new Date(ms + offsetMin * 60000).toISOString().slice(0, 19);
  const units = r.service === 'data' ? r.units * 37 : r.service === 'voice' ? r.units : r.units % 25;
  return {
    source: 'sbc',
    recordId: String(i),
    accountId: 'a',
    lineId: 'l',
    service: r.service,
    direction: r.direction,
    callingNumber: r.calling,
    calledNumber: base.length >= 12 ? base : base + r.suffix,
    startTime: local + (r.offset === 'Z' ? 'Z' : r.offset),
    billableUnits: units,
    disposition: r.disposition,
  };
}

describe('fast engine = decimal reference', { timeout: 120_000 }, () => {
  versions.forEach((version) => {
    it(`on random CDR sequences (${version.version})`, () => {
      let compared = 0;
      fc.assert(
        fc.property(lineArb(version), fc.array(cdrArb, { minLength: 15, maxLength: 40 }), (line: LineProfile, raw) => {
          const cdrs = raw.map(toCdr).sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
          let fastState: RatingState | null = null;
          let refState: RatingState | null = null;
          for (const c of cdrs) {
            const fast = rateCdr(c, { version, line, state: fastState });
            const ref = rateCdrReference(c, { version, line, state: refState });
            expect(fast).toEqual(ref);
            compared++;
            if (fast.kind === 'rated' && ref.kind === 'rated') {
              fastState = fast.state;
              refState = ref.state;
            }
          }
        }),
        { numRuns: 200, seed: version.version === 'odd' ? 42 : 7 },
      );
      expect(compared).toBeGreaterThan(2000);
      // The comparison is of the integer path, not of the reference with itself.
      expect(fastEngineFallbacks()).toBe(0);
    });
  });

  it('states that carry usage near the discount steps', () => {
    const version = versions[1]!;
    const line: LineProfile = { offerId: 'recipe-volume', timeZone: 'Europe/Rome', subscriptionStart: '2023-01-01', cycleAnchorDay: 1, countryCode: '39' };
    fc.assert(
      fc.property(fc.nat({ max: 900 }), fc.nat({ max: 3_000_000 }), fc.nat({ max: 1000 }), fc.nat({ max: 300 }), (usedSecs, spend, units, remaining) => {
        const c: RatingCdr = { source: 's', recordId: '1', accountId: 'a', lineId: 'l', service: 'voice', direction: 'outbound', callingNumber: '390611111111', calledNumber: '390298765432', startTime: '2024-03-05T18:58:30+01:00', billableUnits: units, disposition: 'answered' };
        const opened = rateCdrReference({ ...c, billableUnits: 0, disposition: 'busy' }, { version, line, state: null });
        if (opened.kind !== 'rated') throw new Error('open');
        const s0: RatingState = {
          ...opened.state,
          buckets: { ...opened.state.buckets, 'any-national': { allowance: 60, carried: 0, remaining: remaining % 61 }, fixed: { allowance: 120, carried: 0, remaining } },
          usage: { volume: { units: usedSecs, spendMicros: spend }, 'sms-spend': { units: 0, spendMicros: spend } },
        };
        expect(rateCdr(c, { version, line, state: s0 })).toEqual(rateCdrReference(c, { version, line, state: s0 }));
        const sms = { ...c, service: 'sms' as const, calledNumber: '393331234567', billableUnits: units % 7 };
        expect(rateCdr(sms, { version, line, state: s0 })).toEqual(rateCdrReference(sms, { version, line, state: s0 }));
      }),
      { numRuns: 1500, seed: 3 },
    );
  });
});

describe('fast engine = decimal reference on the benchmark catalogue (60k prefixes)', { timeout: 120_000 }, () => {
  const bench = buildBenchCatalogue();
  const version = bench.version;

  it('finds the longest prefix of any number like a plain prefix set does', () => {
    const c = compileCatalogueVersion(version);
    const destOf = new Map<string, string>();
    for (const d of version.destinations) for (const p of d.prefixes) destOf.set(p, d.id);
    const r = rng(99);
    const known = [...destOf.keys()];
    for (let i = 0; i < 30_000; i++) {
      // A known prefix extended or cut at random, or random digits.
      let n = i % 3 === 2 ? String(1 + Math.floor(r() * 9)) : known[Math.floor(r() * known.length)]!;
      if (i % 3 === 1) n = n.slice(0, 1 + Math.floor(r() * n.length));
      while (n.length < 1 + Math.floor(r() * 15)) n += String(Math.floor(r() * 10));
      let expected: string | undefined;
      for (let len = n.length; len >= 1 && expected === undefined; len--) expected = destOf.has(n.slice(0, len)) ? n.slice(0, len) : undefined;
      const node = c.longestPrefixNode(n);
      expect(node === 0 ? undefined : c.prefixOf(node)).toBe(expected);
      if (expected !== undefined) expect(c.destIds[c.destinationOf(node)]).toBe(destOf.get(expected));
    }
  });

  it('rates random traffic of every offer and partner identically', () => {
    const r = rng(2025);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const destIds = [...bench.numbers.keys()];
    const mobile = destIds.filter((d) => d.endsWith('MOBILE'));
    let compared = 0;
    const before = fastEngineFallbacks();
    for (let seq = 0; seq < 25; seq++) {
      const line: LineProfile = {
        offerId: bench.offers[seq % bench.offers.length]!,
        partnerId: seq % 3 === 0 ? null : pick(bench.partners),
        timeZone: pick(['Europe/Rome', 'Europe/London', 'Europe/Berlin']),
        countryCode: '39',
        subscriptionStart: pick(['2023-05-01', '2024-03-12']),
        cycleAnchorDay: pick([1, 15, 31]),
        cugs: seq % 4 === 0 ? ['corp'] : [],
        overage: seq % 5 === 0 ? { enabled: false, target: null } : undefined,
      };
      let fastState: RatingState | null = null;
      let refState: RatingState | null = null;
      let ms = Date.parse('2024-03-01T00:00:00Z') + Math.floor(r() * 20 * 86_400_000);
      for (let k = 0; k < 20; k++) {
        ms += Math.floor(r() * 6 * 3_600_000);
        const x = r();
        const service: RatingCdr['service'] = x < 0.7 ? 'voice' : x < 0.9 ? 'sms' : 'data';
        const dest = service === 'voice' ? (r() < 0.5 ? pick(['39_FIXED', '39_MOBILE']) : pick(destIds)) : pick(mobile);
        const cdr: RatingCdr = {
          source: 's',
          recordId: String(k),
          accountId: 'a',
          lineId: 'l',
          service,
          direction: r() < 0.05 ? 'inbound' : 'outbound',
          callingNumber: '390612345678',
          calledNumber: line.cugs!.length > 0 && r() < 0.3 ? pick(bench.cugMembers) : pick(bench.numbers.get(dest)!),
          startTime: new Date(ms).toISOString().replace('.000Z', 'Z'),
          billableUnits: service === 'voice' ? Math.floor(-Math.log(1 - r()) * 400) : service === 'sms' ? 1 + Math.floor(r() * 3) : Math.floor(r() * 30_000),
          disposition: service === 'voice' && r() < 0.15 ? 'no_answer' : 'answered',
        };
        const fast = rateCdr(cdr, { version, line, state: fastState });
        const ref = rateCdrReference(cdr, { version, line, state: refState });
        expect(fast).toEqual(ref);
        compared++;
        if (fast.kind === 'rated' && ref.kind === 'rated') {
          fastState = fast.state;
          refState = ref.state;
        }
      }
    }
    expect(compared).toBe(500);
    expect(fastEngineFallbacks()).toBe(before);
  });
});

// The batch rater (./batch.ts) against the reference: several lines interleaved, rated in two calls (the state
// carried between calls in the typed arrays), outcomes materialised from the columns, final states compared.
describe('batch rater = decimal reference', { timeout: 120_000 }, () => {
  versions.forEach((version) => {
    it(`on random multi-line sequences (${version.version})`, () => {
      let compared = 0;
      let columnar = 0;
      const before = fastEngineFallbacks();
      fc.assert(
        fc.property(
          fc.array(lineArb(version), { minLength: 1, maxLength: 4 }),
          fc.array(fc.tuple(cdrArb, fc.nat()), { minLength: 10, maxLength: 60 }),
          fc.nat(),
          fc.boolean(),
          (lines: LineProfile[], raw, splitAt, opened) => {
            // Within 40 days: a period or two per line, so most CDRs find their period open.
            const items = raw.map(([r, li], i) => ({ cdr: toCdr({ ...r, secondOfYear: r.secondOfYear % (40 * 86400) }, i), slot: li % lines.length })).sort((a, b) => Date.parse(a.cdr.startTime) - Date.parse(b.cdr.startTime));
            // Start from no state, or from a period opened at the first CDR with some usage behind it.
            const initial: (RatingState | null)[] = lines.map((line) => {
              if (!opened) return null;
              const o = rateCdrReference({ ...items[0]!.cdr, disposition: 'busy', billableUnits: 0, direction: 'inbound' }, { version, line, state: null });
              if (o.kind !== 'rated') return null;
              const s = o.state;
              const buckets = Object.fromEntries(Object.entries(s.buckets).map(([k, b], i) => [k, { ...b, remaining: Math.floor(b.remaining * ((i + splitAt) % 3) / 2) }]));
              const usage = Object.fromEntries(Object.entries(s.usage).map(([k], i) => [k, { units: ((splitAt + i) * 37) % 900, spendMicros: ((splitAt + i) * 7919) % 3_000_000 }]));
              return { ...s, buckets, usage };
            });
            const refStates = initial.slice();
            const expected = items.map(({ cdr, slot }) => {
              const o = rateCdrReference(cdr, { version, line: lines[slot]!, state: refStates[slot] });
              if (o.kind === 'rated') refStates[slot] = o.state;
              return o;
            });
            const batch = new BatchRater(version, lines, 4);
            batch.loadAll(initial);
            const cdrs = items.map((x) => x.cdr);
            const slots = Int32Array.from(items.map((x) => x.slot));
            const cut = splitAt % (items.length + 1);
            for (const [from, to] of [[0, cut], [cut, items.length]] as const) {
              batch.rate(cdrs, slots, from, to);
              // The charges alone (no state per CDR): the outcome's charge and period, or the rejection.
              expect(batch.charges()).toEqual(
                expected.slice(from, to).map((o) => (o.kind === 'rated' ? { kind: 'rated', charge: o.charge, periodKey: o.state.periodKey, periodEnd: o.state.periodEnd } : o)),
              );
              for (let i = 0; i < to - from; i++) {
                expect(batch.outcomeAt(i)).toEqual(expected[from + i]);
                if (batch.kind[i] !== BATCH_OBJECT) columnar++;
                compared++;
              }
            }
            lines.forEach((_, slot) => expect(batch.stateOf(slot)).toEqual(refStates[slot]));
            // The one-call form: outcomes, final states, and the lines to store (the others keep their object).
            const whole = rateBatch(version, lines, initial, cdrs, slots);
            expect(whole.outcomes).toEqual(expected);
            expect(whole.states).toEqual(refStates);
            lines.forEach((_, slot) => {
              if (!whole.changed.includes(slot)) expect(whole.states[slot]).toBe(initial[slot]);
              else expect(items.some((x, i) => x.slot === slot && expected[i]!.kind === 'rated')).toBe(true);
            });
          },
        ),
        { numRuns: 100, seed: version.version === 'odd' ? 11 : 5 },
      );
      expect(compared).toBeGreaterThan(1500);
      // Both paths are exercised: periods to open, inbound events without a rate and rejections (many here: the
      // generator mixes services and destinations freely) go through rateCdr; the rest is columnar.
      expect(columnar).toBeGreaterThan(compared / 6);
      expect(fastEngineFallbacks()).toBe(before);
    });
  });

  it('rates the benchmark traffic (60k prefixes, every offer and partner) as rateCdr does, and rateCdr as the reference', () => {
    const bench = buildBenchCatalogue();
    const version = bench.version;
    const { lines, initialStates, cdrs, lineOf } = buildWorkload(bench, openPeriod, 300, 6000);
    const before = fastEngineFallbacks();
    const batch = new BatchRater(version, lines, 6000);
    batch.loadAll(initialStates);
    batch.rate(cdrs, lineOf);
    const states = initialStates.slice();
    const charges = batch.charges();
    let columnar = 0;
    for (let i = 0; i < cdrs.length; i++) {
      const li = lineOf[i]!;
      const single = rateCdr(cdrs[i]!, { version, line: lines[li]!, state: states[li] });
      expect(batch.outcomeAt(i)).toEqual(single);
      expect(charges[i]).toEqual(single.kind === 'rated' ? { kind: 'rated', charge: single.charge, periodKey: single.state.periodKey, periodEnd: single.state.periodEnd } : single);
      if (batch.kind[i] !== BATCH_OBJECT) columnar++;
      // The first CDRs also against the decimal reference (slow on 60k prefixes; rateCdr = reference is
      // proven on this catalogue above).
      if (i < 400) expect(rateCdrReference(cdrs[i]!, { version, line: lines[li]!, state: states[li] })).toEqual(single);
      if (single.kind === 'rated') states[li] = single.state;
    }
    lines.forEach((_, li) => expect(batch.stateOf(li)).toEqual(states[li]));
    expect(columnar).toBeGreaterThan(cdrs.length * 0.95);
    expect(fastEngineFallbacks()).toBe(before);
  });
});
