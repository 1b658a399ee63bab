import { describe, expect, it } from 'vitest';
import { slicesBySize } from './producer.js';

describe('slicesBySize', () => {
  it('keeps every message, in order, in slices under the limit', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(1000 + (i % 7) * 100) }));
    const slices = slicesBySize(messages, 64 * 1024);
    expect(slices.flat()).toEqual(messages);
    for (const s of slices) expect(s.reduce((n, m) => n + m.value.length + m.key.length + 64, 0)).toBeLessThanOrEqual(64 * 1024);
  });

  it('sends a single message larger than the limit on its own rather than never', () => {
    const slices = slicesBySize([{ key: null, value: 'a' }, { key: null, value: 'b'.repeat(5000) }, { key: null, value: 'c' }], 1000);
    expect(slices.map((s) => s.length)).toEqual([1, 1, 1]);
  });
});
