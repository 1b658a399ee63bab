import type pg from 'pg';
import type { AccountStanding, CallCharge, ReportedBuckets } from '@rcp/domain';
import type { LockedAccountRow } from '../ledger/book.js';
import type { WritePiece } from '../writes.js';

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

/** A call as it is to be written; with validitySeconds, it holds until that long after the commit. */
export type CallWrite = CallRow & { validitySeconds?: number | null };

export function callCharge(row: Pick<CallRow, 'charged' | 'committed' | 'ratedRevision'>): CallCharge {
  return { charged: row.charged, committed: row.committed, ratedRevision: row.ratedRevision };
}

/** The account a call belongs to (a call never changes account), read without locking. */
export async function accountOfCall(db: pg.Pool | pg.PoolClient, callId: string): Promise<string | null> {
  const { rows } = await db.query<{ account_id: string }>({ name: 'charging.account_of_call', text: `select account_id from charging.calls where call_id = $1`, values: [callId] });
  return rows[0]?.account_id ?? null;
}

/** Calls by id, locked for the transaction (unless only read). */
export async function readCalls(client: pg.PoolClient | pg.Pool, callIds: string[], opts: { lock: boolean } = { lock: true }): Promise<Map<string, CallRow>> {
  if (callIds.length === 0) return new Map();
  const { rows } = await client.query<CallRow>(
    `select call_id as "callId", account_id as "accountId", line_id as "lineId", service, status, holds_channel as "holdsChannel",
            direction, calling_number as "callingNumber", called_number as "calledNumber", start_time as "startTime", granted_units as "grantedUnits",
            used_units as "usedUnits", reserved::text as reserved, draws, charged::text as charged, committed, rated_revision as "ratedRevision",
            to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "expiresAt"
     from charging.calls where call_id = any($1)${opts.lock ? ' for update' : ''}`,
    [callIds],
  );
  return new Map(rows.map((r) => [r.callId, r]));
}

/** What a credit decision on one line needs, read after its account's row is locked (so nothing is missed). */
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

/**
 * Locks the account's row and reads the holdings of the line (the call's own when lineId is null) in one round
 * trip (charging.lock_for_call); null when the account has no balance row yet.
 */
export async function lockForCall(
  client: pg.PoolClient,
  args: { accountId: string; lineId: string | null; callId: string; unratedHoldHours: number },
): Promise<{ account: LockedAccountRow; holdings: LineHoldings } | null> {
  const { rows } = await client.query<{ r: LockedJson | null }>({
    name: 'charging.lock_for_call',
    text: 'select charging.lock_for_call($1, $2, $3, $4) as r',
    values: [args.accountId, args.lineId, args.callId, args.unratedHoldHours],
  });
  const r = rows[0]?.r;
  if (!r) return null;
  const heldDraws: Record<string, number> = {};
  for (const draws of r.held) for (const [basket, units] of Object.entries(draws)) heldDraws[basket] = (heldDraws[basket] ?? 0) + units;
  return {
    account: r.account,
    holdings: { reserved: r.reserved, channelsInUse: r.channels, heldDraws, standing: r.standing, reported: r.allowance, call: r.call },
  };
}

type LockedJson = {
  account: LockedAccountRow;
  reserved: string;
  channels: number;
  held: Record<string, number>[];
  standing: { standing: AccountStanding; reason: string | null } | null;
  allowance: ReportedBuckets | null;
  call: CallRow | null;
};

/** The write of calls as they now are (insert or replace). */
export function callsWrite(rows: CallWrite[]): WritePiece | null {
  if (rows.length === 0) return null;
  return {
    kind: 'calls',
    sql: `insert into charging.calls (call_id, account_id, line_id, service, status, holds_channel, direction, calling_number, called_number, start_time,
                                   granted_units, used_units, reserved, draws, charged, committed, rated_revision, expires_at, updated_at)
       select t.call_id, t.account_id, t.line_id, t.service, t.status, t.holds_channel, t.direction, t.calling_number, t.called_number, t.start_time,
              t.granted_units, t.used_units, t.reserved, t.draws, t.charged, t.committed, t.rated_revision,
              case when t.validity is not null then now() + make_interval(secs => t.validity) else t.expires_at end, now()
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[], $9::text[], $10::text[],
                   $11::int[], $12::int[], $13::numeric[], $14::jsonb[], $15::numeric[], $16::boolean[], $17::int[], $18::timestamptz[], $19::int[])
         as t(call_id, account_id, line_id, service, status, holds_channel, direction, calling_number, called_number, start_time,
              granted_units, used_units, reserved, draws, charged, committed, rated_revision, expires_at, validity)
       on conflict (call_id) do update set
         status = excluded.status, holds_channel = excluded.holds_channel, granted_units = excluded.granted_units, used_units = excluded.used_units,
         reserved = excluded.reserved, draws = excluded.draws, charged = excluded.charged, committed = excluded.committed,
         rated_revision = excluded.rated_revision, expires_at = excluded.expires_at, updated_at = now()`,
    params: [
      rows.map((r) => r.callId),
      rows.map((r) => r.accountId),
      rows.map((r) => r.lineId),
      rows.map((r) => r.service),
      rows.map((r) => r.status),
      rows.map((r) => r.holdsChannel),
      rows.map((r) => r.direction),
      rows.map((r) => r.callingNumber),
      rows.map((r) => r.calledNumber),
      rows.map((r) => r.startTime),
      rows.map((r) => r.grantedUnits),
      rows.map((r) => r.usedUnits),
      rows.map((r) => r.reserved),
      rows.map((r) => JSON.stringify(r.draws)),
      rows.map((r) => r.charged),
      rows.map((r) => r.committed),
      rows.map((r) => r.ratedRevision),
      rows.map((r) => r.expiresAt),
      rows.map((r) => r.validitySeconds ?? null),
    ],
  };
}

/** Marks lapsed reservations expired (they stopped counting when they lapsed); returns how many. */
export async function expireLapsedReservations(pool: pg.Pool): Promise<number> {
  const { rowCount } = await pool.query(`update charging.calls set status = 'expired', reserved = 0, updated_at = now() where status = 'active' and expires_at <= now()`);
  return rowCount ?? 0;
}

/** A session's row for reading (no lock). */
export async function readCall(db: pg.Pool, callId: string): Promise<CallRow | null> {
  return (await readCalls(db, [callId], { lock: false })).get(callId) ?? null;
}
