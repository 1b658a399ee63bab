import type { CallRow } from './credit-control/calls.js';

/** One ledger entry as written. Amounts are decimal strings. */
export type LedgerRow = { account_id: string; cause: string; cause_ref: string; amount: string; balance_after: string; currency: string; note: string | null };
export type BalanceRow = { account_id: string; balance: string; mode: string; blocked: boolean; recharge_period: string | null; recharge_count: number };
export type AllowanceRow = { line_id: string; offer_id: string; period_key: string; at: string; remaining: Record<string, number> };

/**
 * Everything one transaction writes, applied by charging.apply_writes_v2 in one statement: ledger entries,
 * balances, balance events (outbox, in this order), calls and rating's allowance reports. Calls go as the
 * owner holds them in memory (no copy per decision: the function reads their camelCase fields), each with
 * the expiry its decision gave it.
 */
export type Writes = { ledger?: LedgerRow[]; balances?: BalanceRow[]; events?: unknown[]; calls?: CallRow[]; allowances?: AllowanceRow[] };

export function hasWrites(w: Writes): boolean {
  return Boolean(w.ledger?.length || w.balances?.length || w.events?.length || w.calls?.length || w.allowances?.length);
}
