import type pg from 'pg';
import { type AccountUpserted, type CdrRatedV1, type CdrRawV1 } from '@rcp/contracts';
import { enqueueOutbox, inTransaction } from '@rcp/db';
import { Decimal, periodAt, type Catalogue, type RatingState } from '@rcp/domain';
import { lineProfileOf } from '@rcp/domain';
import { LineStates, rateSequence, type RatingOutcomeMessage } from '../rating/rate-sequence.js';

export type ReplaySelection = {
  /** The period to re-rate, by its first day (YYYY-MM-DD). */
  periodKey: string;
  /** Only this account; every account with CDRs in the period when absent. */
  accountId?: string;
  dryRun: boolean;
};

export type AccountReplay = {
  accountId: string;
  cdrs: number;
  changed: number;
  /** Differences the replay emits, new minus old; zero when the catalogue did not change. */
  retailDelta: string;
  wholesaleDelta: string;
  currency: string;
};

export type ReplayReport = { periodKey: string; dryRun: boolean; accounts: AccountReplay[]; cdrs: number; changed: number };

/** What a replay compares: the recorded amounts, not the whole recorded message (fetched only when voided). */
type Recorded = Pick<CdrRatedV1, 'retail' | 'wholesale' | 'billedUnits' | 'deniedUnits' | 'periodKey' | 'revision'>;
type Stored = { ratedId: string; revision: number; outcome: 'rated' | 'rejected'; message: Recorded | null; cdr: CdrRawV1 };

/**
 * Re-rates a period account by account, each account's CDRs in their original start-time order, from the
 * line counters as they stood when the period opened. Where an outcome differs from the recorded one the
 * CDR gets a new revision carrying the replaced amounts (`previous`), so charging posts the difference and
 * invoicing corrects the period; an unchanged catalogue changes nothing. A dry run only reports.
 * Per account, under the same lock live rating takes, so a late CDR cannot interleave with the replay.
 */
export async function replayPeriod(
  pool: pg.Pool,
  deps: { catalogue: Catalogue; account: (accountId: string) => AccountUpserted | undefined; now?: () => Date; onProgress?: (done: number, total: number) => void; concurrency?: number },
  selection: ReplaySelection,
): Promise<ReplayReport> {
  const accounts = (
    await pool.query<{ account_id: string; n: number }>(
      `select account_id, count(*)::int as n from rating.rated_events
       where ${periodFilter} and ($3::text is null or account_id = $3) group by account_id order by account_id`,
      [selection.periodKey, windowStart(selection.periodKey), selection.accountId ?? null, windowEnd(selection.periodKey)],
    )
  ).rows;
  const total = accounts.reduce((n, a) => n + a.n, 0);
  const report: ReplayReport = { periodKey: selection.periodKey, dryRun: selection.dryRun, accounts: [], cdrs: 0, changed: 0 };
  let done = 0;
  // Accounts are independent: a few at a time keep PostgreSQL and this process both busy. Within an
  // account the CDRs stay in order; results are reported in account order.
  const results: AccountReplay[] = new Array(accounts.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < accounts.length) {
      const i = nextIndex++;
      const accountId = accounts[i]!.account_id;
      const result = await inTransaction(pool, async (client) => {
        await client.query('select pg_advisory_xact_lock(hashtext($1))', [`rating:account:${accountId}`]);
        return replayAccount(client, deps, selection, accountId);
      });
      results[i] = result;
      done += result.cdrs;
      deps.onProgress?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 3, Math.max(1, accounts.length)) }, worker));
  for (const result of results) {
    report.accounts.push(result);
    report.cdrs += result.cdrs;
    report.changed += result.changed;
  }
  return report;
}

/**
 * CDRs of the period: rated ones by their period, rejected ones (no period) by a window around it. Written
 * so both halves are ranges of the (account, period, start) index.
 */
const periodFilter = `(period_key = $1 or (period_key is null and start_time >= $2::timestamptz and start_time < $4::timestamptz))`;
function windowStart(periodKey: string): string {
  return new Date(Date.parse(`${periodKey}T00:00:00Z`) - 2 * 86_400_000).toISOString();
}
function windowEnd(periodKey: string): string {
  return new Date(Date.parse(`${periodKey}T00:00:00Z`) + 33 * 86_400_000).toISOString();
}

async function replayAccount(
  client: pg.PoolClient,
  deps: { catalogue: Catalogue; account: (accountId: string) => AccountUpserted | undefined; now?: () => Date },
  selection: ReplaySelection,
  accountId: string,
): Promise<AccountReplay> {
  const { rows } = await client.query<{ rated_id: string; revision: number; outcome: 'rated' | 'rejected'; message: Recorded; cdr: CdrRawV1 }>(
    `select rated_id, revision, outcome, cdr,
            jsonb_build_object('retail', message->'retail', 'wholesale', message->'wholesale', 'billedUnits', message->'billedUnits',
                               'deniedUnits', message->'deniedUnits', 'periodKey', message->'periodKey', 'revision', message->'revision') as message
     from rating.rated_events
     where account_id = $3 and ${periodFilter} order by start_time, rated_id`,
    [selection.periodKey, windowStart(selection.periodKey), accountId, windowEnd(selection.periodKey)],
  );
  const account = deps.account(accountId);
  // A rejected CDR belongs to this period only if its start falls in it for its line.
  const stored: Stored[] = rows
    .filter((r) => r.outcome === 'rated' || belongsTo(r.cdr, account, selection.periodKey))
    .map((r) => ({ ratedId: r.rated_id, revision: r.revision, outcome: r.outcome, message: r.outcome === 'rated' ? r.message : null, cdr: r.cdr }));

  // Counters as they stood when the period opened: each line's latest state of an earlier period.
  const states = new LineStates();
  const lines = [...new Set(stored.map((s) => s.cdr.lineId))];
  const before = await client.query<{ line_id: string; state: RatingState }>(
    `select distinct on (line_id) line_id, state from rating.line_states where line_id = any($1) and period_key < $2 order by line_id, period_key desc`,
    [lines, selection.periodKey],
  );
  for (const r of before.rows) states.load(r.line_id, r.state);

  const now = (deps.now?.() ?? new Date()).toISOString();
  const fresh = await rateSequence(stored.map((s) => s.cdr), { catalogue: deps.catalogue, account: () => account, states, now });

  let retailDelta = new Decimal(0);
  let wholesaleDelta = new Decimal(0);
  let currency = '';
  const changes: { stored: Stored; outcome: RatingOutcomeMessage; message: CdrRatedV1 | null }[] = [];
  for (const [i, outcome] of fresh.entries()) {
    const old = stored[i]!;
    const next = outcome.kind === 'rated' ? outcome.message : null;
    if (!differs(old.message, next) && old.outcome === outcome.kind) continue;
    const revision = old.revision + 1;
    let message: CdrRatedV1 | null = null;
    if (next || old.message) {
      // A CDR that no longer rates (e.g. its destination was removed) is voided: zero amounts, the
      // previous ones given back.
      const base = next ?? voided(await recordedMessage(client, old.ratedId), now);
      message = {
        ...base,
        revision,
        previous: old.message ? { revision: old.revision, billedUnits: old.message.billedUnits, retail: old.message.retail, wholesale: old.message.wholesale } : null,
      };
      retailDelta = retailDelta.plus(message.retail.amount).minus(old.message?.retail.amount ?? 0);
      wholesaleDelta = wholesaleDelta.plus(message.wholesale.amount).minus(old.message?.wholesale.amount ?? 0);
      currency = message.retail.currency;
    }
    changes.push({ stored: old, outcome, message });
  }

  if (!selection.dryRun) {
    for (const c of changes) {
      await client.query(`update rating.rated_events set revision = $2, outcome = $3, message = $4, period_key = coalesce($5, period_key) where rated_id = $1`, [
        c.stored.ratedId,
        c.stored.revision + 1,
        c.outcome.kind,
        JSON.stringify(c.message ?? c.outcome.message),
        c.message?.periodKey ?? null,
      ]);
    }
    // Only counters that came out different are written back (an unchanged catalogue writes nothing).
    const storedNow = await client.query<{ line_id: string; state: RatingState }>(`select line_id, state from rating.line_states where line_id = any($1) and period_key = $2`, [lines, selection.periodKey]);
    const current = new Map(storedNow.rows.map((r) => [r.line_id, canonical(r.state)]));
    const dirty = states.dirty.filter((d) => d.state.periodKey === selection.periodKey && current.get(d.lineId) !== canonical(d.state));
    if (dirty.length > 0) {
      await client.query(
        `insert into rating.line_states (line_id, period_key, state) select * from unnest($1::text[], $2::text[], $3::jsonb[])
         on conflict (line_id, period_key) do update set state = excluded.state, updated_at = now()`,
        [dirty.map((d) => d.lineId), dirty.map((d) => d.state.periodKey), dirty.map((d) => JSON.stringify(d.state))],
      );
    }
    await enqueueOutbox(
      client,
      'rating',
      changes.filter((c) => c.message).map((c) => ({ topic: 'cdr.rated', key: accountId, payload: c.message })),
    );
  }
  return { accountId, cdrs: stored.length, changed: changes.length, retailDelta: retailDelta.toFixed(), wholesaleDelta: wholesaleDelta.toFixed(), currency };
}

/** JSON with object keys sorted: PostgreSQL's jsonb does not keep the order they were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

async function recordedMessage(client: pg.PoolClient, ratedId: string): Promise<CdrRatedV1> {
  const { rows } = await client.query<{ message: CdrRatedV1 }>(`select message from rating.rated_events where rated_id = $1`, [ratedId]);
  return rows[0]!.message;
}

function differs(old: Recorded | null, next: CdrRatedV1 | null): boolean {
  if (!old || !next) return old !== next;
  return (
    old.retail.amount !== next.retail.amount ||
    old.wholesale.amount !== next.wholesale.amount ||
    old.billedUnits !== next.billedUnits ||
    old.deniedUnits !== next.deniedUnits ||
    old.periodKey !== next.periodKey
  );
}

function voided(old: CdrRatedV1, now: string): CdrRatedV1 {
  const zero = (a: CdrRatedV1['retail']) => ({ amount: new Decimal(0).toFixed(a.amount.split('.')[1]?.length ?? 0), precise: '0', currency: a.currency });
  return { ...old, billedUnits: 0, deniedUnits: 0, retail: zero(old.retail), wholesale: zero(old.wholesale), explanation: { ...old.explanation, billedUnits: 0, voided: true }, ratedAt: now };
}

function belongsTo(cdr: CdrRawV1, account: AccountUpserted | undefined, periodKey: string): boolean {
  const line = account?.lines.find((l) => l.lineId === cdr.lineId);
  if (!account || !line) return false;
  try {
    return periodAt(lineProfileOf(account, line, { startTime: cdr.startTime, service: cdr.service }), cdr.startTime).periodKey === periodKey;
  } catch {
    return false;
  }
}

