/** One ledger entry as written. Amounts are decimal strings. */
export type LedgerRow = { account_id: string; cause: string; cause_ref: string; amount: string; balance_after: string; currency: string; note: string | null };
export type BalanceRow = { account_id: string; balance: string; mode: string; blocked: boolean; recharge_period: string | null; recharge_count: number };
export type CallJson = {
  call_id: string;
  account_id: string;
  line_id: string;
  service: string;
  status: string;
  holds_channel: boolean;
  direction: string;
  calling_number: string | null;
  called_number: string | null;
  start_time: string | null;
  granted_units: number;
  used_units: number;
  reserved: string;
  draws: Record<string, number>;
  charged: string;
  committed: boolean;
  rated_revision: number | null;
  expires_at: string | null;
  /** Seconds from the commit the reservation holds (instead of expires_at). */
  validity: number | null;
};
export type AllowanceRow = { line_id: string; offer_id: string; period_key: string; at: string; remaining: Record<string, number> };

/**
 * Everything one transaction writes, applied by charging.apply_writes in one statement: ledger entries,
 * balances, balance events (outbox, in this order), calls and rating's allowance reports.
 */
export type Writes = { ledger?: LedgerRow[]; balances?: BalanceRow[]; events?: unknown[]; calls?: CallJson[]; allowances?: AllowanceRow[] };

export function hasWrites(w: Writes): boolean {
  return Boolean(w.ledger?.length || w.balances?.length || w.events?.length || w.calls?.length || w.allowances?.length);
}
