import type pg from 'pg';
import type { AccountStore } from '../credit-control/store.js';
import { LedgerBook, postingKey, type AccountTerms, type Posting, type PostingResult } from './book.js';

export { DEFAULT_POLICY, type AccountTerms, type LedgerCause, type Posting, type PostingResult } from './book.js';

/**
 * Posts entries to the ledger and the balances in one transaction, effectively once: a (cause, cause_ref)
 * already in the ledger is skipped, so a retried top-up or adjustment changes nothing. The account rows are
 * locked for the transaction, so concurrent posters on one account queue up instead of racing on its
 * balance. Balance events go to the outbox in the same transaction.
 */
export async function postEntries(client: pg.PoolClient, postings: Posting[], termsOf: (accountId: string) => AccountTerms): Promise<PostingResult[]> {
  if (postings.length === 0) return [];
  const book = await LedgerBook.lock(client, postings.map((p) => p.accountId), termsOf);
  const seen = await book.alreadyPosted(postings);
  const results: PostingResult[] = [];
  for (const posting of postings) {
    const key = postingKey(posting.cause, posting.causeRef);
    if (seen.has(key)) {
      results.push({ posting, status: 'already_posted', balanceAfter: null });
      continue;
    }
    seen.add(key);
    results.push({ posting, status: 'posted', balanceAfter: book.post(posting) });
  }
  await book.flush();
  return results;
}

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
