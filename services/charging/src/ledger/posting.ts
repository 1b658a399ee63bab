import type pg from 'pg';
import type { BalanceEventV1 } from '@rcp/contracts';
import { enqueueOutbox } from '@rcp/db';
import { postToBalance, type CreditPolicy, type CreditState } from '@rcp/domain';

/** Why money moved. Every ledger entry names one. */
export type LedgerCause = 'rated_cdr' | 'top_up' | 'auto_recharge' | 'adjustment' | 'reservation_commit';

export type Posting = {
  accountId: string;
  currency: string;
  cause: LedgerCause;
  /** Unique per cause: the rated CDR and its revision, the top-up's idempotency key, ... */
  causeRef: string;
  /** Signed: negative draws credit (a charge), positive adds it (a top-up). */
  amount: string;
};

export type PostingResult = { posting: Posting; status: 'posted' | 'already_posted'; balanceAfter: string | null };

export const DEFAULT_POLICY: CreditPolicy = { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', lowBalanceThreshold: '0' };

/**
 * Posts entries to the ledger and the balances in one transaction, effectively once: a (cause, cause_ref)
 * already in the ledger is skipped, so a redelivered rated CDR or a retried top-up changes nothing.
 * The account rows are locked for the transaction, so concurrent posters on one account queue up instead
 * of racing on its balance. Balance events go to the outbox in the same transaction.
 */
export async function postEntries(client: pg.PoolClient, postings: Posting[], policyOf: (accountId: string) => CreditPolicy): Promise<PostingResult[]> {
  if (postings.length === 0) return [];
  const accountIds = [...new Set(postings.map((p) => p.accountId))].sort();
  const currencyOf = new Map(postings.map((p) => [p.accountId, p.currency]));
  // An account's first posting opens its balance in the credit mode its policy starts in.
  await client.query(
    `insert into charging.accounts (account_id, currency, mode) select * from unnest($1::text[], $2::text[], $3::text[]) on conflict do nothing`,
    [accountIds, accountIds.map((a) => currencyOf.get(a)!), accountIds.map((a) => policyOf(a).mode)],
  );
  const locked = await client.query<{ account_id: string; balance: string; mode: 'prepaid' | 'postpaid'; blocked: boolean; currency: string }>(
    `select account_id, balance, mode, blocked, currency from charging.accounts where account_id = any($1) order by account_id for update`,
    [accountIds],
  );
  const states = new Map<string, CreditState & { currency: string }>(locked.rows.map((r) => [r.account_id, { balance: r.balance, mode: r.mode, blocked: r.blocked, currency: r.currency }]));
  const existing = await client.query<{ cause: string; cause_ref: string }>(
    `select l.cause, l.cause_ref from charging.ledger l join unnest($1::text[], $2::text[]) as t(cause, cause_ref) on l.cause = t.cause and l.cause_ref = t.cause_ref`,
    [postings.map((p) => p.cause), postings.map((p) => p.causeRef)],
  );
  const seen = new Set(existing.rows.map((r) => `${r.cause}\u0000${r.cause_ref}`));

  const results: PostingResult[] = [];
  const entries: { posting: Posting; balanceAfter: string }[] = [];
  const events: BalanceEventV1[] = [];
  const now = new Date().toISOString();
  for (const posting of postings) {
    const key = `${posting.cause}\u0000${posting.causeRef}`;
    if (seen.has(key)) {
      results.push({ posting, status: 'already_posted', balanceAfter: null });
      continue;
    }
    seen.add(key);
    const state = states.get(posting.accountId)!;
    const outcome = postToBalance(state, policyOf(posting.accountId), posting.amount);
    states.set(posting.accountId, { ...outcome.state, currency: state.currency });
    entries.push({ posting, balanceAfter: outcome.state.balance });
    results.push({ posting, status: 'posted', balanceAfter: outcome.state.balance });
    const base = { v: 1 as const, accountId: posting.accountId, at: now, balance: outcome.state.balance, currency: state.currency };
    const eventId = `${posting.cause}:${posting.causeRef}`;
    const ledgerEntryId = eventId;
    if (posting.cause === 'top_up') events.push({ ...base, type: 'topped_up', eventId, ledgerEntryId, amount: posting.amount });
    else if (posting.cause === 'auto_recharge') events.push({ ...base, type: 'recharged', eventId, ledgerEntryId, amount: posting.amount });
    else events.push({ ...base, type: 'charged', eventId, ledgerEntryId, amount: posting.amount, cause: posting.cause });
    for (const e of outcome.events) events.push({ ...base, ...e, eventId: `${eventId}:${e.type}` } as BalanceEventV1);
  }

  if (entries.length > 0) {
    await client.query(
      `insert into charging.ledger (account_id, cause, cause_ref, amount, balance_after, currency)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::text[])`,
      [
        entries.map((e) => e.posting.accountId),
        entries.map((e) => e.posting.cause),
        entries.map((e) => e.posting.causeRef),
        entries.map((e) => e.posting.amount),
        entries.map((e) => e.balanceAfter),
        entries.map((e) => states.get(e.posting.accountId)!.currency),
      ],
    );
    const touched = [...new Set(entries.map((e) => e.posting.accountId))];
    await client.query(
      `update charging.accounts a set balance = t.balance, mode = t.mode, blocked = t.blocked, updated_at = now()
       from unnest($1::text[], $2::numeric[], $3::text[], $4::boolean[]) as t(account_id, balance, mode, blocked)
       where a.account_id = t.account_id`,
      [touched, touched.map((a) => states.get(a)!.balance), touched.map((a) => states.get(a)!.mode), touched.map((a) => states.get(a)!.blocked)],
    );
    await enqueueOutbox(client, 'charging', events.map((e) => ({ topic: 'balance.events', key: e.accountId, payload: e })));
  }
  return results;
}
