import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { commitCall, postRatedCall, UNCHARGED_CALL, type CallCharge } from './reconcile.js';

type Step = { kind: 'commit'; cost: string } | { kind: 'rated'; revision: number; retail: string };

/** Applies the steps in order and returns the ledger amounts they post (null: nothing posted). */
function run(steps: Step[]): { posted: (string | null)[]; call: CallCharge } {
  let call = UNCHARGED_CALL;
  const posted: (string | null)[] = [];
  for (const s of steps) {
    const p = s.kind === 'commit' ? commitCall(call, s.cost) : postRatedCall(call, s.revision, s.retail);
    posted.push(p?.amount ?? null);
    if (p) call = p.call;
  }
  return { posted, call };
}

const sum = (amounts: (string | null)[]) => amounts.reduce((s, a) => s + (a === null ? 0 : Math.round(Number(a) * 10_000)), 0) / 10_000;

describe('one call is charged once, whichever of terminate and the rated CDR comes first', () => {
  const cases: { name: string; steps: Step[]; posted: (string | null)[]; total: number }[] = [
    { name: 'a CDR with no session is charged in full', steps: [{ kind: 'rated', revision: 0, retail: '0.2000' }], posted: ['-0.2000'], total: -0.2 },
    { name: 'an unanswered call posts a zero entry', steps: [{ kind: 'rated', revision: 0, retail: '0.0000' }], posted: ['0.0000'], total: 0 },
    { name: 'terminate first at the same price: the CDR posts zero', steps: [{ kind: 'commit', cost: '0.2000' }, { kind: 'rated', revision: 0, retail: '0.2000' }], posted: ['-0.2000', '0.0000'], total: -0.2 },
    { name: 'terminate first, the CDR dearer: the CDR posts the difference', steps: [{ kind: 'commit', cost: '0.2000' }, { kind: 'rated', revision: 0, retail: '0.3000' }], posted: ['-0.2000', '-0.1000'], total: -0.3 },
    { name: 'terminate first, the CDR cheaper: the CDR refunds the difference', steps: [{ kind: 'commit', cost: '0.3000' }, { kind: 'rated', revision: 0, retail: '0.1000' }], posted: ['-0.3000', '0.2000'], total: -0.1 },
    { name: 'the CDR first: the terminate commits nothing', steps: [{ kind: 'rated', revision: 0, retail: '0.2000' }, { kind: 'commit', cost: '0.2000' }], posted: ['-0.2000', null], total: -0.2 },
    { name: 'a repeated terminate commits once', steps: [{ kind: 'commit', cost: '0.2000' }, { kind: 'commit', cost: '0.2000' }], posted: ['-0.2000', null], total: -0.2 },
    { name: 'a redelivered CDR posts nothing', steps: [{ kind: 'rated', revision: 0, retail: '0.2000' }, { kind: 'rated', revision: 0, retail: '0.2000' }], posted: ['-0.2000', null], total: -0.2 },
    {
      name: 'a replay (higher revision) posts only its difference',
      steps: [{ kind: 'commit', cost: '0.2000' }, { kind: 'rated', revision: 0, retail: '0.2000' }, { kind: 'rated', revision: 1, retail: '0.1500' }],
      posted: ['-0.2000', '0.0000', '0.0500'],
      total: -0.15,
    },
    { name: 'an older revision after a newer one changes nothing', steps: [{ kind: 'rated', revision: 2, retail: '0.1000' }, { kind: 'rated', revision: 1, retail: '0.9000' }], posted: ['-0.1000', null], total: -0.1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { posted, call } = run(c.steps);
      expect(posted).toEqual(c.posted);
      expect(sum(posted)).toBe(c.total);
      expect(Number(call.charged)).toBe(-c.total === 0 ? 0 : -c.total);
    });
  }
});

describe('commitCall of a first commit (the fast path)', () => {
  it('gives the strings decimal arithmetic gives, at the amount’s own scale', () => {
    // A call whose charge is "0.0" takes the general path; for amounts with decimals the result is the same.
    const general: CallCharge = { charged: '0.0', committed: false, ratedRevision: null };
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 1, max: 8 }), (units, scale) => {
        const digits = units.toString().padStart(scale + 1, '0');
        const cost = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
        expect(commitCall(UNCHARGED_CALL, cost)).toStrictEqual(commitCall(general, cost));
      }),
    );
    expect(commitCall(UNCHARGED_CALL, '0.4200')).toStrictEqual({ amount: '-0.4200', call: { charged: '0.4200', committed: true, ratedRevision: null } });
    expect(commitCall(UNCHARGED_CALL, '5')).toStrictEqual({ amount: '-5', call: { charged: '5', committed: true, ratedRevision: null } });
    // Not plain: the general path decides (zero, leading zeros, exponents).
    expect(commitCall(UNCHARGED_CALL, '0.0000')?.call.charged).toBe('0.0000');
    expect(commitCall(UNCHARGED_CALL, '007.50')).toStrictEqual({ amount: '-7.50', call: { charged: '7.50', committed: true, ratedRevision: null } });
  });
});
