import type pg from 'pg';
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
