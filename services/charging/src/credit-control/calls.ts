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

const CALL_COLUMNS = `call_id as "callId", account_id as "accountId", line_id as "lineId", service, status, holds_channel as "holdsChannel",
  direction, calling_number as "callingNumber", called_number as "calledNumber", start_time as "startTime", granted_units as "grantedUnits", used_units as "usedUnits", reserved::text as reserved,
  draws, charged::text as charged, committed, rated_revision as "ratedRevision", to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "expiresAt"`;

/** The account a call belongs to, read without locking (the caller then locks the account and reads again). */
export async function accountOfCall(db: pg.Pool | pg.PoolClient, callId: string): Promise<string | null> {
  const { rows } = await db.query<{ account_id: string }>(`select account_id from charging.calls where call_id = $1`, [callId]);
  return rows[0]?.account_id ?? null;
}

export async function readCalls(client: pg.PoolClient, callIds: string[]): Promise<Map<string, CallRow>> {
  if (callIds.length === 0) return new Map();
  const { rows } = await client.query<CallRow>(`select ${CALL_COLUMNS} from charging.calls where call_id = any($1) for update`, [callIds]);
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

/** With no lineId, the line is the call's own. */
export async function readLineHoldings(client: pg.PoolClient, args: { accountId: string; lineId: string | null; callId: string; unratedHoldHours: number }): Promise<LineHoldings> {
  const { rows } = await client.query<{
    reserved: string;
    channels: number;
    held: Record<string, number>[];
    standing: { standing: AccountStanding; reason: string | null } | null;
    allowance: { offer_id: string; period_key: string; at: string; remaining: Record<string, number> } | null;
    call: CallRow | null;
  }>(
    `with line as (select coalesce($2::text, (select line_id from charging.calls where call_id = $3)) as id)
     select
       (select coalesce(sum(reserved), 0)::text from charging.calls
         where account_id = $1 and status = 'active' and expires_at > now() and call_id <> $3) as reserved,
       (select count(*)::int from charging.calls
         where line_id = (select id from line) and status = 'active' and holds_channel and expires_at > now() and call_id <> $3) as channels,
       (select coalesce(jsonb_agg(draws), '[]'::jsonb) from charging.calls
         where line_id = (select id from line) and call_id <> $3 and draws <> '{}'::jsonb
           and ((status = 'active' and expires_at > now()) or (committed and rated_revision is null and updated_at > now() - make_interval(hours => $4)))) as held,
       (select json_build_object('standing', standing, 'reason', reason) from charging.account_standing where account_id = $1) as standing,
       (select row_to_json(la) from charging.line_allowances la where line_id = (select id from line)) as allowance,
       (select row_to_json(c) from (select ${CALL_COLUMNS} from charging.calls where call_id = $3) c) as call`,
    [args.accountId, args.lineId, args.callId, args.unratedHoldHours],
  );
  const r = rows[0]!;
  const heldDraws: Record<string, number> = {};
  for (const draws of r.held) for (const [basket, units] of Object.entries(draws)) heldDraws[basket] = (heldDraws[basket] ?? 0) + units;
  return {
    reserved: r.reserved,
    channelsInUse: r.channels,
    heldDraws,
    standing: r.standing,
    reported: r.allowance ? { offerId: r.allowance.offer_id, periodKey: r.allowance.period_key, at: r.allowance.at, remaining: r.allowance.remaining } : null,
    call: r.call ? { ...r.call, reserved: String(r.call.reserved), charged: String(r.call.charged) } : null,
  };
}

/** Writes calls as they now are (insert or replace), in the caller's transaction. */
export async function writeCalls(client: pg.PoolClient, rows: (CallRow & { validitySeconds?: number | null })[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `insert into charging.calls (call_id, account_id, line_id, service, status, holds_channel, direction, calling_number, called_number, start_time,
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
    [
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
  );
}

/** Marks lapsed reservations expired (they stopped counting when they lapsed); returns how many. */
export async function expireLapsedReservations(pool: pg.Pool): Promise<number> {
  const { rowCount } = await pool.query(
    `update charging.calls set status = 'expired', reserved = 0, updated_at = now() where status = 'active' and expires_at <= now()`,
  );
  return rowCount ?? 0;
}
