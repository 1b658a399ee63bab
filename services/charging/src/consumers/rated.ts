import type { CdrRatedV1 } from '@rcp/contracts';
import { postRatedCall } from '@rcp/domain';
import { callCharge, type CallRow } from '../credit-control/calls.js';
import type { AccountState, AccountStore } from '../credit-control/store.js';
import type { AccountTerms } from '../ledger/book.js';
import { hasWrites, type AllowanceRow } from '../writes.js';

export type RatedChargeResult = { posted: number; skipped: number };

/**
 * Charges one partition's batch of rated CDRs, effectively once, through the accounts' owner (the same
 * in-memory states the real-time API decides on, so the next authorization sees these debits and a call's
 * terminate and CDR reconcile whichever comes first): each CDR revision brings its call's charge to the rated
 * retail amount (the whole amount for a call charging has not seen; the difference from the commit when the
 * switch terminated the call first; the difference from the previous revision for a replay), releases the
 * reservation of a session still open, and records what rating says is left in the line's buckets. Resolves
 * once all of it is committed durably (one group commit), so the offsets are committed after it; a batch
 * redelivered after a crash finds every call at its revision and posts nothing.
 */
export async function chargeRatedCdrs(store: AccountStore, messages: CdrRatedV1[], termsOf: (accountId: string, currency: string) => AccountTerms): Promise<RatedChargeResult> {
  if (messages.length === 0) return { posted: 0, skipped: 0 };
  const currencyOf = new Map(messages.map((m) => [m.accountId, m.retail.currency]));
  const accountIds = [...currencyOf.keys()];
  for (;;) {
    const states = new Map<string, AccountState>();
    for (const s of await Promise.all(accountIds.map((id) => store.state(id, currencyOf.get(id))))) states.set(s.accountId, s);
    // Calls not held in memory are read from PostgreSQL (one query for the batch).
    const looked = new Map<string, CallRow | null>();
    await Promise.all(
      messages
        .filter((m) => !states.get(m.accountId)!.call(m.ratedId) && store.mayExist(m.ratedId))
        .map(async (m) => looked.set(m.ratedId, await store.lookup(states.get(m.accountId)!, m.ratedId))),
    );
    if (![...states.values()].every((s) => store.isCurrent(s))) continue;

    // From here on synchronous: no other decision on these accounts interleaves.
    const book = store.book([...states.values()], (id) => termsOf(id, currencyOf.get(id) ?? 'EUR'));
    const changed = new Map<string, CallRow>();
    const allowances = new Map<string, AllowanceReport>();
    let posted = 0;
    try {
      for (const m of messages) {
        const s = states.get(m.accountId)!;
        const call = changed.get(m.ratedId) ?? s.call(m.ratedId) ?? looked.get(m.ratedId) ?? ratedOnly(m);
        const posting = postRatedCall(callCharge(call), m.revision, m.retail.amount);
        if (!posting) continue;
        book.post({ accountId: m.accountId, currency: m.retail.currency, cause: 'rated_cdr', causeRef: `${m.ratedId}#${m.revision}`, amount: posting.amount });
        posted++;
        // The CDR is the end of the call: an open session's reservation and channel are released now.
        const open = call.status === 'active';
        changed.set(m.ratedId, { ...call, status: open ? 'released' : call.status, reserved: open ? '0' : call.reserved, charged: posting.call.charged, ratedRevision: m.revision });
        const report = allowanceReport(m);
        if (report) {
          mergeReport(allowances, report);
          s.report(report);
        }
      }
    } catch (err) {
      for (const s of states.values()) store.forget(s);
      throw err;
    }
    const writes = {
      ...book.writes(),
      calls: [...changed.values()],
      allowances: [...allowances.values()].map((r): AllowanceRow => ({ line_id: r.lineId, offer_id: r.offerId, period_key: r.periodKey, at: r.at, remaining: r.remaining })),
    };
    if (!hasWrites(writes)) return { posted, skipped: messages.length - posted };
    const { seq, committed } = store.submit(writes, accountIds);
    const now = Date.now();
    // Held by the state of the account the CDR names (the one it was decided on), so a later revision finds it
    // in memory even before this commit lands.
    for (const m of messages) {
      const row = changed.get(m.ratedId);
      if (row) states.get(m.accountId)!.put(row, seq, now);
    }
    await committed;
    return { posted, skipped: messages.length - posted };
  }
}

function ratedOnly(m: CdrRatedV1): CallRow {
  return {
    callId: m.ratedId,
    accountId: m.accountId,
    lineId: m.lineId,
    service: m.service,
    status: 'rated',
    holdsChannel: false,
    direction: (m as { direction?: 'outbound' | 'inbound' }).direction ?? 'outbound',
    callingNumber: null,
    calledNumber: null,
    startTime: m.startTime,
    grantedUnits: 0,
    usedUnits: m.billedUnits,
    reserved: '0',
    draws: {},
    charged: '0',
    committed: false,
    ratedRevision: null,
    expiresAt: null,
  };
}

type AllowanceReport = { lineId: string; offerId: string; periodKey: string; at: string; remaining: Record<string, number> };

/** What rating says is left in the line's buckets after this CDR (explanation.bucketDraws[].remainingAfter). */
function allowanceReport(m: CdrRatedV1): AllowanceReport | null {
  const e = m.explanation as { offer?: unknown; bucketDraws?: unknown };
  if (typeof e.offer !== 'string' || !Array.isArray(e.bucketDraws) || e.bucketDraws.length === 0) return null;
  const remaining: Record<string, number> = {};
  for (const d of e.bucketDraws as { basket?: unknown; remainingAfter?: unknown }[]) {
    if (typeof d.basket === 'string' && typeof d.remainingAfter === 'number') remaining[d.basket] = d.remainingAfter;
  }
  return { lineId: m.lineId, offerId: e.offer, periodKey: m.periodKey, at: m.startTime, remaining };
}

/** In message order: the same period merges basket by basket, a later period replaces, an earlier one is ignored. */
function mergeReport(into: Map<string, AllowanceReport>, r: AllowanceReport): void {
  const prev = into.get(r.lineId);
  if (!prev || r.periodKey > prev.periodKey || r.offerId !== prev.offerId) into.set(r.lineId, r);
  else if (r.periodKey === prev.periodKey) into.set(r.lineId, { ...r, remaining: { ...prev.remaining, ...r.remaining } });
}
