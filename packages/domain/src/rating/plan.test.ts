// The compiled plan's dense structures the batch rater reads instead of objects: each must hold exactly what
// the object it stands for holds (the batch rater's equality with the reference rests on it).
import { describe, expect, it } from 'vitest';
import { BATCH_OBJECT, BatchRater, compileCatalogueVersion, openPeriod, rateCdr } from '../index.js';
import { buildBenchCatalogue } from '../../bench/catalogue.js';
import { buildWorkload } from '../../bench/workload.js';
import {
  RF_LIST,
  RF_RETAIL,
  RF_UNANSWERED_FREE,
  RF_WHOLESALE,
  RATE_STRIDE,
  SERVICE_COUNT,
  RF_BUILT,
  RF_WIDE,
  RT_FLAGS,
  RT_INITIAL,
  RT_L_PRICE,
  RT_L_SIZE,
  RT_MINIMUM,
  RT_R_CONNECT,
  RT_R_PRICE,
  RT_R_SIZE,
  RT_ROUNDING,
  RT_SUBSEQUENT,
  RT_W_CONNECT,
  RT_W_CONNECT_OVERAGE,
  RT_W_PRICE,
  RT_W_SIZE,
  stepDen,
  stepNum,
  stepPrice,
} from './plan.js';
import { cdr, line, sampleVersion } from '../../test/fixtures.js';
import { rng } from '../../bench/catalogue.js';

describe('compiled plan: route rows', { timeout: 60_000 }, () => {
  it('hold the numbers of every route built by the benchmark traffic (rows shared by line kinds of the same price lists), and its scope', () => {
    const bench = buildBenchCatalogue();
    const { lines, initialStates, cdrs, lineOf } = buildWorkload(bench, openPeriod, 300, 4000);
    const batch = new BatchRater(bench.version, lines, 4000);
    batch.loadAll(initialStates);
    batch.rate(cdrs, lineOf);
    const c = compileCatalogueVersion(bench.version);
    const built = c.routeList.length;
    expect(built).toBeGreaterThan(1000);
    let withSteps = 0;
    let checked = 0;
    // Every route built (by any line kind) against the rate row of its key in its line kind's rows: rows are
    // shared by the line kinds with the same price lists, so this also proves the sharing sound.
    for (const byPartner of c.lines.values()) {
      for (const l of byPartner.values()) {
        if (l === null) continue;
        l.routes.forEach((r, key) => {
          if (r === undefined) return;
          expect(c.routeAt(l, key)).toBe(r);
          const row = l.rateRows;
          const at = key * RATE_STRIDE;
          if ((row[at + RT_FLAGS]! & RF_BUILT) === 0) c.buildRateRow(l, key);
          const flags = row[at + RT_FLAGS]!;
          expect(flags & RF_WIDE).toBe(0);
          expect((flags & RF_RETAIL) !== 0).toBe(r.retail !== null);
          expect((flags & RF_WHOLESALE) !== 0).toBe(r.wholesale !== null);
          expect((flags & RF_UNANSWERED_FREE) !== 0).toBe(r.unansweredFree);
          expect((flags & RF_LIST) !== 0).toBe(r.listOrRetail !== null);
          expect([row[at + RT_INITIAL], row[at + RT_SUBSEQUENT], row[at + RT_MINIMUM]]).toEqual([r.initial, r.subsequent, r.minimum]);
          expect([row[at + RT_R_PRICE], row[at + RT_R_SIZE], row[at + RT_W_PRICE], row[at + RT_W_SIZE], row[at + RT_L_PRICE], row[at + RT_L_SIZE]]).toEqual([r.rPrice, r.rSize, r.wPrice, r.wSize, r.lPrice, r.lSize]);
          expect([row[at + RT_R_CONNECT], row[at + RT_W_CONNECT], row[at + RT_W_CONNECT_OVERAGE]]).toEqual([r.rConnect, r.wConnect, r.wholesaleConnectOverage]);
          const rounding = row[at + RT_ROUNDING]!;
          expect([rounding & 7, (rounding >> 3) & 7, (rounding >> 6) & 7, rounding >> 9]).toEqual([r.rPrecision, r.rMode, r.wPrecision, r.wMode]);
          // The scope of an outbound route is its destination and service's, whatever the band.
          const band = key % c.bandCount;
          const inbound = Math.floor(key / c.bandCount) % 2 === 1;
          if (!inbound) {
            const ds = Math.floor(key / c.bandCount / 2);
            const scope = c.scopeOf(l, Math.floor(ds / SERVICE_COUNT), ds % SERVICE_COUNT);
            expect([...scope.basketSlots]).toEqual([...r.basketSlots]);
            expect([...scope.inScopeSlots]).toEqual([...r.inScopeSlots]);
            expect(scope.discount).toBe(r.discount);
            expect(scope.discountSlot).toBe(r.discountSlot);
          }
          expect(band).toBeLessThan(c.bandCount);
          checked++;
          // Step prices computed on the fly equal the route's precomputed ones.
          if (r.discount !== null && r.retail !== null) {
            r.discount.steps.forEach((s, k) => {
              const p = r.stepPrices[k];
              expect(stepPrice(r.rPrice, s)).toBe(p !== undefined);
              if (p !== undefined) expect([stepNum, stepDen]).toEqual([p.num, p.den]);
              withSteps++;
            });
          }
        });
      }
    }
    expect(checked).toBeGreaterThanOrEqual(built); // scopeOf may build a band's route on the way
    expect(withSteps).toBeGreaterThan(100);
  });

  it('computes step prices as the routes do on odd percentages and amounts, and refuses values beyond safe integers', () => {
    const c = compileCatalogueVersion(sampleVersion());
    const d = [...c.discounts.values()][0]!;
    const step = { ...d.steps[0]!, isAmount: false, pctE4: 333_333, factorNum: 666_667, factorDen: 1_000_000 };
    expect(stepPrice(71_234, step)).toBe(true);
    expect([stepNum, stepDen]).toEqual([71_234 * 666_667, 1_000_000]);
    expect(stepPrice(Number.MAX_SAFE_INTEGER, step)).toBe(false);
    const amount = { ...d.steps[0]!, isAmount: true, amountMicros: 50_000 };
    expect(stepPrice(30_000, amount)).toBe(true);
    expect([stepNum, stepDen]).toEqual([0, 1]);
    expect(stepPrice(80_000, amount)).toBe(true);
    expect([stepNum, stepDen]).toEqual([30_000, 1]);
  });
});

describe('compiled plan: compact trie', { timeout: 60_000 }, () => {
  // Random prefix sets over a few digits (dense nodes with all ten children, deep chains, prefixes of
  // prefixes, leaves and inner nodes that end a prefix), walked by CompiledVersion.longestPrefixNode and by the
  // batch rater's side-by-side walk, against a plain prefix set.
  it('finds the longest prefix like a plain prefix set, in longestPrefixNode and in the batch rater', () => {
    const base = sampleVersion();
    const l = line();
    const opened = rateCdr(cdr({ billableUnits: 0 }), { version: base, line: l, state: null });
    if (opened.kind !== 'rated') throw new Error('expected rated');
    let columnar = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed);
      const digit = (from: number) => String(from + Math.floor(r() * (seed % 3 === 0 ? 10 - from : 3)));
      const owner = new Map<string, string>();
      const count = seed % 4 === 0 ? 3000 : 40 + Math.floor(r() * 400);
      while (owner.size < count) {
        let p = digit(1);
        const len = 1 + Math.floor(r() * (seed % 2 === 0 ? 9 : 5));
        while (p.length < len) p += digit(0);
        owner.set(p, base.destinations[Math.floor(r() * base.destinations.length)]!.id);
      }
      // Every digit under one node (a full header mask, the last child's rank 9).
      for (let d = 0; d < 10; d++) owner.set(`9${d}`, base.destinations[d % base.destinations.length]!.id);
      const destinations = base.destinations.map((d) => ({ ...d, prefixes: [...owner].filter(([, id]) => id === d.id).map(([p]) => p) }));
      const version = { ...base, destinations };
      const c = compileCatalogueVersion(version);
      const numbers: string[] = [];
      const expected: (string | undefined)[] = [];
      const known = [...owner.keys()];
      for (let i = 0; i < 2000; i++) {
        let n = i % 2 === 0 ? known[Math.floor(r() * known.length)]! : digit(1);
        if (i % 4 === 2) n = n.slice(0, 1 + Math.floor(r() * n.length));
        const len = 1 + Math.floor(r() * 15);
        while (n.length < len) n += digit(0);
        let best: string | undefined;
        for (let k = n.length; k >= 1 && best === undefined; k--) best = owner.has(n.slice(0, k)) ? n.slice(0, k) : undefined;
        numbers.push(n);
        expected.push(best);
        const node = c.longestPrefixNode(n);
        expect(node === 0 ? undefined : c.prefixOf(node)).toBe(best);
        if (best !== undefined) expect(c.destIds[c.destinationOf(node)]).toBe(owner.get(best));
      }
      const batch = new BatchRater(version, [l], numbers.length);
      batch.load(0, opened.state);
      batch.rate(
        numbers.map((calledNumber, i) => cdr({ recordId: String(i), calledNumber, billableUnits: 0 })),
        numbers.map(() => 0),
      );
      for (let k = 0; k < numbers.length; k++) {
        if (batch.kind[k] === BATCH_OBJECT) continue;
        columnar++;
        const node = batch.node[k]!;
        expect(node === 0 ? undefined : c.prefixOf(node)).toBe(expected[k]);
      }
    }
    expect(columnar).toBeGreaterThan(12 * 1500);
  });
});
