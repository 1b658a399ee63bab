// Credit control on an account's balance: what a posted amount does to the balance and to the account's
// credit state (prepaid, postpaid fallback, auto-recharge, blocking). Pure: the charging service stores the
// result, writes the ledger entries it names and publishes the events.
import { dec, type Decimal, type DecimalInput } from '../money.js';

/** Below `threshold`, add a fixed `amount` or fill the balance up to `fillTo`; at most `maxPerPeriod` times a billing period. */
export interface AutoRechargePolicy {
  readonly threshold: string;
  readonly amount?: string;
  readonly fillTo?: string;
  readonly maxPerPeriod: number;
}

export interface CreditPolicy {
  /** prepaid: usage draws credit; postpaid: usage accrues against a credit limit. */
  readonly mode: 'prepaid' | 'postpaid';
  /** A prepaid account that runs out of credit moves to postpaid metering with this limit (pay-as-you-go). */
  readonly postpaidFallback: { readonly creditLimit: string } | null;
  /** For postpaid accounts: how far below zero the balance may go. */
  readonly creditLimit: string;
  /** Credit at or below this raises a low-balance warning (once per crossing). */
  readonly lowBalanceThreshold: string;
  /** Prepaid only: refill credit when it falls below a threshold, which keeps the account prepaid. */
  readonly autoRecharge?: AutoRechargePolicy | null;
}

export interface CreditState {
  /** Credit is positive; postpaid usage makes it negative. */
  readonly balance: string;
  readonly mode: 'prepaid' | 'postpaid';
  /** Usage is refused while blocked (at the floor of the account's mode). */
  readonly blocked: boolean;
}

/** Auto-recharges done in a billing period (the per-period limit counts these). */
export interface RechargeCount {
  /** The billing period's key (its first day). */
  readonly period: string;
  readonly count: number;
}

export type CreditEvent =
  | { readonly type: 'low_balance'; readonly threshold: string }
  | { readonly type: 'exhausted' }
  | { readonly type: 'recharged'; readonly amount: string }
  | { readonly type: 'switched_to_postpaid'; readonly creditLimit: string }
  | { readonly type: 'switched_to_prepaid' }
  | { readonly type: 'blocked'; readonly reason: 'no_credit' | 'credit_limit_reached' }
  | { readonly type: 'unblocked'; readonly reason: 'credit_available' };

/**
 * The mode an account is in under its current policy: a postpaid policy is always postpaid; a prepaid account
 * stays in postpaid metering only while its policy still has the pay-as-you-go fallback it moved to.
 */
export function effectiveMode(state: Pick<CreditState, 'mode'>, policy: CreditPolicy): 'prepaid' | 'postpaid' {
  if (policy.mode === 'postpaid') return 'postpaid';
  return state.mode === 'postpaid' && policy.postpaidFallback ? 'postpaid' : 'prepaid';
}

/** The lowest balance the account may reach in a mode before usage is refused. */
export function creditFloor(state: Pick<CreditState, 'mode'>, policy: CreditPolicy): Decimal {
  if (state.mode === 'postpaid') return dec(policy.mode === 'postpaid' ? policy.creditLimit : (policy.postpaidFallback?.creditLimit ?? '0')).negated();
  return dec(0);
}

/**
 * Credit new usage may still take: the balance down to the floor, less what open reservations hold. A prepaid
 * account with a pay-as-you-go fallback may go on past zero (it moves to postpaid there), down to the
 * fallback's credit limit. Negative when postings went past the floor.
 */
export function availableCredit(state: CreditState, policy: CreditPolicy, reserved: DecimalInput): Decimal {
  const mode = effectiveMode(state, policy);
  const floor = mode === 'prepaid' && policy.mode === 'prepaid' && policy.postpaidFallback ? creditFloor({ mode: 'postpaid' }, policy) : creditFloor({ mode }, policy);
  return dec(state.balance).minus(floor).minus(dec(reserved));
}

/** Why usage is refused when credit is what is missing: prepaid without fallback has none; otherwise a limit is reached. */
export function creditRefusalCode(state: Pick<CreditState, 'mode'>, policy: CreditPolicy): 'no_credit' | 'credit_limit_reached' {
  return policy.mode === 'prepaid' && !policy.postpaidFallback && effectiveMode(state, policy) === 'prepaid' ? 'no_credit' : 'credit_limit_reached';
}

/** Problems with an auto-recharge setting; empty when it is usable. */
export function autoRechargeProblems(p: AutoRechargePolicy): string[] {
  const problems: string[] = [];
  if ((p.amount === undefined) === (p.fillTo === undefined)) problems.push('auto-recharge needs exactly one of amount (a fixed top-up) or fillTo (a target balance)');
  if (p.amount !== undefined && !dec(p.amount).greaterThan(0)) problems.push('auto-recharge amount must be positive');
  if (p.fillTo !== undefined && dec(p.fillTo).lessThan(dec(p.threshold))) problems.push('auto-recharge fillTo must be at least the threshold');
  if (!Number.isInteger(p.maxPerPeriod) || p.maxPerPeriod < 1) problems.push('auto-recharge maxPerPeriod must be a positive whole number');
  return problems;
}

/** Recharges already done in `period` (a count from an earlier period does not carry over). */
export function rechargesUsed(count: RechargeCount | null | undefined, period: string): number {
  return count && count.period === period ? count.count : 0;
}

export type AutoRechargeDecision =
  | { readonly recharge: true; readonly amount: string }
  | { readonly recharge: false; readonly reason: 'not_configured' | 'above_threshold' | 'limit_reached' | 'invalid_setting' };

/**
 * Whether credit `credit` (strictly below the threshold) triggers an auto-recharge, and by how much: the fixed
 * amount, or what lifts the credit to `fillTo`. Nothing once `maxPerPeriod` recharges were done in the period.
 */
export function autoRechargeFor(policy: CreditPolicy, credit: DecimalInput, used: number): AutoRechargeDecision {
  const p = policy.autoRecharge;
  if (!p || policy.mode !== 'prepaid') return { recharge: false, reason: 'not_configured' };
  if (autoRechargeProblems(p).length > 0) return { recharge: false, reason: 'invalid_setting' };
  const c = dec(credit);
  if (!c.lessThan(dec(p.threshold))) return { recharge: false, reason: 'above_threshold' };
  if (used >= p.maxPerPeriod) return { recharge: false, reason: 'limit_reached' };
  if (p.amount !== undefined) return { recharge: true, amount: p.amount };
  // Filling up: the amount keeps the precision of the target and the credit it tops up ("25.75").
  const amount = dec(p.fillTo!).minus(c);
  const scale = Math.max(decimalsOf(p.fillTo!), c.decimalPlaces(), typeof credit === 'string' ? decimalsOf(credit) : 0);
  return amount.greaterThan(0) ? { recharge: true, amount: amount.toFixed(scale) } : { recharge: false, reason: 'above_threshold' };
}

function decimalsOf(text: string): number {
  return text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
}

export interface PostingOutcome {
  readonly state: CreditState;
  /** In the order they happened; `recharged` stands for the auto-recharge entry that follows the posting. */
  readonly events: CreditEvent[];
  /** The balance right after the posted amount, before any auto-recharge. */
  readonly balanceAfterPosting: string;
  /** The auto-recharge a charge triggered (a ledger entry of its own, cause auto_recharge), or null. */
  readonly recharge: string | null;
  readonly recharges: RechargeCount | null;
}

/**
 * Posts a signed amount (negative: a charge; positive: a top-up or refund) to the account. A rated call is a
 * fact: it is always posted, even past the limit; what changes is whether the next call is allowed.
 *
 * In order: the amount moves the balance; a charge that leaves a prepaid balance below the auto-recharge
 * threshold triggers one recharge (if the period's limit allows); then, on the final balance, a prepaid account
 * crossing its low-balance threshold is warned, one reaching zero is exhausted and moves to postpaid when a
 * pay-as-you-go fallback is configured (else it is blocked for lack of credit), an account in postpaid
 * fallback that has credit again returns to prepaid, and reaching the floor of the mode blocks the account
 * (leaving it unblocks).
 */
export function postToBalance(
  state: CreditState,
  policy: CreditPolicy,
  amount: DecimalInput,
  opts: { period?: string; recharges?: RechargeCount | null } = {},
): PostingOutcome {
  const before = dec(state.balance);
  const posted = before.plus(dec(amount));
  const events: CreditEvent[] = [];
  let mode = effectiveMode(state, policy);
  let blocked = state.blocked;

  let recharge: string | null = null;
  let recharges = opts.recharges ?? null;
  let after = posted;
  if (dec(amount).isNegative() && opts.period !== undefined) {
    const decision = autoRechargeFor(policy, posted, rechargesUsed(recharges, opts.period));
    if (decision.recharge) {
      recharge = decision.amount;
      after = posted.plus(dec(decision.amount));
      recharges = { period: opts.period, count: rechargesUsed(recharges, opts.period) + 1 };
      events.push({ type: 'recharged', amount: decision.amount });
    }
  }

  if (policy.mode === 'prepaid' && mode === 'prepaid') {
    const threshold = dec(policy.lowBalanceThreshold);
    if (before.greaterThan(threshold) && after.lessThanOrEqualTo(threshold) && after.greaterThan(0)) {
      events.push({ type: 'low_balance', threshold: policy.lowBalanceThreshold });
    }
    if (before.greaterThan(0) && after.lessThanOrEqualTo(0)) events.push({ type: 'exhausted' });
    if (after.lessThanOrEqualTo(0) && policy.postpaidFallback) {
      mode = 'postpaid';
      events.push({ type: 'switched_to_postpaid', creditLimit: policy.postpaidFallback.creditLimit });
    }
  } else if (policy.mode === 'prepaid' && mode === 'postpaid' && after.greaterThan(0)) {
    mode = 'prepaid';
    events.push({ type: 'switched_to_prepaid' });
  }

  const atFloor = after.lessThanOrEqualTo(creditFloor({ mode }, policy));
  if (atFloor && !blocked) {
    blocked = true;
    events.push({ type: 'blocked', reason: mode === 'prepaid' ? 'no_credit' : 'credit_limit_reached' });
  } else if (!atFloor && blocked) {
    blocked = false;
    events.push({ type: 'unblocked', reason: 'credit_available' });
  }
  return { state: { balance: after.toFixed(), mode, blocked }, events, balanceAfterPosting: posted.toFixed(), recharge, recharges };
}
