import type pg from 'pg';
import { isUniqueViolation } from '@rcp/db';
import { dec } from '@rcp/domain';
import type { AccountStore } from '../credit-control/store.js';
import type { AccountTerms, Posting, PostingResult } from './book.js';

export { DEFAULT_POLICY, type AccountTerms, type LedgerCause, type Posting, type PostingResult } from './book.js';

/**
 * Posts one entry (a top-up, an adjustment) through the account's owner, effectively once, and resolves when
 * it is committed durably: entries of one account go one at a time, each checking its (cause, cause_ref) in
 * the ledger first, so a retried top-up changes nothing. A key already used for another account or another
 * amount is a different request carrying the same key: it is not posted, and not taken for a repeat either
 * (that would drop the second top-up while answering success); the caller gets `key_conflict`. Two accounts
 * posting the same key at once meet on the ledger's unique key at commit, and the loser is answered the same
 * way. The balance moves in the owner's memory at once, so the next authorization sees the credit.
 */
export async function postOwned(store: AccountStore, pool: pg.Pool, posting: Posting, terms: AccountTerms): Promise<PostingResult> {
  const first = await store.state(posting.accountId, posting.currency);
  return first.serially(async () => {
    const seen = await priorWithKey(pool, posting);
    if (seen) return seen;
    const s = await store.state(posting.accountId, posting.currency);
    const book = store.book([s], () => terms);
    const balanceAfter = book.post(posting);
    try {
      await store.submit(book.writes(), [posting.accountId]).committed;
    } catch (err) {
      if (isUniqueViolation(err)) {
        const raced = await priorWithKey(pool, posting);
        if (raced) return raced;
      }
      throw err;
    }
    return { posting, status: 'posted', balanceAfter };
  });
}

/** What an entry already posted under this posting's key makes of it: a repeat, a conflict, or nothing (null). */
async function priorWithKey(pool: pg.Pool, posting: Posting): Promise<PostingResult | null> {
  const { rows } = await pool.query<{ account_id: string; amount: string }>({
    name: 'charging.posted_with_key',
    text: 'select account_id, amount::text as amount from charging.ledger where cause = $1 and cause_ref = $2',
    values: [posting.cause, posting.causeRef],
  });
  const prior = rows[0];
  if (!prior) return null;
  if (prior.account_id === posting.accountId && dec(prior.amount).equals(dec(posting.amount))) return { posting, status: 'already_posted', balanceAfter: null };
  return { posting, status: 'key_conflict', balanceAfter: null, prior: { accountId: prior.account_id, amount: prior.amount } };
}
