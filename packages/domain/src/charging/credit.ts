// Credit control on an account's balance: what a posted amount does to the balance and to the account's
// credit state. Pure: the charging service stores the result and publishes the events it names.
import { dec, type Decimal, type DecimalInput } from '../money.js';

export interface CreditPolicy {
  /** prepaid: usage draws credit; postpaid: usage accrues against a credit limit. */
  readonly mode: 'prepaid' | 'postpaid';
  /** A prepaid account that runs out of credit moves to postpaid metering with this limit (pay-as-you-go). */
  readonly postpaidFallback: { readonly creditLimit: string } | null;
  /** For postpaid accounts: how far below zero the balance may go. */
  readonly creditLimit: string;
  /** Credit at or below this raises a low-balance warning (once per crossing). */
  readonly lowBalanceThreshold: string;
}

export interface CreditState {
  /** Credit is positive; postpaid usage makes it negative. */
  readonly balance: string;
  readonly mode: 'prepaid' | 'postpaid';
  /** New usage is refused while blocked. */
  readonly blocked: boolean;
}

export type CreditEvent =
  | { readonly type: 'low_balance'; readonly threshold: string }
  | { readonly type: 'exhausted' }
  | { readonly type: 'switched_to_postpaid'; readonly creditLimit: string }
  | { readonly type: 'blocked'; readonly reason: string }
  | { readonly type: 'unblocked'; readonly reason: string };

/** The lowest balance the account may reach in its current mode before usage is refused. */
export function creditFloor(state: Pick<CreditState, 'mode'>, policy: CreditPolicy): Decimal {
  if (state.mode === 'postpaid') return dec(policy.mode === 'postpaid' ? policy.creditLimit : (policy.postpaidFallback?.creditLimit ?? '0')).negated();
  return dec(0);
}

/**
 * Posts a signed amount (negative: a charge; positive: a top-up or refund) to the account. A rated call is a
 * fact: it is always posted, even past the limit; what changes is whether the next call is allowed.
 */
export function postToBalance(state: CreditState, policy: CreditPolicy, amount: DecimalInput): { state: CreditState; events: CreditEvent[] } {
  const before = dec(state.balance);
  const after = before.plus(dec(amount));
  const events: CreditEvent[] = [];
  let mode = state.mode;
  let blocked = state.blocked;

  const threshold = dec(policy.lowBalanceThreshold);
  if (mode === 'prepaid' && before.greaterThan(threshold) && after.lessThanOrEqualTo(threshold) && after.greaterThan(0)) {
    events.push({ type: 'low_balance', threshold: policy.lowBalanceThreshold });
  }
  if (mode === 'prepaid' && before.greaterThan(0) && after.lessThanOrEqualTo(0)) {
    events.push({ type: 'exhausted' });
    if (policy.postpaidFallback) {
      mode = 'postpaid';
      events.push({ type: 'switched_to_postpaid', creditLimit: policy.postpaidFallback.creditLimit });
    }
  }
  const floor = creditFloor({ mode }, policy);
  const atLimit = mode === 'prepaid' ? after.lessThanOrEqualTo(floor) : after.lessThanOrEqualTo(floor);
  if (atLimit && !blocked) {
    blocked = true;
    events.push({ type: 'blocked', reason: mode === 'prepaid' ? 'no_credit' : 'credit_limit_reached' });
  } else if (!atLimit && blocked) {
    blocked = false;
    events.push({ type: 'unblocked', reason: 'credit_available' });
  }
  return { state: { balance: after.toFixed(), mode, blocked }, events };
}
