import { describe, expect, it } from 'vitest';
import { Identifier, IsoInstant } from './primitives.js';

describe('Identifier', () => {
  it('takes any text a switch or an operator may choose', () => {
    for (const id of ['1791111111.1', 'pbx-rome/42', 'Zürich ☎ 東京', 'emoji 😀 pair', 'a b']) expect(Identifier(64).safeParse(id).success).toBe(true);
  });

  it('refuses control characters, lone surrogates and U+FFFD, each by name', () => {
    for (const id of ['nul\u0000', 'tab\there', 'new\nline', 'del\u007f', 'lone\ud800', 'lone\udc00low', 'replaced\ufffd']) {
      const result = Identifier(64).safeParse(id);
      expect(result.success, JSON.stringify(id)).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/control characters .* lone surrogates or U\+FFFD/);
    }
  });

  it('keeps its length limit, and none when none is given', () => {
    expect(Identifier(4).safeParse('abcde').success).toBe(false);
    expect(Identifier().safeParse('x'.repeat(5000)).success).toBe(true);
    expect(Identifier().safeParse('').success).toBe(false);
  });
});

describe('IsoInstant', () => {
  it('takes an instant with Z or an offset up to 14 hours either way', () => {
    for (const t of ['2026-10-05T10:00:00Z', '2026-10-05T10:00:00.123Z', '2026-10-05T10:00:00+14:00', '2026-10-05T10:00:00-12:00', '2026-10-05T10:00:00+05:45']) expect(IsoInstant.safeParse(t).success, t).toBe(true);
  });

  it('refuses an offset no time zone has (PostgreSQL would refuse it mid-request), a local time and an impossible date', () => {
    const far = IsoInstant.safeParse('2026-10-05T10:00:00+16:00');
    expect(far.success).toBe(false);
    expect(far.error?.issues[0]?.message).toBe('the UTC offset must be between -14:00 and +14:00');
    for (const t of ['2026-10-05T10:00:00-14:01', '2026-10-05T10:00:00+23:59', '2026-10-05T10:00:00', '2026-02-30T10:00:00Z']) expect(IsoInstant.safeParse(t).success, t).toBe(false);
  });
});
