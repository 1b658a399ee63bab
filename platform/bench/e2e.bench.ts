// npm run bench:e2e -- [--cdrs N] [--accounts A] [--batch B] [--concurrency C] [--warmup W] [--rate R]
// Sends N CDRs over HTTP (NDJSON batches) through ingestion, Kafka, rating and charging on real Kafka and
// PostgreSQL, and reports the sustained rate (first post to last ledger entry) and the ingest-to-charged
// latency of each CDR (ingestion's receipt to charging's ledger entry), p50 and p99. W CDRs (default 5,000)
// go through first, unmeasured: the services' and the broker's JIT compilers are warm when measuring starts,
// as they are in a platform that has been running. By default all N are posted as fast as ingestion takes
// them (the throughput; latency is then mostly queueing); with --rate R the batches are paced at R CDRs per
// second (batch k due at k * B / R s; one late is sent at once), so the latency is the pipeline's at that load.
// Last line: {"bench":"platform.e2e","cdrs_per_s":...,"p50_ms":...,"p99_ms":...}
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { kafkaPid, postgresPid, processCpuSeconds, startInfra, treeCpuSeconds } from '@rcp/infra';
import { createScratchDatabase } from '@rcp/db';
import { createKafka } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';
import { httpJson, publishAccounts } from '../src/client.js';
import { Launcher } from '../src/launch/launcher.js';

import { E2E_SWITCH, OPS_TOKEN, prepaidAccount, SIMPLE_CATALOGUE } from '../src/testing/e2e-platform.js';

const { values } = parseArgs({
  options: { cdrs: { type: 'string', default: '50000' }, accounts: { type: 'string', default: '200' }, batch: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '4' }, warmup: { type: 'string', default: '5000' }, rate: { type: 'string', default: '0' } },
});
const N = Number(values.cdrs);
const ACCOUNTS = Number(values.accounts);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const WARMUP = Number(values.warmup);
const RATE = Number(values.rate);
for (const [name, v] of Object.entries({ cdrs: N, accounts: ACCOUNTS, batch: BATCH, concurrency: CONCURRENCY, warmup: WARMUP, rate: RATE })) {
  if (!Number.isInteger(v) || v < 0 || (v === 0 && name !== 'warmup' && name !== 'rate')) {
    process.stderr.write(`--${name} must be a whole number${name === 'warmup' || name === 'rate' ? '' : ' above 0'} (got ${JSON.stringify(values[name as keyof typeof values])})\n`);
    process.exit(2);
  }
}
const say = (s: string) => process.stderr.write(`${s}\n`);

// RCP_BENCH_PG_STATEMENTS=1: PostgreSQL loads pg_stat_statements and the bench prints the statements that
// took the most time while measuring (execution time per CDR), to see which write costs what.
const PG_STATEMENTS = process.env.RCP_BENCH_PG_STATEMENTS === '1';
const infra = await startInfra({ log: false, ...(PG_STATEMENTS ? { postgres: { config: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } } } : {}) });
const db = await createScratchDatabase(infra.postgres.url, 'bench_e2e');
const prefix = `bench-${Date.now()}`;
const launcher = new Launcher({
  env: { KAFKA_BROKERS: infra.kafka.brokers.join(','), DATABASE_URL: db.url, RCP_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' },
  serviceEnv: { ingestion: { RCP_SWITCHES: JSON.stringify([E2E_SWITCH]), RCP_INGEST_CHUNK: String(BATCH) }, rating: { RCP_OPS_TOKEN: OPS_TOKEN } },
  logDir: join(tmpdir(), 'rcp-bench-logs', prefix),
});
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
try {
  await launcher.startAll();
  const kafka = createKafka({ brokers: infra.kafka.brokers, clientId: 'bench', logger: createLogger('bench', 'error') });
  const applied = await httpJson('PUT', `${launcher.url('rating')}/v1/catalogue`, SIMPLE_CATALOGUE, { authorization: `Bearer ${OPS_TOKEN}` });
  if (applied.status !== 201) throw new Error(`catalogue: ${applied.status}`);
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => prepaidAccount(`ACC-B${i}`, `3906${String(10_000_000 + i)}`));
  await publishAccounts(kafka, prefix, accounts);
  while ((await httpJson('GET', `${launcher.url('ingestion')}/v1/accounts/${accounts.at(-1)!.accountId}`, undefined, { 'x-api-key': E2E_SWITCH.apiKey })).status !== 200) await new Promise((r) => setTimeout(r, 200));

  const cdrLines = (tag: string, n: number, from: number) =>
    Array.from({ length: n }, (_, k) => {
      const i = from + k;
      const t = new Date(Date.UTC(2026, 9, 1) + i * 1000).toISOString();
      return JSON.stringify({ recordId: `${tag}-${i}`, callingNumber: `+3906${10_000_000 + (i % ACCOUNTS)}`, calledNumber: '+390655512345', startTime: t, billableUnits: 30 + (i % 600), disposition: 'answered' });
    });
  const post = async (lines: string[], rate = 0) => {
    let next = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < lines.length) {
          const from = next;
          next += BATCH;
          const wait = rate > 0 ? t0 + (from / rate) * 1000 - Date.now() : 0;
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const res = await fetch(`${launcher.url('ingestion')}/v1/cdrs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'x-api-key': E2E_SWITCH.apiKey }, body: lines.slice(from, from + BATCH).join('\n') });
          const body = (await res.json()) as { accepted: number };
          if (body.accepted !== Math.min(BATCH, lines.length - from)) throw new Error(`batch at ${from}: ${JSON.stringify(body).slice(0, 300)}`);
        }
      }),
    );
  };
  const chargedCount = async () => (await pool.query<{ n: number }>(`select count(*)::int as n from charging.ledger where cause = 'rated_cdr'`)).rows[0]!.n;
  const waitCharged = async (total: number, since: number) => {
    for (let charged = await chargedCount(); charged < total; charged = await chargedCount()) {
      if (Date.now() - since > 600_000) throw new Error(`only ${charged} of ${total} charged after 10 minutes`);
      // Once a second: the count scans the growing ledger (at 200 ms it was ~3% of PostgreSQL's work while
      // measuring), and the figures come from the entries' own posted_at, not from when this loop noticed.
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  if (WARMUP > 0) {
    say(`[bench] warming up with ${WARMUP} CDRs (not measured)`);
    const warmStart = Date.now();
    await post(cdrLines('w', WARMUP, 0));
    await waitCharged(WARMUP, warmStart);
  }
  // The measured CDRs start after the warm-up's in time, so each line's calls stay in order.
  const lines = cdrLines('b', N, WARMUP);
  say(`[bench] posting ${N} CDRs for ${ACCOUNTS} accounts in batches of ${BATCH}, ${CONCURRENCY} at a time${RATE > 0 ? `, paced at ${RATE} CDRs/s` : ', as fast as taken'}`);
  // CPU of every component from the first post to the last charge: where the time goes.
  const components = () => ({
    ...Object.fromEntries((['ingestion', 'rating', 'charging', 'invoicing'] as const).map((name) => [name, launcher.get(name).process.pid])),
    kafka: infra.kafka.dir ? kafkaPid(infra.kafka.dir) : null,
    postgres: infra.postgres.dir ? postgresPid(infra.postgres.dir) : null,
  });
  // PostgreSQL's share by service: its backends by application_name (the pools name themselves).
  const backends = async () => (await pool.query<{ pid: number; app: string }>(`select pid, application_name as app from pg_stat_activity where datname = current_database()`)).rows;
  const backendCpuBefore = processCpuSeconds((await backends()).map((b) => b.pid));
  // PostgreSQL's write volume: WAL records, full-page images and bytes, and the checkpoints it took.
  const walStats = async () =>
    (
      await pool.query<{ records: string; fpi: string; bytes: string; checkpoints: string }>(
        `select w.wal_records as records, w.wal_fpi as fpi, w.wal_bytes as bytes, c.num_timed + c.num_requested as checkpoints
         from pg_stat_wal w, pg_stat_checkpointer c`,
      )
    ).rows[0]!;
  const walBefore = await walStats();
  if (PG_STATEMENTS) {
    await pool.query('create extension if not exists pg_stat_statements');
    await pool.query('select pg_stat_statements_reset()');
  }
  const cpuBefore = treeCpuSeconds(components());
  const started = Date.now();
  await post(lines, RATE);
  const posted = Date.now();
  say(`[bench] ingested in ${((posted - started) / 1000).toFixed(1)} s (${Math.round(N / ((posted - started) / 1000))}/s); waiting for charging`);
  await waitCharged(WARMUP + N, posted);
  const cpuAfter = treeCpuSeconds(components());
  const cpuPerCdr: Record<string, number> = {};
  for (const [name, after] of Object.entries(cpuAfter)) {
    const before = cpuBefore[name];
    if (after !== null && before !== null && before !== undefined) cpuPerCdr[name] = Number((((after - before) * 1000) / N).toFixed(3));
  }
  const postgresByService: Record<string, number> = {};
  const live = await backends();
  const backendCpuAfter = processCpuSeconds(live.map((b) => b.pid));
  for (const b of live) {
    const used = (backendCpuAfter.get(b.pid) ?? 0) - (backendCpuBefore.get(b.pid) ?? 0);
    const app = b.app || 'other';
    postgresByService[app] = Number(((postgresByService[app] ?? 0) + (used * 1000) / N).toFixed(3));
  }
  const walAfter = await walStats();
  const walPerCdr = (k: 'records' | 'fpi' | 'bytes') => Number(((Number(walAfter[k]) - Number(walBefore[k])) / N).toFixed(1));
  const wal = { records: walPerCdr('records'), fpi: walPerCdr('fpi'), bytes: Math.round(walPerCdr('bytes')), checkpoints: Number(walAfter.checkpoints) - Number(walBefore.checkpoints) };
  say(`[bench] PostgreSQL WAL per CDR: ${wal.records} records, ${wal.fpi} full-page images, ${wal.bytes} bytes; ${wal.checkpoints} checkpoints while measuring`);
  say(`[bench] PostgreSQL CPU per CDR by client (ms, backends alive at the end): ${Object.entries(postgresByService).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (PG_STATEMENTS) {
    const { rows: top } = await pool.query<{ ms: number; calls: string; rows: string; query: string }>(
      `select total_exec_time as ms, calls, rows, regexp_replace(query, '\\s+', ' ', 'g') as query from pg_stat_statements order by total_exec_time desc limit 12`,
    );
    for (const t of top) say(`[bench] PostgreSQL statement: ${((t.ms * 1000) / N).toFixed(1)} us per CDR, ${t.calls} calls, ${t.rows} rows: ${t.query.slice(0, 160)}`);
  }
  const totalCpuMs = Object.values(cpuPerCdr).reduce((a, b) => a + b, 0);
  say(`[bench] CPU per CDR (ms): ${Object.entries(cpuPerCdr).map(([k, v]) => `${k} ${v}`).join(', ')}; total ${totalCpuMs.toFixed(3)} ms (2 cores: at most ${Math.round(2000 / totalCpuMs)} CDRs/s)`);
  // Where the time goes: each consumer's batches (count, mean size, mean time) from its /metrics.
  for (const service of ['rating', 'charging', 'invoicing'] as const) {
    const text = await (await fetch(`${launcher.url(service)}/metrics`)).text();
    for (const topic of ['cdr.raw', 'cdr.rated']) {
      const count = Number(text.match(new RegExp(`rcp_processing_seconds_count\\{[^}]*operation="consume:${topic.replace('.', '\\.')}"[^}]*\\} (\\d+)`))?.[1] ?? 0);
      const sum = Number(text.match(new RegExp(`rcp_processing_seconds_sum\\{[^}]*operation="consume:${topic.replace('.', '\\.')}"[^}]*\\} ([\\d.e+-]+)`))?.[1] ?? 0);
      const consumed = Number(text.match(new RegExp(`rcp_messages_consumed_total\\{[^}]*topic="${topic.replace('.', '\\.')}"[^}]*\\} (\\d+)`))?.[1] ?? 0);
      if (count > 0) say(`[bench] ${service} ${topic}: ${count} batches, ${Math.round(consumed / count)} messages and ${Math.round((sum / count) * 1000)} ms each on average`);
    }
  }
  const { rows } = await pool.query<{ first: Date; last: Date; p50: number; p99: number }>(`
    select min(r.received_at) as first, max(l.posted_at) as last,
           percentile_cont(0.5) within group (order by extract(epoch from l.posted_at - r.received_at) * 1000) as p50,
           percentile_cont(0.99) within group (order by extract(epoch from l.posted_at - r.received_at) * 1000) as p99
    from charging.ledger l join ingestion.received_cdrs r on l.cause_ref = r.source || '/' || r.record_id || '#0'
    where l.cause = 'rated_cdr' and r.record_id like 'b-%'`);
  const r = rows[0]!;
  const seconds = (r.last.getTime() - started) / 1000;
  say(`[bench] ${N} CDRs charged ${seconds.toFixed(1)} s after the first post`);
  process.stdout.write(`${JSON.stringify({ bench: 'platform.e2e', cdrs: N, accounts: ACCOUNTS, batch: BATCH, offered_per_s: RATE > 0 ? RATE : null, cdrs_per_s: Math.round(N / seconds), ingest_per_s: Math.round(N / ((posted - started) / 1000)), p50_ms: Math.round(r.p50), p99_ms: Math.round(r.p99), cpu_ms_per_cdr: cpuPerCdr, postgres_ms_per_cdr_by_client: postgresByService, wal_per_cdr: wal })}\n`);
} finally {
  await pool.end();
  await launcher.stopAll();
  await db.drop().catch(() => undefined);
  await infra.stop();
}
