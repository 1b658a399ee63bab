import type pg from 'pg';
import type { AccountStore } from '../credit-control/store.js';
import type { AccountTerms, Posting, PostingResult } from './book.js';

export { DEFAULT_POLICY, type AccountTerms, type LedgerCause, type Posting, type PostingResult } from './book.js';

/**
 * Posts one entry (a top-up, an adjustment) through the account's owner, effectively once, and resolves when
 * it is committed durably: entries of one account go one at a time, each checking its (cause, cause_ref) in
 * the ledger first, so a retried top-up changes nothing. The balance moves in the owner's memory at once, so
 * the next authorization sees the credit.
 */
export async function postOwned(store: AccountStore, pool: pg.Pool, posting: Posting, terms: AccountTerms): Promise<PostingResult> {
  const first = await store.state(posting.accountId, posting.currency);
  return first.serially(async () => {
    const { rows } = await pool.query({ name: 'charging.already_posted', text: 'select 1 from charging.ledger where cause = $1 and cause_ref = $2', values: [posting.cause, posting.causeRef] });
    if (rows.length > 0) return { posting, status: 'already_posted', balanceAfter: null };
    const s = await store.state(posting.accountId, posting.currency);
    const book = store.book([s], () => terms);
    const balanceAfter = book.post(posting);
    await store.submit(book.writes(), [posting.accountId]).committed;
    return { posting, status: 'posted', balanceAfter };
  });
}
