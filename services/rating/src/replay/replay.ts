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

/**
 * What a replay compares: the recorded figures, kept in columns of their own, not the whole recorded message
 * (fetched only for the CDRs that changed, when the replay is applied).
 */
type Recorded = { retailAmount: string; wholesaleAmount: string; billedUnits: number; deniedUnits: number; periodKey: string };
type Stored = { ratedId: string; revision: number; outcome: 'rated' | 'rejected'; recorded: Recorded | null; cdr: CdrRawV1 };

/**
 * Re-rates a period account by account, each account's CDRs in their original start-time order, from the
 * line counters as they stood when the period opened. Where an outcome differs from the recorded one the
 * CDR gets a new revision carrying the replaced amounts (`previous`), so charging posts the difference and
 * invoicing corrects the period; an unchanged catalogue changes nothing. A dry run only reports.
 * Per account, under the same lock live rating takes, so a late CDR cannot interleave with the replay.
 */
export async function replayPeriod(
  pool: pg.Pool,
  deps: {
    catalogue: Catalogue;
    account: (accountId: string) => AccountUpserted | undefined;
    now?: () => Date;
    onProgress?: (done: number, total: number) => void;
    concurrency?: number;
    /** CDRs read and re-rated per round trip (default 25,000). */
    pageSize?: number;
  },
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

/** CDRs re-rated per round trip: bounds memory for an account of any size. */
const PAGE_SIZE = 25_000;

/**
 * One page of an account's stored CDRs in start-time order, after the cursor. A page comes back as one JSON
 * text (an array of rows, the CDR embedded as stored): parsing it at once costs a fraction of what
 * receiving and parsing 25,000 rows field by field does, which was most of a replay's time.
 */
async function storedPage(client: pg.PoolClient, selection: ReplaySelection, accountId: string, after: { startTime: string; ratedId: string } | null, pageSize: number): Promise<StoredRow[]> {
  const { rows } = await client.query<{ page: string | null }>(
    `select json_agg(json_build_array(rated_id, revision, outcome, period_key, billed_units, denied_units, retail_amount::text, wholesale_amount::text, cdr) order by start_time, rated_id)::text as page
     from (select * from rating.rated_events
           where account_id = $3 and ${periodFilter} and ($5::timestamptz is null or (start_time, rated_id) > ($5::timestamptz, $6::text))
           order by start_time, rated_id limit $7) e`,
    [selection.periodKey, windowStart(selection.periodKey), accountId, windowEnd(selection.periodKey), after?.startTime ?? null, after?.ratedId ?? null, pageSize],
  );
  return rows[0]?.page ? (JSON.parse(rows[0].page) as StoredRow[]) : [];
}
type StoredRow = [ratedId: string, revision: number, outcome: 'rated' | 'rejected', periodKey: string | null, billedUnits: number | null, deniedUnits: number | null, retailAmount: string | null, wholesaleAmount: string | null, cdr: CdrRawV1];

async function replayAccount(
  client: pg.PoolClient,
  deps: { catalogue: Catalogue; account: (accountId: string) => AccountUpserted | undefined; now?: () => Date; pageSize?: number },
  selection: ReplaySelection,
  accountId: string,
): Promise<AccountReplay> {
  const account = deps.account(accountId);
  const now = (deps.now?.() ?? new Date()).toISOString();
  // Counters as they stood when the period opened: each line's latest state of an earlier period, loaded
  // the first time a line shows up; the states then move on from page to page.
  const states = new LineStates();
  const lines = new Set<string>();
  let retailDelta = new Decimal(0);
  let wholesaleDelta = new Decimal(0);
  let currency = account?.currency ?? '';
  let cdrs = 0;
  let changedCount = 0;

  for (let after: { startTime: string; ratedId: string } | null = null; ; ) {
    const page = await storedPage(client, selection, accountId, after, deps.pageSize ?? PAGE_SIZE);
    if (page.length === 0) break;
    const last = page[page.length - 1]!;
    // The CDR's own start time text is what start_time was stored from: the same instant to the microsecond.
    after = { startTime: last[8].startTime, ratedId: last[0] };

    // A rejected CDR belongs to this period only if its start falls in it for its line.
    const stored: Stored[] = [];
    for (const r of page) {
      if (r[2] !== 'rated' && !belongsTo(r[8], account, selection.periodKey)) continue;
      stored.push({
        ratedId: r[0],
        revision: r[1],
        outcome: r[2],
        recorded: r[2] === 'rated' ? { periodKey: r[3]!, billedUnits: r[4]!, deniedUnits: r[5]!, retailAmount: r[6]!, wholesaleAmount: r[7]! } : null,
        cdr: r[8],
      });
    }
    const newLines = [...new Set(stored.map((x) => x.cdr.lineId))].filter((l) => !lines.has(l));
    if (newLines.length > 0) {
      for (const l of newLines) lines.add(l);
      const before = await client.query<{ line_id: string; state: RatingState }>(
        `select distinct on (line_id) line_id, state from rating.line_states where line_id = any($1) and period_key < $2 order by line_id, period_key desc`,
        [newLines, selection.periodKey],
      );
      for (const r of before.rows) states.load(r.line_id, r.state);
    }

    const fresh = await rateSequence(stored.map((x) => x.cdr), { catalogue: deps.catalogue, account: () => account, states, now });
    cdrs += stored.length;
    const changed: { stored: Stored; outcome: RatingOutcomeMessage }[] = [];
    for (const [i, outcome] of fresh.entries()) {
      const old = stored[i]!;
      const next = outcome.kind === 'rated' ? outcome.message : null;
      if (!differs(old.recorded, next) && old.outcome === outcome.kind) continue;
      changed.push({ stored: old, outcome });
      // A CDR that no longer rates (e.g. its destination was removed) is voided: its amounts given back.
      retailDelta = retailDelta.plus(next?.retail.amount ?? 0).minus(old.recorded?.retailAmount ?? 0);
      wholesaleDelta = wholesaleDelta.plus(next?.wholesale.amount ?? 0).minus(old.recorded?.wholesaleAmount ?? 0);
      if (next) currency = next.retail.currency;
    }
    changedCount += changed.length;
    if (!selection.dryRun && changed.length > 0) await recordRevisions(client, accountId, changed, now);
  }

  if (!selection.dryRun && lines.size > 0) {
    // Only counters that came out different are written back (an unchanged catalogue writes nothing).
    const storedNow = await client.query<{ line_id: string; state: RatingState }>(`select line_id, state from rating.line_states where line_id = any($1) and period_key = $2`, [[...lines], selection.periodKey]);
    const current = new Map(storedNow.rows.map((r) => [r.line_id, canonical(r.state)]));
    const dirty = states.dirty.filter((d) => d.state.periodKey === selection.periodKey && current.get(d.lineId) !== canonical(d.state));
    if (dirty.length > 0) {
      await client.query(
        `insert into rating.line_states (line_id, period_key, state) select * from unnest($1::text[], $2::text[], $3::jsonb[])
         on conflict (line_id, period_key) do update set state = excluded.state, updated_at = now()`,
        [dirty.map((d) => d.lineId), dirty.map((d) => d.state.periodKey), dirty.map((d) => JSON.stringify(d.state))],
      );
    }
  }
  return { accountId, cdrs, changed: changedCount, retailDelta: retailDelta.toFixed(), wholesaleDelta: wholesaleDelta.toFixed(), currency };
}

/**
 * Each changed CDR gets a new revision carrying the amounts it replaces (`previous`), so charging posts the
 * difference and invoicing corrects the period; published through the outbox.
 */
async function recordRevisions(client: pg.PoolClient, accountId: string, changed: { stored: Stored; outcome: RatingOutcomeMessage }[], now: string): Promise<void> {
  const recordedMessages = await recordedMessagesOf(client, changed.filter((c) => c.stored.recorded).map((c) => c.stored.ratedId));
  const revisions = changed.map(({ stored: old, outcome }) => {
    const previousMessage = recordedMessages.get(old.ratedId) ?? null;
    const next = outcome.kind === 'rated' ? outcome.message : null;
    if (!next && !previousMessage) return { old, outcome, message: null };
    const base = next ?? voided(previousMessage!, now);
    const message: CdrRatedV1 = {
      ...base,
      revision: old.revision + 1,
      previous: previousMessage ? { revision: old.revision, billedUnits: previousMessage.billedUnits, retail: previousMessage.retail, wholesale: previousMessage.wholesale } : null,
    };
    return { old, outcome, message };
  });
  const figure = (f: (m: CdrRatedV1) => string | number) => revisions.map((r) => (r.message ? f(r.message) : null));
  await client.query(
    `update rating.rated_events e set revision = u.revision, outcome = u.outcome, message = u.message, period_key = coalesce(u.period_key, e.period_key),
            billed_units = u.billed_units, denied_units = u.denied_units, retail_amount = u.retail_amount, wholesale_amount = u.wholesale_amount
     from unnest($1::text[], $2::int[], $3::text[], $4::json[], $5::text[], $6::int[], $7::int[], $8::numeric[], $9::numeric[])
          as u(rated_id, revision, outcome, message, period_key, billed_units, denied_units, retail_amount, wholesale_amount)
     where e.rated_id = u.rated_id`,
    [
      revisions.map((r) => r.old.ratedId),
      revisions.map((r) => r.old.revision + 1),
      revisions.map((r) => r.outcome.kind),
      revisions.map((r) => JSON.stringify(r.message ?? r.outcome.message)),
      figure((m) => m.periodKey),
      figure((m) => m.billedUnits),
      figure((m) => m.deniedUnits),
      figure((m) => m.retail.amount),
      figure((m) => m.wholesale.amount),
    ],
  );
  await enqueueOutbox(
    client,
    'rating',
    revisions.flatMap((r) => (r.message ? [{ topic: 'cdr.rated' as const, key: accountId, payload: r.message }] : [])),
  );
}

/** JSON with object keys sorted: PostgreSQL's jsonb does not keep the order they were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

async function recordedMessagesOf(client: pg.PoolClient, ratedIds: string[]): Promise<Map<string, CdrRatedV1>> {
  if (ratedIds.length === 0) return new Map();
  const { rows } = await client.query<{ rated_id: string; message: CdrRatedV1 }>(`select rated_id, message from rating.rated_events where rated_id = any($1)`, [ratedIds]);
  return new Map(rows.map((r) => [r.rated_id, r.message]));
}

function differs(old: Recorded | null, next: CdrRatedV1 | null): boolean {
  if (!old || !next) return old !== next;
  return (
    old.retailAmount !== next.retail.amount ||
    old.wholesaleAmount !== next.wholesale.amount ||
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

