import type pg from 'pg';
import type { AccountStanding, CallCharge, ReportedBuckets } from '@rcp/domain';

export type CallStatus = 'active' | 'terminated' | 'expired' | 'released' | 'event' | 'rated';

/** A row of charging.calls: one call or event, its open reservation and what the ledger holds for it. */
export type CallRow = {
  callId: string;
  accountId: string;
  lineId: string;
  service: string;
  status: CallStatus;
  holdsChannel: boolean;
  direction: 'outbound' | 'inbound';
  callingNumber: string | null;
  calledNumber: string | null;
  startTime: string | null;
  grantedUnits: number;
  usedUnits: number;
  reserved: string;
  draws: Record<string, number>;
  charged: string;
  committed: boolean;
  ratedRevision: number | null;
  /** ISO instant; null once the call no longer holds anything. */
  expiresAt: string | null;
};

export function callCharge(row: Pick<CallRow, 'charged' | 'committed' | 'ratedRevision'>): CallCharge {
  return { charged: row.charged, committed: row.committed, ratedRevision: row.ratedRevision };
}

/** Calls by id, locked for the transaction (unless only read). */
export async function readCalls(client: pg.PoolClient | pg.Pool, callIds: string[], opts: { lock: boolean; name?: string } = { lock: true }): Promise<Map<string, CallRow>> {
  if (callIds.length === 0) return new Map();
  const { rows } = await client.query<CallRow>({
    name: opts.name,
    text: `select call_id as "callId", account_id as "accountId", line_id as "lineId", service, status, holds_channel as "holdsChannel",
            direction, calling_number as "callingNumber", called_number as "calledNumber", start_time as "startTime", granted_units as "grantedUnits",
            used_units as "usedUnits", reserved::text as reserved, draws, charged::text as charged, committed, rated_revision as "ratedRevision",
            to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "expiresAt"
     from charging.calls where call_id = any($1)${opts.lock ? ' for update' : ''}`,
    values: [callIds],
  });
  return new Map(rows.map((r) => [r.callId, r]));
}

/** What a credit decision on one line needs: what the account's other calls hold (from its owner's memory). */
export type LineHoldings = {
  /** Credit held by the account's other open reservations. */
  reserved: string;
  /** The line's channels held by other open sessions. */
  channelsInUse: number;
  /** Allowance units held by the line's other open calls and committed calls not yet rated, per basket. */
  heldDraws: Record<string, number>;
  standing: { standing: AccountStanding; reason: string | null } | null;
  reported: ReportedBuckets | null;
  /** The call itself, when it exists. */
  call: CallRow | null;
};

/** Marks lapsed reservations expired (they stopped counting when they lapsed); returns how many. */
export async function expireLapsedReservations(pool: pg.Pool): Promise<number> {
  const { rowCount } = await pool.query(`update charging.calls set status = 'expired', reserved = 0, updated_at = now() where status = 'active' and expires_at <= now()`);
  return rowCount ?? 0;
}

