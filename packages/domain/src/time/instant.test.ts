// parseInstantMs reads the common "YYYY-MM-DDTHH:MM:SS(Z|±HH:MM)" form on a loop-free path; it must agree
// with the general reading (and with Date) on every input, valid or not.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseInstantMs } from './instant.js';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('parseInstantMs', () => {
  it('reads seconds-form instants like Date does, across dates, offsets and repeated days', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) }),
        fc.constantFrom('Z', '+01:00', '+02:00', '-05:00', '+05:30', '-00:00', '+14:00', '-12:00'),
        (ms, offset) => {
          const sign = offset === 'Z' ? 0 : offset[0] === '-' ? -1 : 1;
          const offsetMin = sign * (Number(offset.slice(1, 3) || 0) * 60 + Number(offset.slice(4) || 0));
          const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMin * 60_000).toISOString().slice(0, 19);
          const text = local + offset;
          expect(parseInstantMs(text)).toBe(Date.parse(text));
          // The same day again (served from the last-day memo) and the previous second.
          expect(parseInstantMs(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: 3000, seed: 5 },
    );
  });

  it.each([
    ['2024-03-05T10:00:00+01:00', Date.UTC(2024, 2, 5, 9)],
    ['2024-03-05T10:00:00Z', Date.UTC(2024, 2, 5, 10)],
    ['2024-03-05T10:00:00z', Date.UTC(2024, 2, 5, 10)],
    ['2024-02-29T23:59:59-05:00', Date.UTC(2024, 2, 1, 4, 59, 59)],
    ['2024-03-05t10:00:00Z', Date.UTC(2024, 2, 5, 10)],
    ['2024-03-05 10:00:00Z', Date.UTC(2024, 2, 5, 10)],
    ['2024-03-05T10:00Z', Date.UTC(2024, 2, 5, 10)],
    ['2024-03-05T10:00:00.250Z', Date.UTC(2024, 2, 5, 10, 0, 0, 250)],
  ])('%s', (text, ms) => {
    expect(parseInstantMs(text)).toBe(ms);
  });

  it.each([
    '2023-02-29T10:00:00Z', // not a leap year
    '2024-02-30T10:00:00+01:00',
    '2024-13-05T10:00:00Z',
    '2024-00-05T10:00:00Z',
    '2024-03-00T10:00:00Z',
    '2024-03-05T24:00:00Z',
    '2024-03-05T10:60:00Z',
    '2024-03-05T10:00:60Z',
    '2024-03-05T10:00:00',
    '2024-03-05T10:00:00+1:00',
    '2024-03-05T10:00:00+01:60',
    '2024-03-05T10:00:00+24:00',
    '2024-03-05T10:00:00*01:00',
    '2024-03-05T10:00:00+01-00',
    '2024-03-05T10:00:00X',
    '2024-03-05T1a:00:00Z',
    '2O24-03-05T10:00:00Z',
    '2024/03/05T10:00:00Z',
    '2024-03-05T10:00:00.Z',
    '',
  ])('rejects %s', (text) => {
    expect(parseInstantMs(text)).toBeNaN();
  });

  it('a bad date right after a good one of the same month is still rejected', () => {
    expect(parseInstantMs('2023-02-28T10:00:00Z')).toBe(Date.UTC(2023, 1, 28, 10));
    expect(parseInstantMs('2023-02-29T10:00:00Z')).toBeNaN();
    expect(parseInstantMs(`${pad(2023, 4)}-02-28T11:00:00Z`)).toBe(Date.UTC(2023, 1, 28, 11));
  });

  it('reads any one-character change of a seconds-form instant as a strict reading does (digits, separators, offset)', () => {
    // The strict reading: the exact form by regular expression, the fields in range, then Date for the value.
    const strict = (text: string): number => {
      const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})([Zz]|[+-](\d{2}):(\d{2}))$/.exec(text);
      if (m === null) return Number.NaN;
      const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((k) => Number(m[k]));
      // Date.UTC reads years 0-99 as 1900-1999: set the full year explicitly.
      const utc = (month: number, day: number) => new Date(0).setUTCFullYear(y!, month, day);
      if (mo! < 1 || mo! > 12 || d! < 1 || d! > new Date(utc(mo!, 0)).getUTCDate() || h! > 23 || mi! > 59 || sec! > 59) return Number.NaN;
      if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return Number.NaN;
      const off = m[8] === undefined ? 0 : (m[7]![0] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
      return utc(mo! - 1, d!) + ((h! * 60 + mi!) * 60 + sec!) * 1000 - off * 60_000;
    };
    const chars = '0123456789:-+TtZz /.Oa';
    fc.assert(
      fc.property(
        fc.constantFrom('2024-03-05T10:07:09+01:00', '1999-12-31T23:59:59Z', '2024-02-29T00:00:00-05:30', '2061-07-15T12:34:56z'),
        fc.nat(),
        fc.constantFrom(...chars),
        (text, at, ch) => {
          const i = at % text.length;
          const changed = text.slice(0, i) + ch + text.slice(i + 1);
          const got = parseInstantMs(changed);
          const expected = strict(changed);
          if (Number.isNaN(expected)) expect(got).toBeNaN();
          else expect(got).toBe(expected);
        },
      ),
      { numRuns: 4000, seed: 11 },
    );
  });
});
