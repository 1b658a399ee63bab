import type pg from 'pg';
import type { Logger } from 'pino';
import { cdrKey, type AccountUpserted, type CdrRatedV1, type CdrRawV1, type CdrRejectedV1, type Reason } from '@rcp/contracts';
import { enqueueOutbox, inTransaction } from '@rcp/db';
import { catalogueVersionAt, periodAt, rateCdr, type RatingState } from '@rcp/domain';
import type { CatalogueStore } from '../catalogue/store.js';
import { lineProfileOf } from './line-profile.js';

export type RatingDeps = {
  pool: pg.Pool;
  catalogue: CatalogueStore;
  /** The account as rating's view of account.events has it, waiting briefly for one just created. */
  account: (accountId: string) => Promise<AccountUpserted | undefined>;
  logger: Logger;
  now?: () => Date;
};

type Outcome = { kind: 'rated'; message: CdrRatedV1 } | { kind: 'rejected'; message: CdrRejectedV1 };

/** How far back a line's stored state can matter to a CDR: a rollover chain reaches at most this far. */
const STATE_LOOKBACK_DAYS = 400;

/**
 * Rates one partition's batch of CDRs in order, effectively once. In a single transaction it records
 * each CDR's outcome (the duplicate check), moves the lines' bucket and discount counters, and queues the
 * cdr.rated / cdr.rejected messages in the outbox. A CDR rating has already recorded is skipped: its
 * messages were queued with it. A crash anywhere before the commit leaves nothing behind; after it, the
 * outbox still holds what must be published.
 */
export async function rateBatch(deps: RatingDeps, cdrs: CdrRawV1[]): Promise<{ rated: number; rejected: number; skipped: number }> {
  const catalogue = deps.catalogue.catalogue;
  const now = (deps.now?.() ?? new Date()).toISOString();
  return inTransaction(deps.pool, async (client) => {
    const ids = cdrs.map(cdrKey);
    const seen = new Set(
      (await client.query<{ rated_id: string }>(`select rated_id from rating.rated_events where rated_id = any($1)`, [ids])).rows.map((r) => r.rated_id),
    );
    const fresh: CdrRawV1[] = [];
    for (const cdr of cdrs) {
      const id = cdrKey(cdr);
      if (seen.has(id)) continue;
      seen.add(id);
      fresh.push(cdr);
    }
    if (fresh.length === 0) return { rated: 0, rejected: 0, skipped: cdrs.length };

    const states = await loadStates(client, fresh);
    const touched = new Map<string, RatingState & { lineId: string }>();
    const outcomes: { cdr: CdrRawV1; outcome: Outcome }[] = [];

    for (const cdr of fresh) {
      const reject = (reason: Reason): Outcome => ({
        kind: 'rejected',
        message: { v: 1, rejectionId: `rating:${cdrKey(cdr)}`, stage: 'rating', source: cdr.source, recordId: cdr.recordId, accountId: cdr.accountId, reasons: [reason], original: cdr, rejectedAt: now },
      });
      const account = await deps.account(cdr.accountId);
      const line = account?.lines.find((l) => l.lineId === cdr.lineId);
      if (!account || !line) {
        outcomes.push({ cdr, outcome: reject({ code: 'unknown_account', message: `rating knows no line ${cdr.lineId} on account ${cdr.accountId}` }) });
        continue;
      }
      const version = catalogue ? catalogueVersionAt(catalogue, cdr.startTime) : undefined;
      if (!version) {
        outcomes.push({ cdr, outcome: reject({ code: 'no_catalogue_version', message: `no catalogue version is in force at ${cdr.startTime}` }) });
        continue;
      }
      const profile = lineProfileOf(account, line);
      let periodKey: string;
      try {
        periodKey = periodAt(profile, cdr.startTime).periodKey;
      } catch (err) {
        outcomes.push({ cdr, outcome: reject({ code: 'invalid_start_time', message: (err as Error).message }) });
        continue;
      }
      const state = stateFor(states, touched, cdr.lineId, periodKey);
      const result = rateCdr(
        { source: cdr.source, recordId: cdr.recordId, accountId: cdr.accountId, lineId: cdr.lineId, service: cdr.service, direction: cdr.direction, callingNumber: cdr.callingNumber, calledNumber: cdr.calledNumber, startTime: cdr.startTime, billableUnits: cdr.billableUnits, disposition: cdr.disposition },
        { version, line: profile, state },
      );
      if (result.kind === 'rejected') {
        outcomes.push({ cdr, outcome: reject({ code: result.code, message: result.message }) });
        continue;
      }
      touched.set(`${cdr.lineId}\u0000${result.state.periodKey}`, { ...result.state, lineId: cdr.lineId });
      const c = result.charge;
      outcomes.push({
        cdr,
        outcome: {
          kind: 'rated',
          message: {
            v: 1,
            ratedId: cdrKey(cdr),
            revision: 0,
            source: cdr.source,
            recordId: cdr.recordId,
            accountId: cdr.accountId,
            lineId: cdr.lineId,
            service: cdr.service,
            startTime: cdr.startTime,
            periodKey: result.state.periodKey,
            periodEnd: result.state.periodEnd,
            billedUnits: c.billedUnits,
            deniedUnits: c.denied?.units ?? 0,
            retail: c.retail,
            wholesale: c.wholesale,
            explanation: { ...c.explanation, destination: c.explanation.destination ?? undefined },
            ratedAt: now,
          },
        },
      });
    }

    await client.query(
      `insert into rating.rated_events (rated_id, revision, outcome, account_id, line_id, period_key, start_time, message)
       select * from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::jsonb[])`,
      [
        outcomes.map((o) => cdrKey(o.cdr)),
        outcomes.map(() => 0),
        outcomes.map((o) => o.outcome.kind),
        outcomes.map((o) => o.cdr.accountId),
        outcomes.map((o) => o.cdr.lineId),
        outcomes.map((o) => (o.outcome.kind === 'rated' ? o.outcome.message.periodKey : null)),
        outcomes.map((o) => o.cdr.startTime),
        outcomes.map((o) => JSON.stringify(o.outcome.message)),
      ],
    );
    if (touched.size > 0) {
      const rows = [...touched.values()];
      await client.query(
        `insert into rating.line_states (line_id, period_key, state)
         select * from unnest($1::text[], $2::text[], $3::jsonb[])
         on conflict (line_id, period_key) do update set state = excluded.state, updated_at = now()`,
        [rows.map((r) => r.lineId), rows.map((r) => r.periodKey), rows.map(({ lineId: _l, ...s }) => JSON.stringify(s))],
      );
    }
    await enqueueOutbox(
      client,
      'rating',
      outcomes.map((o) => ({ topic: o.outcome.kind === 'rated' ? 'cdr.rated' : 'cdr.rejected', key: o.cdr.accountId, payload: o.outcome.message })),
    );
    const rated = outcomes.filter((o) => o.outcome.kind === 'rated').length;
    return { rated, rejected: outcomes.length - rated, skipped: cdrs.length - fresh.length };
  });
}

type StoredStates = Map<string, { periodKey: string; state: RatingState }[]>;

/** The stored states of the batch's lines that can matter to it, oldest period first per line. */
async function loadStates(client: pg.PoolClient, cdrs: CdrRawV1[]): Promise<StoredStates> {
  const lines = [...new Set(cdrs.map((c) => c.lineId))];
  const earliest = cdrs.reduce((min, c) => (c.startTime < min ? c.startTime : min), cdrs[0]!.startTime);
  const since = new Date(Date.parse(earliest) - STATE_LOOKBACK_DAYS * 86_400_000).toISOString().slice(0, 10);
  const { rows } = await client.query<{ line_id: string; period_key: string; state: RatingState }>(
    `select line_id, period_key, state from rating.line_states where line_id = any($1) and period_key >= $2 order by line_id, period_key`,
    [lines, since],
  );
  const byLine: StoredStates = new Map();
  for (const r of rows) {
    const list = byLine.get(r.line_id) ?? [];
    list.push({ periodKey: r.period_key, state: r.state });
    byLine.set(r.line_id, list);
  }
  return byLine;
}

/** The line's state for the period, else its latest earlier one (the engine rolls it forward), else none. */
function stateFor(stored: StoredStates, touched: Map<string, RatingState & { lineId: string }>, lineId: string, periodKey: string): RatingState | null {
  const own = touched.get(`${lineId}\u0000${periodKey}`);
  if (own) return own;
  let best: RatingState | null = null;
  for (const [key, t] of touched) if (key.startsWith(`${lineId}\u0000`) && t.periodKey < periodKey && (!best || t.periodKey > best.periodKey)) best = t;
  for (const s of stored.get(lineId) ?? []) {
    if (s.periodKey === periodKey) return s.state;
    if (s.periodKey < periodKey && (!best || s.periodKey > best.periodKey)) best = s.state;
  }
  return best;
}
