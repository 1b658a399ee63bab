import { describe, expect, it } from 'vitest';
import { Identifier } from './primitives.js';

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
