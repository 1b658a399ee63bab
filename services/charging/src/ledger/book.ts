import type { BalanceEventV1 } from '@rcp/contracts';
import { postToBalance, type CreditPolicy, type CreditState, type RechargeCount } from '@rcp/domain';
import type { Writes } from '../writes.js';

/** Why money moved. Every ledger entry names one. */
export type LedgerCause = 'rated_cdr' | 'top_up' | 'auto_recharge' | 'adjustment' | 'reservation_commit';

export type Posting = {
  accountId: string;
  currency: string;
  cause: LedgerCause;
  /** Unique per cause: the rated CDR and its revision, the top-up's idempotency key, the call's id ... */
  causeRef: string;
  /** Signed: negative draws credit (a charge), positive adds it (a top-up). */
  amount: string;
  /** Why, in words (adjustments). */
  note?: string;
};

export type PostingResult =
  | { posting: Posting; status: 'posted' | 'already_posted'; balanceAfter: string | null }
  /** The key was used before for another account or another amount: nothing is posted, the caller is told. */
  | { posting: Posting; status: 'key_conflict'; balanceAfter: null; prior: { accountId: string; amount: string } };

/** What charging knows of an account's terms from account.events. */
export type AccountTerms = {
  currency: string;
  policy: CreditPolicy;
  /** The billing period (its key) an instant falls in: the auto-recharge limit counts per period. */
  periodAt: (at: Date) => string;
};

export const DEFAULT_POLICY: CreditPolicy = { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', lowBalanceThreshold: '0', autoRecharge: null };

export type LockedAccount = { accountId: string; currency: string; state: CreditState; recharges: RechargeCount | null };

/** An account's balance row as read under its lock. */
export type LockedAccountRow = {
  account_id: string;
  currency: string;
  balance: string;
  mode: 'prepaid' | 'postpaid';
  blocked: boolean;
  recharge_period: string | null;
  recharge_count: number;
};

type Entry = { posting: Posting; balanceAfter: string };

/**
 * One decision's postings on accounts held in memory by their owner (credit-control/store.ts): postings move
 * the balances at once under the credit rules of @rcp/domain, and `writes` gives the ledger entries, the
 * balances and the balance events (outbox) for the owner's next group commit.
 */
export class LedgerBook {
  private readonly entries: Entry[] = [];
  private readonly events: BalanceEventV1[] = [];
  private readonly touched = new Set<string>();
  /** The book's instant (its events' `at`, the billing period of a recharge), taken when first needed. */
  private at: Date | null = null;

  private get now(): Date {
    return (this.at ??= new Date());
  }

  private constructor(
    private readonly accounts: Map<string, LockedAccount>,
    private readonly termsOf: (accountId: string) => AccountTerms,
  ) {}

  /**
   * A book over accounts held in memory by their owner (see credit-control/store.ts): postings move the given
   * objects' balances at once; the caller queues the writes.
   */
  static over(accounts: Map<string, LockedAccount>, termsOf: (accountId: string) => AccountTerms): LedgerBook {
    return new LedgerBook(accounts, termsOf);
  }

  account(accountId: string): LockedAccount {
    const a = this.accounts.get(accountId);
    if (!a) throw new Error(`account ${accountId} is not in this book`);
    return a;
  }

  get hasChanges(): boolean {
    return this.entries.length > 0;
  }

  /**
   * Posts an entry: the balance moves, and a charge that leaves prepaid credit below the auto-recharge
   * threshold posts the recharge as an entry of its own (cause auto_recharge) right after it.
   */
  post(posting: Posting): string {
    const a = this.account(posting.accountId);
    const terms = this.termsOf(posting.accountId);
    // The recharge limit counts per billing period: worked out only for accounts that auto-recharge.
    const period = terms.policy.autoRecharge ? terms.periodAt(this.now) : undefined;
    const outcome = postToBalance(a.state, terms.policy, posting.amount, { period, recharges: a.recharges });
    this.entries.push({ posting, balanceAfter: outcome.balanceAfterPosting });
    a.state = outcome.state;
    a.recharges = outcome.recharges;
    this.touched.add(posting.accountId);
    // A real-time commit (terminate, one-shot event) that causes no credit event publishes nothing (below): the
    // usual terminate builds no event at all.
    if (posting.cause === 'reservation_commit' && outcome.events.length === 0) return outcome.state.balance;
    const eventId = postingKey(posting.cause, posting.causeRef, ':');
    const base = { v: 1 as const, accountId: posting.accountId, at: this.now.toISOString(), currency: a.currency };
    if (posting.cause === 'top_up') this.events.push({ ...base, type: 'topped_up', eventId, ledgerEntryId: eventId, amount: posting.amount, balance: outcome.balanceAfterPosting });
    else if (posting.cause === 'auto_recharge') this.events.push({ ...base, type: 'recharged', eventId, ledgerEntryId: eventId, amount: posting.amount, balance: outcome.balanceAfterPosting });
    // A real-time commit (terminate, one-shot event) publishes only the credit events it causes: at switch
    // traffic rates a `charged` event per call would be most of Kafka's work, and the call's rated CDR, which
    // every call gets, posts its own entry and `charged` event with the final amount.
    else if (posting.cause !== 'reservation_commit') this.events.push({ ...base, type: 'charged', eventId, ledgerEntryId: eventId, amount: posting.amount, cause: posting.cause, balance: outcome.balanceAfterPosting });
    for (const e of outcome.events) {
      if (e.type === 'recharged') {
        // The recharge a charge triggered: its own ledger entry, caused by (and named after) that charge.
        const recharge: Posting = { accountId: posting.accountId, currency: posting.currency, cause: 'auto_recharge', causeRef: `after:${eventId}`, amount: e.amount };
        const rechargeId = postingKey(recharge.cause, recharge.causeRef, ':');
        this.entries.push({ posting: recharge, balanceAfter: outcome.state.balance });
        this.events.push({ ...base, type: 'recharged', eventId: rechargeId, ledgerEntryId: rechargeId, amount: e.amount, balance: outcome.state.balance });
      } else this.events.push({ ...base, ...e, eventId: `${eventId}:${e.type}`, balance: outcome.state.balance });
    }
    return outcome.state.balance;
  }

  /** An auto-recharge decided outside a posting (before granting a call): counted against the period's limit. */
  recharge(accountId: string, amount: string, causeRef: string): string {
    const a = this.account(accountId);
    const terms = this.termsOf(accountId);
    const period = terms.periodAt(this.now);
    const balance = this.post({ accountId, currency: a.currency, cause: 'auto_recharge', causeRef, amount });
    a.recharges = { period, count: (a.recharges?.period === period ? a.recharges.count : 0) + 1 };
    return balance;
  }

  /** The entries, balances and events to write (with the transaction's other writes); empties the book. */
  writes(): Writes {
    if (this.entries.length === 0) return {};
    const writes: Writes = {
      ledger: this.entries.map((e) => ({
        account_id: e.posting.accountId,
        cause: e.posting.cause,
        cause_ref: e.posting.causeRef,
        amount: e.posting.amount,
        balance_after: e.balanceAfter,
        currency: this.account(e.posting.accountId).currency,
        note: e.posting.note ?? null,
      })),
      balances: [...this.touched].map((id) => {
        const a = this.account(id);
        return { account_id: id, balance: a.state.balance, mode: a.state.mode, blocked: a.state.blocked, recharge_period: a.recharges?.period ?? null, recharge_count: a.recharges?.count ?? 0 };
      }),
    };
    if (this.events.length > 0) writes.events = [...this.events];
    this.entries.length = 0;
    this.events.length = 0;
    this.touched.clear();
    return writes;
  }
}

export function postingKey(cause: string, causeRef: string, sep = '\u0000'): string {
  return `${cause}${sep}${causeRef}`;
}
