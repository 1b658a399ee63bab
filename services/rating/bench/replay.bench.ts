// npm run bench:replay -- [--cdrs N] [--accounts A]
// Replays a period of N CDRs (default 1,000,000) stored in rating's table, on a real PostgreSQL: each
// account's CDRs re-rated in order from the counters at period start and compared with what was recorded.
// Seeding (rating the CDRs once and storing them) is not timed. Reports the replay with the catalogue
// unchanged (every delta zero, nothing written) and a dry run after a tariff fix (every CDR differs).
// Last line: {"bench":"rating.replay","cdrs":...,"seconds":...,"cdrs_per_s":...}
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { AccountUpserted, CdrRatedV1, CdrRawV1 } from '@rcp/contracts';
import { createPool, createScratchDatabase, migrateService } from '@rcp/db';
import { parseCatalogue } from '@rcp/domain';
import { postgresPid, startPostgres, treeCpuSeconds } from '@rcp/infra';
import { LineStates, rateSequence } from '../src/rating/rate-sequence.js';
import { replayPeriod } from '../src/replay/replay.js';

const { values } = parseArgs({ options: { cdrs: { type: 'string', default: '1000000' }, accounts: { type: 'string', default: '1000' } } });
const N = Number(values.cdrs);
const ACCOUNTS = Number(values.accounts);
const say = (s: string) => process.stderr.write(`${s}\n`);

const catalogueDoc = {
  catalogue: 'bench',
  versions: [
    {
      version: 'bench-1',
      effectiveFrom: '2026-01-01T00:00:00Z',
      destinations: [{ id: 'IT', name: 'Italy', prefixes: ['39'] }, { id: 'IT_MOBILE', name: 'Italy mobile', prefixes: ['393'] }],
      defaults: { retailPriceList: 'retail', wholesalePriceList: 'wholesale' },
      priceLists: [
        { id: 'retail', kind: 'retail', currency: 'EUR', increments: { initial: 30, subsequent: 6 }, rates: [{ destination: 'IT', pricePerMinute: '0.0250' }, { destination: 'IT_MOBILE', pricePerMinute: '0.0900', connectFee: '0.0500' }] },
        { id: 'wholesale', kind: 'wholesale', currency: 'EUR', rates: [{ destination: 'IT', pricePerMinute: '0.0080' }, { destination: 'IT_MOBILE', pricePerMinute: '0.0450' }] },
      ],
      offers: [
        { id: 'payg', name: 'PAYG', kind: 'payg', channels: { count: 4 } },
        { id: 'flat', name: 'Flat', kind: 'flat', channels: { count: 4 }, baskets: [{ id: 'national', destinations: ['IT', 'IT_MOBILE'], allowance: 600 }], overage: { enabled: true, target: 'main' } },
      ],
    },
  ],
};
const catalogue = parseCatalogue(catalogueDoc);
const fixedDoc = structuredClone(catalogueDoc);
fixedDoc.versions[0]!.priceLists[0]!.rates[0]!.pricePerMinute = '0.0200';
const fixed = parseCatalogue(fixedDoc);

const accounts: AccountUpserted[] = Array.from({ length: ACCOUNTS }, (_, i) => ({
  v: 1, type: 'account.upserted', eventId: `b${i}`, at: '2026-09-01T00:00:00Z', accountId: `ACC-${i}`, partnerId: null, name: `bench ${i}`, country: '39', timezone: 'Europe/Rome', currency: 'EUR',
  billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
  credit: { mode: 'postpaid', postpaidFallback: null, creditLimit: '100000', autoRecharge: null, lowBalanceThreshold: '0' },
  lines: [{ lineId: `L-${i}`, numbers: [`3906${String(30_000_000 + i)}`], accountCodes: [], offerId: i % 2 ? 'flat' : 'payg', channels: 4, activeFrom: '2026-01-01', activeTo: null, closedUserGroups: [] }],
}));
const byId = new Map(accounts.map((a) => [a.accountId, a]));

const pg = process.env.DATABASE_URL ? null : await startPostgres({ ephemeral: true, log: false });
const db = await createScratchDatabase(process.env.DATABASE_URL ?? pg!.url, 'bench_replay');
const pool = createPool(db.url, { max: 4 });
try {
  await migrateService(pool, 'rating', fileURLToPath(new URL('../migrations', import.meta.url)));
  say(`[bench] seeding ${N} rated CDRs for ${ACCOUNTS} accounts (not timed)`);
  const seedStart = Date.now();
  const perAccount = Math.ceil(N / ACCOUNTS);
  const CHUNK = 20_000;
  let pending: { cdr: CdrRawV1; message: CdrRatedV1; periodKey: string }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await pool.query(
      `insert into rating.rated_events (rated_id, revision, outcome, account_id, line_id, period_key, start_time, billed_units, denied_units, retail_amount, wholesale_amount, message, cdr)
       select r, 0, 'rated', a, l, p, s, b, d, ra, wa, m, c
       from json_to_recordset($1::json) as t(r text, a text, l text, p text, s timestamptz, b int, d int, ra numeric, wa numeric, m json, c json)`,
      [
        JSON.stringify(
          pending.map((x) => ({
            r: `${x.cdr.source}/${x.cdr.recordId}`,
            a: x.cdr.accountId,
            l: x.cdr.lineId,
            p: x.periodKey,
            s: x.cdr.startTime,
            b: x.message.billedUnits,
            d: x.message.deniedUnits,
            ra: x.message.retail.amount,
            wa: x.message.wholesale.amount,
            m: x.message,
            c: x.cdr,
          })),
        ),
      ],
    );
    pending = [];
  };
  let seeded = 0;
  for (const account of accounts) {
    if (seeded >= N) break;
    const line = account.lines[0]!;
    const n = Math.min(perAccount, N - seeded);
    const cdrs: CdrRawV1[] = Array.from({ length: n }, (_, k) => ({
      v: 1, source: 'bench', recordId: `${account.accountId}-${k}`, accountId: account.accountId, lineId: line.lineId, service: 'voice', direction: 'outbound',
      callingNumber: line.numbers[0]!, calledNumber: k % 3 ? '390655512345' : '393471234567', startTime: new Date(Date.UTC(2026, 9, 1, 6) + Math.floor((k * 30 * 86_400_000) / n)).toISOString(),
      answerTime: null, endTime: null, billableUnits: 5 + ((k * 7919) % 900), disposition: 'answered', format: 'bench', receivedAt: '2026-11-01T00:00:00Z',
    }));
    const outcomes = await rateSequence(cdrs, { catalogue, account: (id) => byId.get(id), states: new LineStates(), now: '2026-11-01T00:00:00Z' });
    outcomes.forEach((o, k) => {
      if (o.kind !== 'rated') throw new Error(`seed CDR not rated: ${JSON.stringify(o.message)}`);
      pending.push({ cdr: cdrs[k]!, message: o.message, periodKey: o.message.periodKey });
    });
    seeded += n;
    if (pending.length >= CHUNK) await flush();
  }
  await flush();
  // A period is replayed once it has settled: autovacuum has long since set the rows' hint bits and the
  // visibility map, and the pages are written out. Do that now, so the first replay does not pay for it.
  await pool.query('vacuum (analyze) rating.rated_events');
  await pool.query('checkpoint');
  say(`[bench] seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

  const run = async (label: string, cat: typeof catalogue, dryRun: boolean) => {
    // PostgreSQL's CPU (the postmaster's process tree; only when this bench started it).
    const pgCpu = () => (pg?.dir ? (treeCpuSeconds({ pg: postgresPid(pg.dir) }).pg ?? null) : null);
    const pgBefore = pgCpu();
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const report = await replayPeriod(pool, { catalogue: cat, account: (id) => byId.get(id) }, { periodKey: '2026-10-01', dryRun });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    const pgAfter = pgCpu();
    const nodeCpu = (used.user + used.system) / 1e6;
    const postgresCpu = pgBefore !== null && pgAfter !== null ? pgAfter - pgBefore : null;
    say(
      `[bench] ${label}: ${report.cdrs} CDRs, ${report.changed} changed, ${seconds.toFixed(1)} s (${Math.round(report.cdrs / seconds)}/s; CPU: node ${nodeCpu.toFixed(1)} s, PostgreSQL ${postgresCpu?.toFixed(1) ?? '?'} s; load average ${loadavg()[0]!.toFixed(1)})`,
    );
    return { seconds, report, nodeCpu, postgresCpu };
  };
  const unchanged = await run('replay, catalogue unchanged', catalogue, false);
  if (unchanged.report.changed !== 0) throw new Error('an unchanged catalogue changed amounts');
  const fixedRun = await run('dry run after a tariff fix', fixed, true);
  process.stdout.write(
    `${JSON.stringify({ bench: 'rating.replay', cdrs: unchanged.report.cdrs, accounts: ACCOUNTS, seconds: Number(unchanged.seconds.toFixed(2)), cdrs_per_s: Math.round(unchanged.report.cdrs / unchanged.seconds), dry_run_after_fix_seconds: Number(fixedRun.seconds.toFixed(2)), changed_in_dry_run: fixedRun.report.changed, node_cpu_s: Number(unchanged.nodeCpu.toFixed(1)), postgres_cpu_s: unchanged.postgresCpu === null ? null : Number(unchanged.postgresCpu.toFixed(1)), load_average: Number(loadavg()[0]!.toFixed(1)) })}\n`,
  );
} finally {
  await pool.end();
  await db.drop();
  await pg?.stop();
}
