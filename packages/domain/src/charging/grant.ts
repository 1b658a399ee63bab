// Real-time credit control (in the spirit of Diameter Gy): how many units a call or event may be granted
// from the credit available, the allowance left and the overage rule, and why one is refused.
import { dec, type Decimal, type DecimalInput } from '../money.js';
import { rateCdr } from '../rating/rateCdr.js';
import type { RatedCharge, RatingCdr, RatingContext } from '../rating/types.js';

/** Stable reason codes a switch receives when usage is refused. */
export type RefusalCode =
  | 'unknown_line'
  | 'account_suspended'
  | 'account_terminated'
  | 'channel_limit_reached'
  | 'no_credit'
  | 'credit_limit_reached'
  | 'allowance_exhausted'
  | 'no_catalogue'
  | 'session_expired'
  | 'session_closed'
  | 'session_conflict'
  // A rating rejection (unknown destination, no rate...) refuses the call with the rating code.
  | 'invalid_number'
  | 'invalid_start_time'
  | 'unknown_destination'
  | 'no_rate_for_service'
  | 'no_wholesale_rate'
  | 'unknown_offer'
  | 'unknown_partner'
  | 'unknown_time_zone'
  | 'invalid_cdr'
  | 'state_period_mismatch'
  | 'amount_out_of_range';

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

/** The status dunning gave an account: usage is refused while it is suspended or terminated. */
export type AccountStanding = 'active' | 'suspended' | 'terminated';

export function standingRefusal(standing: AccountStanding, reason?: string | null): Refusal | null {
  if (standing === 'suspended') return { code: 'account_suspended', message: `the account is suspended${reason ? ` (${reason})` : ''}; usage is refused until it is reinstated` };
  if (standing === 'terminated') return { code: 'account_terminated', message: `the account is terminated${reason ? ` (${reason})` : ''}` };
  return null;
}

/** A call above the line's channel limit is refused; `inUse` counts the line's open (unexpired) sessions. */
export function channelRefusal(inUse: number, channels: number): Refusal | null {
  return inUse >= channels ? { code: 'channel_limit_reached', message: `the line already holds ${inUse} of its ${channels} channels` } : null;
}

/** What a price probe says about a call or event of a given total of units. */
export interface UnitProbe {
  /** The retail amount for the whole event of that many units, rounded as rating rounds it. */
  readonly amount: DecimalInput;
  /** Units beyond the allowance with overage disabled (they would be refused). */
  readonly deniedUnits: number;
}

export type GrantLimit = 'requested' | 'credit' | 'allowance';

export interface Grant<P extends UnitProbe> {
  /** The event's total units after the grant (used + newly granted); equals `from` when nothing is granted. */
  readonly totalUnits: number;
  /** Units newly granted (0: refused). */
  readonly grantedUnits: number;
  /** The probe at totalUnits: what is reserved. Null when nothing could be granted. */
  readonly probe: P | null;
  /** What stopped the grant short of the request. */
  readonly limitedBy: GrantLimit;
}

/**
 * The largest total of units in (from, from + requested] whose price fits the budget and which the allowance
 * allows. Prices never fall as units grow (rating is monotone in duration: property-tested), so the search is
 * a bisection over whole units. A cost-free event fits any budget that is not below zero, so a call inside a
 * bucket is granted even with no credit. `from` is what was used already (an update): it is never re-granted.
 */
export function grantUnits<P extends UnitProbe>(args: { from: number; requested: number; budget: DecimalInput; probe: (totalUnits: number) => P }): Grant<P> {
  const { from, requested } = args;
  if (requested <= 0) return { totalUnits: from, grantedUnits: 0, probe: null, limitedBy: 'requested' };
  // Module-level helpers over one search state rather than closures made per call: this runs on every
  // credit decision, and under tsx every named closure costs a defineProperty (esbuild's keepNames).
  const search: Search<P> = { budget: nonNegative(dec(args.budget)), probe: args.probe, seen: new Map() };
  const first = from + 1;
  let lo = first;
  let hi = from + requested;
  // The whole request first: it usually fits, and then one price is all the decision needs (monotone prices:
  // if the last unit fits, every one before it does).
  if (fits(search, hi)) lo = hi;
  else {
    if (hi === first || !fits(search, first)) return { totalUnits: from, grantedUnits: 0, probe: null, limitedBy: limitAt(search, first) };
    // fits(lo) and not fits(hi): narrow to the last unit that fits.
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (fits(search, mid)) lo = mid;
      else hi = mid;
    }
  }
  const limitedBy: GrantLimit = lo === from + requested ? 'requested' : limitAt(search, lo + 1);
  return { totalUnits: lo, grantedUnits: lo - from, probe: probeAt(search, lo), limitedBy };
}

type Search<P extends UnitProbe> = { budget: Decimal; probe: (totalUnits: number) => P; seen: Map<number, P> };

function probeAt<P extends UnitProbe>(s: Search<P>, units: number): P {
  let p = s.seen.get(units);
  if (!p) s.seen.set(units, (p = s.probe(units)));
  return p;
}

function fits<P extends UnitProbe>(s: Search<P>, units: number): boolean {
  const p = probeAt(s, units);
  return p.deniedUnits === 0 && dec(p.amount).lessThanOrEqualTo(s.budget);
}

function limitAt<P extends UnitProbe>(s: Search<P>, units: number): GrantLimit {
  return probeAt(s, units).deniedUnits > 0 ? 'allowance' : 'credit';
}

function nonNegative(d: Decimal): Decimal {
  return d.isNegative() ? dec(0) : d;
}

/** The refusal when nothing could be granted, from what stopped the grant. */
export function grantRefusal(limitedBy: GrantLimit, creditCode: 'no_credit' | 'credit_limit_reached'): Refusal {
  if (limitedBy === 'allowance') return { code: 'allowance_exhausted', message: 'the allowance for this destination is used up and overage is disabled' };
  return creditCode === 'no_credit'
    ? { code: 'no_credit', message: 'not enough prepaid credit for the first unit of this call and no postpaid fallback is configured' }
    : { code: 'credit_limit_reached', message: 'the credit limit would be exceeded by the first unit of this call' };
}

/**
 * How long a reservation stays valid: the granted seconds of a call plus a grace for the switch to report;
 * for units that are not time (fax pages, bytes), the longest grant a call gets plus the grace. Past it the
 * reservation is released and the session's channel freed.
 */
export function validitySeconds(service: string, grantedUnits: number, opts: { graceSeconds: number; maxGrantSeconds: number }): number {
  return (service === 'voice' ? grantedUnits : opts.maxGrantSeconds) + opts.graceSeconds;
}

/** A probe backed by the rating engine: the event priced exactly as rating will price its CDR. */
export interface RatedProbe extends UnitProbe {
  readonly amount: string;
  readonly charge: RatedCharge;
}

/**
 * Prices a call or event about to happen with the rating engine: `probe(n)` rates it as an answered event of
 * n units with the line's allowance state. A rating rejection (unknown destination, no rate) is the refusal.
 * `likelyUnits` is the total the caller will probably ask about first (the request, the used units): it is
 * rated first and kept, so a decision usually costs one rating; only when it is rejected is one unit rated,
 * to tell a call that cannot be priced at all (the refusal) from a total out of the engine's range.
 */
export function priceCall(
  call: Omit<RatingCdr, 'billableUnits' | 'disposition'>,
  ctx: RatingContext,
  likelyUnits = 1,
): { readonly ok: true; readonly probe: (units: number) => RatedProbe } | { readonly ok: false; readonly refusal: Refusal } {
  const pricer = new Pricer(call, ctx);
  const likely = pricer.rate(likelyUnits);
  if (likely.kind === 'rejected') {
    const first = likelyUnits === 1 ? likely : pricer.rate(1);
    if (first.kind === 'rejected') return { ok: false, refusal: { code: first.code, message: first.message } };
    pricer.first = first.charge;
  }
  pricer.likelyUnits = likelyUnits;
  pricer.likely = likely;
  return { ok: true, probe: pricer.probe.bind(pricer) };
}

/** One call's prices by total units (a class: no closures made per decision). */
class Pricer {
  likelyUnits = 0;
  likely: ReturnType<typeof rateCdr> | null = null;
  /** The charge of one unit, for the explanation of a total out of range. */
  first: RatedCharge | null = null;

  constructor(
    private readonly call: Omit<RatingCdr, 'billableUnits' | 'disposition'>,
    private readonly ctx: RatingContext,
  ) {}

  rate(units: number): ReturnType<typeof rateCdr> {
    return rateCdr({ ...this.call, billableUnits: units, disposition: 'answered' }, this.ctx);
  }

  probe(units: number): RatedProbe {
    const out = units === this.likelyUnits && this.likely ? this.likely : this.rate(units);
    if (out.kind === 'rejected') {
      // Out of the engine's range (absurd durations): nothing of it may be granted.
      if (!this.first) {
        // (Rejections that do not depend on the total refuse at any total, so one unit prices when the likely
        // total did; that total's charge stands in otherwise.)
        const first = this.rate(1);
        const priced = first.kind !== 'rejected' ? first : this.likely?.kind !== 'rejected' ? this.likely : null;
        if (!priced) throw new Error(`rating rejected one unit of a call it priced: ${first.kind === 'rejected' ? first.code : ''}`);
        this.first = priced.charge;
      }
      return { amount: '0', deniedUnits: units, charge: this.first };
    }
    return { amount: out.charge.retail.amount, deniedUnits: out.charge.denied?.units ?? 0, charge: out.charge };
  }
}
