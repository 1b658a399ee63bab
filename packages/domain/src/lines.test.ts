import { describe, expect, it } from 'vitest';
import { lineActiveAt, lineActiveWindow } from './lines.js';

describe('a line is used only while it is active', () => {
  const rome = lineActiveWindow({ activeFrom: '2026-10-05', activeTo: '2026-11-01' }, 'Europe/Rome');

  it('starts at local midnight of its activation day', () => {
    // 23:59:59 UTC on the 4th is 01:59:59 on the 5th in Rome (summer time): already active.
    expect(lineActiveAt(rome, Date.parse('2026-10-04T21:59:59Z'))).toBe(false);
    expect(lineActiveAt(rome, Date.parse('2026-10-04T22:00:00Z'))).toBe(true);
  });

  it('ends at local midnight of the day it was closed on (the first day not active)', () => {
    // 1 November 00:00 in Rome is 23:00 UTC on 31 October (winter time).
    expect(lineActiveAt(rome, Date.parse('2026-10-31T22:59:59Z'))).toBe(true);
    expect(lineActiveAt(rome, Date.parse('2026-10-31T23:00:00Z'))).toBe(false);
  });

  it('reads instants by their local date and stays open without activeTo', () => {
    const open = lineActiveWindow({ activeFrom: '2026-10-04T23:30:00Z', activeTo: null }, 'Europe/Rome');
    expect(open.from).toBe('2026-10-05');
    expect(open.toMs).toBeNull();
    expect(lineActiveAt(open, Date.parse('2030-01-01T00:00:00Z'))).toBe(true);
    expect(lineActiveAt(open, Date.parse('2026-10-04T21:00:00Z'))).toBe(false);
  });

  it('refuses what is not a date', () => {
    expect(() => lineActiveWindow({ activeFrom: 'soon', activeTo: null }, 'Europe/Rome')).toThrow(RangeError);
  });
});
