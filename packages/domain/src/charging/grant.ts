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
  const budget = nonNegative(dec(args.budget));
  const cache = new Map<number, P>();
  const probeAt = (units: number): P => {
    let p = cache.get(units);
    if (!p) cache.set(units, (p = args.probe(units)));
    return p;
  };
  const fits = (units: number): boolean => {
    const p = probeAt(units);
    return p.deniedUnits === 0 && dec(p.amount).lessThanOrEqualTo(budget);
  };
  const limitAt = (units: number): GrantLimit => (probeAt(units).deniedUnits > 0 ? 'allowance' : 'credit');
  if (requested <= 0) return { totalUnits: from, grantedUnits: 0, probe: null, limitedBy: 'requested' };
  const first = from + 1;
  if (!fits(first)) return { totalUnits: from, grantedUnits: 0, probe: null, limitedBy: limitAt(first) };
  let lo = first;
  let hi = from + requested;
  if (fits(hi)) lo = hi;
  else {
    // fits(lo) and not fits(hi): narrow to the last unit that fits.
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
  }
  const limitedBy: GrantLimit = lo === from + requested ? 'requested' : limitAt(lo + 1);
  return { totalUnits: lo, grantedUnits: lo - from, probe: probeAt(lo), limitedBy };
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
 */
export function priceCall(
  call: Omit<RatingCdr, 'billableUnits' | 'disposition'>,
  ctx: RatingContext,
): { readonly ok: true; readonly probe: (units: number) => RatedProbe } | { readonly ok: false; readonly refusal: Refusal } {
  const rate = (units: number) => rateCdr({ ...call, billableUnits: units, disposition: 'answered' }, ctx);
  const first = rate(1);
  if (first.kind === 'rejected') return { ok: false, refusal: { code: first.code, message: first.message } };
  return {
    ok: true,
    probe: (units) => {
      const out = units === 1 ? first : rate(units);
      // Out of the engine's range (absurd durations): nothing of it may be granted.
      if (out.kind === 'rejected') return { amount: '0', deniedUnits: units, charge: first.charge };
      return { amount: out.charge.retail.amount, deniedUnits: out.charge.denied?.units ?? 0, charge: out.charge };
    },
  };
}
