import { describe, expect, it } from 'vitest';
import { rateCdr } from '../index.js';
import { cdr, line, sampleVersion } from '../../test/fixtures.js';

function rated(overrides: Parameters<typeof cdr>[0], lineOverrides: Parameters<typeof line>[0] = {}) {
  const outcome = rateCdr(cdr(overrides), { version: sampleVersion(), line: line(lineOverrides), state: null });
  if (outcome.kind !== 'rated') throw new Error(`${outcome.code}: ${outcome.message}`);
  return outcome.charge;
}

describe('rateCdr, pay as you go', () => {
  it('rates a 61 s peak call to Italy fixed at 30/6: 66 s x 0.025/min = 0.0275', () => {
    const c = rated({ billableUnits: 61 });
    expect(c.billedUnits).toBe(66);
    expect(c.retail).toEqual({ amount: '0.0275', precise: '0.0275', currency: 'EUR' });
    // wholesale 66 s x 0.008/min = 0.0088
    expect(c.wholesale).toEqual({ amount: '0.0088', precise: '0.0088', currency: 'EUR' });
    expect(c.explanation).toMatchObject({ destination: 'IT_FIXED', prefix: '39', band: 'peak', increments: { initial: 30, subsequent: 6, minimum: 0 } });
  });

  it('uses the longest prefix: 393... is Italy mobile, with its connect fee', () => {
    const c = rated({ calledNumber: '393331234567', billableUnits: 30 });
    expect(c.explanation.destination).toBe('IT_MOBILE');
    expect(c.explanation.prefix).toBe('393');
    // 30 s x 0.09/min = 0.045 + connect 0.05
    expect(c.retail.amount).toBe('0.0950');
  });

  it('rejects an unknown destination with that reason', () => {
    const outcome = rateCdr(cdr({ calledNumber: '8112345678' }), { version: sampleVersion(), line: line(), state: null });
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'unknown_destination' });
  });

  it('rejects a service without a rate', () => {
    const outcome = rateCdr(cdr({ service: 'fax', calledNumber: '447700900123', billableUnits: 2 }), { version: sampleVersion(), line: line(), state: null });
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'no_rate_for_service' });
  });

  it('rounds once, half-up at 4 decimals, keeping the precise value', () => {
    // 1 s x 0.12/min (UK mobile at 1/1) = 0.002 per s ; 7 s = 0.014 ; 0.95 discount for intl first hour -> 0.0133
    const c = rated({ calledNumber: '447700900123', billableUnits: 7 });
    expect(c.retail).toMatchObject({ amount: '0.0133', precise: '0.0133' });
    // 1 s at Italy fixed peak 0.025/min is 0.000416666...; 30 s initial increment -> 0.0125
    const d = rated({ billableUnits: 1 });
    expect(d.retail.amount).toBe('0.0125');
  });

  it('charges nothing for an unanswered call unless the tariff says so', () => {
    expect(rated({ disposition: 'busy', billableUnits: 0 }).retail.amount).toBe('0.0000');
    // Premium rate: unanswered calls pay the connect fee.
    expect(rated({ disposition: 'no_answer', billableUnits: 0, calledNumber: '39899123456' }).retail.amount).toBe('0.1500');
  });
});
