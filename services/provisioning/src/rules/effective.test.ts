import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/errors.js';
import { effectiveInstant, localDate } from './effective.js';

const now = new Date('2026-10-15T10:00:00Z');
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof ApiError ? err.code : String(err);
  }
};

describe('when a change takes effect', () => {
  it('absent means now', () => expect(effectiveInstant(undefined, now, 'Europe/Rome')).toEqual(now));
  it('a date is its first moment in the customer zone', () => expect(effectiveInstant('2026-11-01', now, 'Europe/Rome').toISOString()).toBe('2026-10-31T23:00:00.000Z'));
  it('an instant keeps its offset', () => expect(effectiveInstant('2026-10-20T12:00:00+02:00', now, 'UTC').toISOString()).toBe('2026-10-20T10:00:00.000Z'));
  it('a moment within the clock skew counts as now', () => expect(effectiveInstant('2026-10-15T09:59:30Z', now, 'UTC')).toEqual(now));
  it.each([
    ['2026-10-15T09:58:00Z', 'effective_date_in_past'],
    ['2026-10-14', 'effective_date_in_past'],
    ['2028-01-01', 'effective_date_too_far'],
    ['2026-10-20T12:00:00', 'invalid_effective_from'],
    ['2026-02-30', 'invalid_effective_from'],
  ])('%s is refused: %s', (input, expected) => expect(code(() => effectiveInstant(input, now, 'Europe/Rome'))).toBe(expected));
  it('a line taken over by the back-office may start in the past', () => expect(effectiveInstant('2026-01-01', now, 'Europe/Rome', { allowPast: true }).toISOString()).toBe('2025-12-31T23:00:00.000Z'));
  it('the local date of an instant', () => expect(localDate('2026-10-31T23:30:00Z', 'Europe/Rome')).toBe('2026-11-01'));
});
