// The fast engine's integer arithmetic and texts must equal decimal.js (money.ts) on every value.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal, formatAmount, formatPrecise, ROUNDING_MODES, roundAmount } from '../money.js';
import { decimalTextToMicros, fixedText, MODE_INDEX, OutOfRange, POW10, preciseText, roundDiv } from './exact.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A safe integer numerator, biased towards the sizes rating produces (and their edges). */
const numerator = fc.oneof(
  fc.nat({ max: 1_000 }),
  fc.nat({ max: 10_000_000 }),
  fc.integer({ min: 0, max: 2 ** 40 }),
  fc.integer({ min: 0, max: Math.floor(MAX_SAFE / 10_000) }),
  fc.constantFrom(0, 1, 9_999_999, 10_000_000, 999_999_999_999, 1_000_000_000_000),
);
const denominator = fc.oneof(fc.constantFrom(1, 2, 3, 6, 7, 60, 600, 1_000_000, 60_000_000, 6_000_000), fc.integer({ min: 1, max: 1_000_000_000 }));

describe('exact integer texts', () => {
  it('preciseText(num, den) = formatPrecise(num / den millionths)', () => {
    fc.assert(
      fc.property(numerator, denominator, (num, den) => {
        let text: string;
        try {
          text = preciseText(num, den);
        } catch (e) {
          // Out of range is allowed (the engine then uses the reference) only where r * 10^4 leaves safe integers.
          expect(e).toBeInstanceOf(OutOfRange);
          expect((num % den) * 10_000).toBeGreaterThan(MAX_SAFE);
          return;
        }
        expect(text).toBe(formatPrecise(new Decimal(num).dividedBy(den).dividedBy(1_000_000)));
      }),
      { numRuns: 6_000, seed: 11 },
    );
  });

  it('recent texts are reused only for the very same value', () => {
    // Many values share cache slots: asking again, in another order, must give each its own text.
    const values = Array.from({ length: 40_000 }, (_, i) => [i * 7919 + 1, 1 + (i % 97)] as const);
    const first = values.map(([n, d]) => preciseText(n, d));
    for (let i = values.length - 1; i >= 0; i -= 3) expect(preciseText(values[i]![0], values[i]![1])).toBe(first[i]);
    expect(preciseText(1, 3)).toBe(preciseText(2, 6));
  });

  it('rounding carries into the integer part and trailing zeros go', () => {
    // 0.99999999995 -> 1 (half-up at 10 decimals), 1.5 -> "1.5", 2 -> "2", 1/3 -> 0.0000003333
    expect(preciseText(99_999_999_995, 100_000)).toBe('1');
    expect(preciseText(1_500_000, 1)).toBe('1.5');
    expect(preciseText(2_000_000, 1)).toBe('2');
    expect(preciseText(1, 3)).toBe('0.0000003333');
    expect(preciseText(1, 30_000)).toBe('0');
    expect(preciseText(1, 20_000)).toBe('0.0000000001');
    expect(preciseText(25_000, 1)).toBe('0.025');
    expect(preciseText(0, 7)).toBe('0');
    expect(preciseText(MAX_SAFE, 1)).toBe(formatPrecise(new Decimal(MAX_SAFE).dividedBy(1_000_000)));
  });

  it('fixedText(units, places) = formatAmount at that precision', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 100_000 }), fc.integer({ min: 0, max: MAX_SAFE })), fc.integer({ min: 0, max: 6 }), (units, places) => {
        const value = new Decimal(units).dividedBy(POW10[places]!);
        expect(fixedText(units, places)).toBe(formatAmount(value, { precision: places, mode: 'half_up' }));
      }),
      { numRuns: 4_000, seed: 12 },
    );
    expect(fixedText(250, 4)).toBe('0.0250');
    expect(fixedText(0, 4)).toBe('0.0000');
    expect(fixedText(12_345, 2)).toBe('123.45');
    expect(fixedText(7, 0)).toBe('7');
  });

  it('roundDiv rounds like decimal.js in every mode', () => {
    fc.assert(
      fc.property(numerator, denominator, fc.constantFrom(...ROUNDING_MODES), (num, den, mode) => {
        const expected = roundAmount(new Decimal(num).dividedBy(den), { precision: 0, mode });
        expect(String(roundDiv(num, den, MODE_INDEX[mode]))).toBe(expected.toFixed(0));
      }),
      { numRuns: 4_000, seed: 13 },
    );
  });

  it('decimal texts of at most 6 decimals read as millionths', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 6 }), (units, places) => {
        const text = new Decimal(units).dividedBy(POW10[places]!).toFixed(places);
        expect(decimalTextToMicros(text)).toBe(units * POW10[6 - places]!);
      }),
      { numRuns: 2_000, seed: 14 },
    );
    expect(decimalTextToMicros('0.0250')).toBe(25_000);
    expect(decimalTextToMicros('3')).toBe(3_000_000);
  });
});
