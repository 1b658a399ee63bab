import type pg from 'pg';
import type { InvoiceEventV1 } from '@rcp/contracts';
import type { AccountStanding } from '@rcp/domain';

/**
 * The event type that ends a suspension: `account.unsuspended`, which dunning (issue 5) is adding to
 * invoice.events v1. Compared as a string so this compiles against the contract with or without it; a type the
 * contract does not know never reaches this code (the consumer dead-letters it).
 */
const REINSTATING_TYPES: ReadonlySet<string> = new Set(['account.unsuspended']);

export type StandingChange = { accountId: string; standing: AccountStanding; reason: string | null; eventId: string; at: string };

/** What an invoice event says about an account's standing, if anything. */
export function standingChangeOf(e: InvoiceEventV1): StandingChange | null {
  const data = e.data as { accountId?: unknown; reason?: unknown };
  const accountId = typeof data.accountId === 'string' ? data.accountId : e.subject;
  const reason = typeof data.reason === 'string' ? data.reason : null;
  if (e.type === 'account.suspended') return { accountId, standing: 'suspended', reason, eventId: e.id, at: e.time };
  if (e.type === 'account.terminated') return { accountId, standing: 'terminated', reason, eventId: e.id, at: e.time };
  if (REINSTATING_TYPES.has(e.type)) return { accountId, standing: 'active', reason, eventId: e.id, at: e.time };
  return null;
}

/** The last word of a batch per account, in order; a termination is not undone by what follows it. */
export function latestStandings(events: InvoiceEventV1[]): StandingChange[] {
  const latest = new Map<string, StandingChange>();
  for (const e of events) {
    const change = standingChangeOf(e);
    if (!change) continue;
    if (latest.get(change.accountId)?.standing === 'terminated') continue;
    latest.set(change.accountId, change);
  }
  return [...latest.values()];
}

/**
 * Applies dunning's account standing from invoice.events (in partition order, so the last word per account
 * wins). Idempotent: a redelivered event writes the same row. Termination is final: nothing reinstates it.
 */
export async function applyStandingEvents(pool: pg.Pool, events: InvoiceEventV1[]): Promise<number> {
  const rows = latestStandings(events);
  if (rows.length === 0) return 0;
  await pool.query(
    `insert into charging.account_standing as s (account_id, standing, reason, event_id, changed_at)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
     on conflict (account_id) do update set standing = excluded.standing, reason = excluded.reason, event_id = excluded.event_id, changed_at = excluded.changed_at
     where s.standing <> 'terminated'`,
    [rows.map((r) => r.accountId), rows.map((r) => r.standing), rows.map((r) => r.reason), rows.map((r) => r.eventId), rows.map((r) => r.at)],
  );
  return rows.length;
}
