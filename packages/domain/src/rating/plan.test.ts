// The compiled plan's dense structures the batch rater reads instead of objects: each must hold exactly what
// the object it stands for holds (the batch rater's equality with the reference rests on it).
import { describe, expect, it } from 'vitest';
import { BatchRater, compileCatalogueVersion, openPeriod } from '../index.js';
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
import { sampleVersion } from '../../test/fixtures.js';

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
