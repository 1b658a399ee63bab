// The batch rater's contract beyond equality with rateCdr (proven in equivalence.test.ts): bad calls get a
// clear error, a call's results replace the previous call's, an invalid CDR is rejected like rateCdr does.
import { describe, expect, it } from 'vitest';
import { BATCH_OBJECT, BATCH_RATED, BatchRater, rateBatch, rateCdr, type RatingState } from '../index.js';
import { cdr, line, sampleVersion } from '../../test/fixtures.js';

describe('BatchRater', () => {
  const version = sampleVersion();

  it('refuses a line slot outside its lines, and a range outside the CDRs', () => {
    const batch = new BatchRater(version, [line()]);
    expect(() => batch.rate([cdr()], [1])).toThrow(/line slot of CDR 0 is 1, not one of 0..0/);
    expect(() => batch.rate([cdr()], [0], 0, 2)).toThrow(/from 0 to 2 is not a range of the 1 CDRs/);
    expect(() => rateBatch(version, [line()], [null], [cdr(), cdr()], [0])).toThrow(/lineOf has 1 entries for 2 CDRs/);
    batch.rate([cdr()], [0]);
    expect(() => batch.outcomeAt(1)).toThrow(/no CDR at position 1/);
  });

  it('rates a line with no state through rateCdr (the period is opened), then on the columns', () => {
    const l = line();
    const cdrs = [cdr({ recordId: 'a' }), cdr({ recordId: 'b', startTime: '2024-03-05T11:00:00+01:00' })];
    const r = rateBatch(version, [l], [null], cdrs, [0, 0]);
    const first = rateCdr(cdrs[0]!, { version, line: l, state: null });
    if (first.kind !== 'rated') throw new Error('expected rated');
    const second = rateCdr(cdrs[1]!, { version, line: l, state: first.state });
    expect(r.outcomes).toEqual([first, second]);
    expect(r.states[0]).toEqual(second.kind === 'rated' ? second.state : first.state);
    expect(r.changed).toEqual([0]);

    const batch = new BatchRater(version, [l]);
    batch.load(0, null);
    batch.rate(cdrs, [0, 0]);
    expect([batch.kind[0], batch.kind[1]]).toEqual([BATCH_OBJECT, BATCH_RATED]);
    expect(batch.billed[1]).toBe(second.kind === 'rated' ? second.charge.billedUnits : -1);
  });

  it("replaces the previous call's results and carries the line's state into the next call", () => {
    const l = line();
    const opened = rateCdr(cdr({ billableUnits: 0 }), { version, line: l, state: null });
    if (opened.kind !== 'rated') throw new Error('expected rated');
    const batch = new BatchRater(version, [l], 1);
    batch.load(0, opened.state);
    let state: RatingState = opened.state;
    for (let k = 0; k < 3; k++) {
      const c = cdr({ recordId: String(k), startTime: `2024-03-05T1${k}:00:00+01:00`, billableUnits: 500 });
      batch.rate([c], [0]);
      expect(batch.count).toBe(1);
      const expected = rateCdr(c, { version, line: l, state });
      expect(batch.outcomeAt(0)).toEqual(expected);
      if (expected.kind === 'rated') state = expected.state;
    }
    expect(batch.stateOf(0)).toEqual(state);
  });

  it('rejects CDRs without a start time or called number as rateCdr does (no TypeError from the first reads)', () => {
    const l = line();
    const bad = [{ ...cdr(), startTime: undefined }, { ...cdr(), calledNumber: undefined }, { ...cdr(), startTime: 7 }] as unknown as ReturnType<typeof cdr>[];
    const r = rateBatch(version, [l], [null], bad, [0, 0, 0]);
    r.outcomes.forEach((o, i) => {
      expect(o).toEqual(rateCdr(bad[i]!, { version, line: l, state: null }));
      expect(o.kind).toBe('rejected');
    });
  });

  it('rejects an invalid CDR as rateCdr does, leaving the state alone', () => {
    const l = line();
    const bad = cdr({ billableUnits: -1 });
    const r = rateBatch(version, [l], [null], [bad], [0]);
    expect(r.outcomes[0]).toEqual(rateCdr(bad, { version, line: l, state: null }));
    expect(r.outcomes[0]!.kind).toBe('rejected');
    expect(r.states[0]).toBeNull();
    expect(r.changed).toEqual([]);
  });
});
