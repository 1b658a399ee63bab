// Faults under load, on real Kafka and PostgreSQL: while 100,000 CDRs flow, each service is killed with
// SIGKILL in turn and started again, and the Kafka broker and PostgreSQL are restarted once each. At the
// end the rated count, ledger sums, balances and invoice totals must equal a clean run's: the same CDRs
// rated offline by the same engine, with nothing lost and nothing charged twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountUpserted, CdrRawV1 } from '@rcp/contracts';
import { Decimal, parseCatalogue, roundToMinorUnit } from '@rcp/domain';
import { restartKafka, restartPostgres } from '@rcp/infra';
import { rateOffline } from '@rcp/rating';
import { eventually } from './client.js';
import type { ServiceName } from './launch/launcher.js';
import { E2E_SWITCH, prepaidAccount, SIMPLE_CATALOGUE, startE2ePlatform, type E2ePlatform } from './testing/e2e-platform.js';

const N = Number(process.env.RCP_FAULT_CDRS ?? 100_000);
const ACCOUNTS = 100;
const BATCH = 2000;
let platform: E2ePlatform;

const accounts: AccountUpserted[] = Array.from({ length: ACCOUNTS }, (_, i) => ({
  ...prepaidAccount(`ACC-F${i}`, `3906${String(20_000_000 + i)}`),
  credit: { mode: 'postpaid', postpaidFallback: null, creditLimit: '1000000', autoRecharge: null, lowBalanceThreshold: '0' },
}));

function cdrOf(i: number) {
  const a = i % ACCOUNTS;
  return {
    recordId: `f-${i}`,
    callingNumber: `+3906${20_000_000 + a}`,
    calledNumber: '+390655512345',
    startTime: new Date(Date.UTC(2026, 9, 1, 6) + i * 20_000).toISOString(), // spread over October
    billableUnits: 1 + ((i * 7919) % 1800),
    disposition: i % 17 === 0 ? 'no_answer' : 'answered',
  };
}

beforeAll(async () => {
  platform = await startE2ePlatform('faults');
  await platform.applyCatalogue(SIMPLE_CATALOGUE);
  await platform.provision(accounts);
});

afterAll(async () => {
  await platform?.stop();
});

/** Posts a batch like a switch does: again and again until it is answered (a dead ingestion, a broker restarting). */
async function postUntilAnswered(records: unknown[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await platform.postCdrs(records);
      if (res.status === 200 && res.body.accepted + res.body.duplicates === records.length) return;
    } catch {
      // connection refused while ingestion restarts
    }
    if (attempt > 600) throw new Error('a batch was never answered');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe(`faults while ${N} CDRs flow`, () => {
  it('loses nothing and charges nothing twice when every service, the broker and the database fail once', async () => {
    const faults: { at: number; what: string; run: () => Promise<void> }[] = [
      ...(['rating', 'charging', 'invoicing', 'ingestion'] as ServiceName[]).map((s, k) => ({ at: 0.12 + k * 0.15, what: `kill -9 ${s}`, run: () => platform.launcher.restart(s, 'SIGKILL') })),
      ...(process.env.RCP_KAFKA_DIR ? [{ at: 0.72, what: 'restart Kafka', run: () => restartKafka({ log: false }) }] : []),
      ...(process.env.RCP_POSTGRES_DIR ? [{ at: 0.86, what: 'crash and restart PostgreSQL', run: () => restartPostgres({ hard: true, log: false }) }] : []),
    ];
    const done: string[] = [];
    let next = 0;
    let posted = 0;
    const posting = Promise.all(
      Array.from({ length: 2 }, async () => {
        while (next < N) {
          const from = next;
          next += BATCH;
          await postUntilAnswered(Array.from({ length: Math.min(BATCH, N - from) }, (_, k) => cdrOf(from + k)));
          posted += Math.min(BATCH, N - from);
        }
      }),
    );
    // Faults fire in the background as the stream passes each mark; posting goes on through them.
    for (const f of faults) {
      await eventually(`${f.what} mark`, async () => (posted >= f.at * N ? true : undefined), 900_000, 100);
      await f.run();
      done.push(f.what);
    }
    await posting;
    expect(done).toEqual(faults.map((f) => f.what));

    // The clean run: the same CDRs through the same engine, offline.
    const cdrs: CdrRawV1[] = Array.from({ length: N }, (_, i) => {
      const c = cdrOf(i);
      const a = accounts[i % ACCOUNTS]!;
      return { v: 1, source: E2E_SWITCH.id, accountId: a.accountId, lineId: a.lines[0]!.lineId, service: 'voice', direction: 'outbound', callingNumber: c.callingNumber.slice(1), calledNumber: '390655512345', startTime: c.startTime, answerTime: null, endTime: null, billableUnits: c.disposition === 'answered' ? c.billableUnits : 0, disposition: c.disposition as 'answered', recordId: c.recordId, format: 'json', receivedAt: c.startTime };
    });
    const clean = await rateOffline({ catalogue: parseCatalogue(SIMPLE_CATALOGUE), accounts, cdrs });
    const expected = new Map(clean.summary.map((s) => [s.accountId, s]));
    expect(clean.summary.reduce((n, s) => n + s.rated, 0)).toBe(N);

    const pool = (await import('pg')).default;
    const db = new pool.Pool({ connectionString: platform.databaseUrl, max: 2 });
    try {
      await eventually('every CDR charged', async () => {
        const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from charging.ledger where cause = 'rated_cdr'`);
        if (rows[0]!.n > N) throw new Error(`${rows[0]!.n} ledger entries for ${N} CDRs`);
        return rows[0]!.n === N ? true : undefined;
      }, 600_000, 500);
      const rated = await db.query<{ n: number }>(`select count(*)::int as n from rating.rated_events where outcome = 'rated'`);
      expect(rated.rows[0]!.n).toBe(N);
      const ledger = await db.query<{ account_id: string; n: number; total: string; balance: string }>(
        `select l.account_id, count(*)::int as n, sum(l.amount)::text as total, a.balance::text as balance
         from charging.ledger l join charging.accounts a using (account_id) group by l.account_id, a.balance`,
      );
      expect(ledger.rows).toHaveLength(ACCOUNTS);
      for (const row of ledger.rows) {
        const e = expected.get(row.account_id)!;
        expect(row.n).toBe(e.rated);
        expect(new Decimal(row.total).negated().equals(e.retail), `${row.account_id}: ledger ${row.total} vs clean ${e.retail}`).toBe(true);
        expect(new Decimal(row.balance).equals(row.total)).toBe(true);
      }
      await eventually('usage to reach invoicing', async () => {
        const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from invoicing.usage`);
        return rows[0]!.n === N ? true : undefined;
      }, 120_000, 500);
    } finally {
      await db.end();
    }
    const closed = await platform.closePeriod('2026-10-01', accounts.map((a) => a.accountId));
    expect(closed.status).toBe(200);
    expect(closed.body.invoices).toHaveLength(ACCOUNTS);
    for (const inv of closed.body.invoices) {
      const net = roundToMinorUnit(expected.get(inv.accountId)!.retail, 'EUR');
      const total = net.plus(roundToMinorUnit(net.times('0.22'), 'EUR'));
      expect(new Decimal(inv.total).equals(total), `${inv.accountId}: invoice ${inv.total} vs clean ${total.toFixed(2)}`).toBe(true);
    }
  }, 1_200_000);
});
