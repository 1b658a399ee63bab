import { describe, expect, it } from 'vitest';
import { IdFilter } from './id-filter.js';

describe('the call-id filter', () => {
  it('never forgets an id it was given, and rarely claims one it was not', () => {
    const f = new IdFilter(20_000);
    for (let i = 0; i < 20_000; i++) f.add(`pbx-rome/call-${i}`);
    for (let i = 0; i < 20_000; i++) expect(f.mayContain(`pbx-rome/call-${i}`)).toBe(true);
    let false_ = 0;
    for (let i = 0; i < 20_000; i++) if (f.mayContain(`pbx-rome/other-${i}`)) false_++;
    expect(false_ / 20_000).toBeLessThan(0.03);
    expect(f.ids).toBe(20_000);
  });
});
