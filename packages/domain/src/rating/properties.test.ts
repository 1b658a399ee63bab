// Properties of rating that must hold for every input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal, rateCdr, type LineProfile, type RatingCdr, type RatingState } from '../index.js';
import { cdr, line, ruleVersion } from '../../test/fixtures.js';

const version = ruleVersion();
const offers = version.offers.map((o) => o.id);

const arbCdr = fc.record({
  calledNumber: fc.constantFrom('390298765432', '393331234567', '442079460018', '390698765432'),
  billableUnits: fc.nat({ max: 5000 }),
  startTime: fc.integer({ min: 0, max: 27 * 86400 }).map((s) => new Date(Date.UTC(2024, 2, 2) + s * 1000).toISOString().replace('.000Z', 'Z')),
  callingNumber: fc.constantFrom('390612345678', '390611111111'),
  service: fc.constantFrom('voice' as const, 'voice' as const, 'sms' as const),
});
const arbLine = fc.record({
  offerId: fc.constantFrom(...offers),
  cugs: fc.constantFrom([], ['office']),
  overage: fc.constantFrom(undefined, { enabled: false, target: null }),
});

function rated(c: RatingCdr, l: LineProfile, state: RatingState | null) {
  const o = rateCdr(c, { version, line: l, state });
  if (o.kind !== 'rated') throw new Error(`${o.code}: ${o.message}`);
  return o;
}

function fixCdr(raw: Partial<RatingCdr> & { billableUnits: number }): RatingCdr {
  // SMS only to Italian mobiles (the only SMS rate in the rule catalogue).
  return cdr(raw.service === 'sms' ? { ...raw, calledNumber: '393331234567', billableUnits: raw.billableUnits % 20 } : raw);
}

// CPU-bound; the default 5 s is too tight when the suite shares two cores with other test files.
describe('rating properties', { timeout: 60_000 }, () => {
  it('amounts are never negative and buckets never go below zero', () => {
    fc.assert(
      fc.property(arbLine, fc.array(arbCdr, { minLength: 1, maxLength: 25 }), (l, raws) => {
        const lp = line(l);
        let state: RatingState | null = null;
        for (const raw of raws.sort((a, b) => a.startTime.localeCompare(b.startTime))) {
          const o = rated(fixCdr(raw), lp, state);
          for (const m of [o.charge.retail, o.charge.wholesale]) {
            expect(new Decimal(m.amount).isNegative()).toBe(false);
            expect(new Decimal(m.precise).isNegative()).toBe(false);
          }
          for (const p of o.charge.explanation.parts) expect(new Decimal(p.amount).isNegative()).toBe(false);
          for (const b of Object.values(o.state.buckets)) expect(b.remaining).toBeGreaterThanOrEqual(0);
          state = o.state;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the amount is non-decreasing in duration', () => {
    fc.assert(
      fc.property(arbLine, arbCdr, fc.nat({ max: 3000 }), (l, raw, extra) => {
        const c = fixCdr({ ...raw, service: 'voice' });
        const lp = line(l);
        const a = rated(c, lp, null).charge;
        const b = rated({ ...c, billableUnits: c.billableUnits + extra }, lp, null).charge;
        expect(new Decimal(b.retail.precise).greaterThanOrEqualTo(a.retail.precise)).toBe(true);
        expect(new Decimal(b.wholesale.precise).greaterThanOrEqualTo(a.wholesale.precise)).toBe(true);
        expect(b.billedUnits).toBeGreaterThanOrEqual(a.billedUnits);
      }),
      { numRuns: 300 },
    );
  });

  it('split parts sum to the whole: units to billed units, amounts plus connect fee to the precise total', () => {
    fc.assert(
      fc.property(arbLine, fc.array(arbCdr, { minLength: 1, maxLength: 10 }), (l, raws) => {
        const lp = line(l);
        let state: RatingState | null = null;
        for (const raw of raws.sort((a, b) => a.startTime.localeCompare(b.startTime))) {
          const { charge, state: next } = rated(fixCdr(raw), lp, state);
          const parts = charge.explanation.parts;
          expect(parts.reduce((n, p) => n + p.units, 0)).toBe(charge.billedUnits);
          const retail = parts.reduce((s, p) => s.plus(p.amount), new Decimal(charge.explanation.connectFee.retail));
          const wholesale = parts.reduce((s, p) => s.plus(p.wholesaleAmount), new Decimal(charge.explanation.connectFee.wholesale));
          // Each part's precise text is exact to 10 decimals, so the sum may differ by half a unit there per part.
          const tolerance = new Decimal('0.5e-10').times(parts.length + 1);
          expect(retail.minus(charge.retail.precise).abs().lessThanOrEqualTo(tolerance)).toBe(true);
          expect(wholesale.minus(charge.wholesale.precise).abs().lessThanOrEqualTo(tolerance)).toBe(true);
          const drawn = charge.explanation.bucketDraws.reduce((n, d) => n + d.units, 0);
          expect(parts.filter((p) => p.source === 'bucket').reduce((n, p) => n + p.units, 0)).toBe(drawn);
          state = next;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the same input gives the same output (and the input state is not modified)', () => {
    fc.assert(
      fc.property(arbLine, arbCdr, (l, raw) => {
        const c = fixCdr(raw);
        const lp = line(l);
        const first = rated(c, lp, null);
        const frozen = JSON.stringify(first.state);
        const again = rated(c, lp, null);
        expect(again).toEqual(first);
        const next1 = rated(c, lp, first.state);
        const next2 = rated(c, lp, first.state);
        expect(next1).toEqual(next2);
        expect(JSON.stringify(first.state)).toBe(frozen);
        // The state is plain data: a JSON round trip (as through PostgreSQL) changes nothing.
        expect(rated(c, lp, JSON.parse(frozen))).toEqual(next1);
      }),
      { numRuns: 200 },
    );
  });
});
