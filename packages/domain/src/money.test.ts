import { describe, expect, it } from 'vitest';
import { applyTieredDiscount, applyVolumeDiscount, formatAmount, formatPrecise, roundAmount, roundToMinorUnit, toMinorUnits, fromMinorUnits } from './index.js';
import { normaliseNumber } from './index.js';

describe('rounding', () => {
  it.each([
    ['0.00125', 'half_up', '0.0013'],
    ['0.00125', 'half_even', '0.0012'],
    ['0.00135', 'half_even', '0.0014'],
    ['0.00121', 'up', '0.0013'],
    ['0.00129', 'down', '0.0012'],
    ['0.00125', 'down', '0.0012'],
    ['2', 'half_up', '2.0000'],
  ] as const)('%s %s at 4 decimals -> %s', (value, mode, expected) => {
    expect(formatAmount(value, { precision: 4, mode })).toBe(expected);
  });
  it('default is 4 decimals half-up', () => {
    expect(roundAmount('0.00005').toFixed()).toBe('0.0001');
  });
  it('precise keeps 10 decimals', () => {
    expect(formatPrecise('0.0004166666666666666')).toBe('0.0004166667');
    expect(formatPrecise('0.0120')).toBe('0.012');
    expect(formatPrecise('0')).toBe('0');
  });
  it('minor units', () => {
    expect(roundToMinorUnit('12.345', 'EUR').toFixed(2)).toBe('12.35');
    expect(toMinorUnits('12.34', 'EUR')).toBe(1234n);
    expect(fromMinorUnits(1234n, 'EUR').toFixed(2)).toBe('12.34');
    expect(() => toMinorUnits('12.345', 'EUR')).toThrow();
    expect(toMinorUnits('1234', 'JPY')).toBe(1234n);
  });
});

describe('discount steps (DOMAIN.md)', () => {
  const steps = [
    { threshold: 0, percentage: 0 },
    { threshold: 100, percentage: 5 },
    { threshold: 200, percentage: 10 },
  ];
  it('tiered (graduated): spend 250 -> 0 + 5 + 5 = 10', () => {
    expect(applyTieredDiscount(250, steps).toFixed()).toBe('10');
  });
  it('volume (bulk): spend 250 -> 25', () => {
    expect(applyVolumeDiscount(250, steps).toFixed()).toBe('25');
  });
  it('below the first paying step there is no discount', () => {
    expect(applyTieredDiscount(80, steps).toFixed()).toBe('0');
    expect(applyVolumeDiscount(80, steps).toFixed()).toBe('0');
  });
  it('a step is a percentage or an amount, never both', () => {
    expect(() => applyTieredDiscount(10, [{ threshold: 0, percentage: 5, amount: 1 }])).toThrow(/never both/);
    expect(applyVolumeDiscount(300, [{ threshold: 100, amount: '10' }]).toFixed()).toBe('10');
  });
});

describe('normaliseNumber', () => {
  const it39 = { countryCode: '39' };
  it.each([
    ['+39 06 1234 5678', it39, '390612345678'],
    ['0039 06 1234 5678', it39, '390612345678'],
    ['06 1234 5678', it39, '390612345678'],
    ['333 123 4567', it39, '393331234567'],
    ['+44 20 7946 0018', it39, '442079460018'],
    ['020 7946 0018', { countryCode: '44' }, '442079460018'],
    ['011 1 212 555 0100', { countryCode: '1', internationalPrefix: '011', trunkPrefix: '1' }, '12125550100'],
    ['390612345678', { countryCode: '39', bareDigits: 'international' as const }, '390612345678'],
  ])('%s -> %s', (raw, plan, expected) => {
    expect(normaliseNumber(raw, plan)).toEqual({ ok: true, e164: expected });
  });
  it.each(['', 'abc', '+0612', '+1234567890123456'])('%j is not a number', (raw) => {
    expect(normaliseNumber(raw, it39).ok).toBe(false);
  });
});
