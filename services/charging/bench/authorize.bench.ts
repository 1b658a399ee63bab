// npm run bench:authorize: authorize + terminate pairs over loopback HTTP against charging running as its own
// process on real PostgreSQL and Kafka (started here unless KAFKA_BROKERS / DATABASE_URL point at running ones).
// Each pair reserves a minute on one of many prepaid accounts and commits it at terminate (a ledger entry and a
// balance event through the outbox). Load comes from a lean open-loop generator (bench/open-loop.ts) at a fixed
// offered rate; each request's latency counts from the moment it was due (coordinated omission corrected).
// The last stdout line is one JSON object.
//
//   RCP_BENCH_RATE (requests/s, default 5000), RCP_BENCH_SECONDS (default 20), RCP_BENCH_CONNECTIONS (default 64),
//   RCP_BENCH_ACCOUNTS (default 500), RCP_BENCH_CPU_PROFILE_DIR (a CPU profile of charging),
//   RCP_BENCH_CHARGING_NODE_OPTIONS (flags for charging's node process)
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { openLoop, post, type Job } from './open-loop.js';
import { provision, SWITCH } from './fixture.js';
import { createPool } from '@rcp/db';
import { startInfra } from '@rcp/infra';

const RATE = Number(process.env.RCP_BENCH_RATE ?? 5000);
const SECONDS = Number(process.env.RCP_BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.RCP_BENCH_CONNECTIONS ?? 64);
const ACCOUNTS = Number(process.env.RCP_BENCH_ACCOUNTS ?? 500);
const OPS_TOKEN = 'bench-ops-token-0123456789';
const say = (s: string) => process.stderr.write(`[bench] ${s}\n`);

/** CPU seconds (user + system) a process has used, from /proc (Linux); null where that is not readable. */
const ticksPerSecond = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();
function cpuSeconds(pid: number, part: 'all' | 'system' = 'all'): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((part === 'all' ? Number(fields[11]) : 0) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}

/** Cumulative counts of charging's rcp_processing_seconds histogram per operation (le in ms -> count). */
let lastScrape = '';
async function decisionBuckets(url: string): Promise<Map<string, Map<number, number>>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  lastScrape = text;
  const out = new Map<string, Map<number, number>>();
  for (const m of text.matchAll(/^rcp_processing_seconds_bucket\{([^}]*)\} (\d+(?:\.\d+)?)$/gm)) {
    const op = /operation="([^"]+)"/.exec(m[1]!)?.[1];
    const le = /le="([^"]+)"/.exec(m[1]!)?.[1];
    if (!op || !le) continue;
    const buckets = out.get(op) ?? new Map<number, number>();
    buckets.set(le === '+Inf' ? Infinity : Number(le) * 1000, Number(m[2]));
    out.set(op, buckets);
  }
  return out;
}

/** Charging's garbage-collection pauses (ms) since its previous scrape: the longest and their sum. */
function gcPausesOf(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^rcp_gc_pause_seconds\{([^}]*)\} ([0-9.e+-]+)$/gm)) {
    const stat = /stat="([^"]+)"/.exec(m[1]!)?.[1];
    if (stat) out[stat] = Math.round(Number(m[2]) * 1e5) / 100;
  }
  return out;
}

/** Seconds a process's main thread spent runnable but waiting for a core (Linux schedstat); null where unreadable. */
function runDelaySeconds(pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return null;
  }
}

/** Charging's event-loop delay (ms) since its previous scrape, by quantile. */
function loopDelayOf(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^rcp_event_loop_delay_seconds\{([^}]*)\} ([0-9.e+-]+)$/gm)) {
    const q = /quantile="([^"]+)"/.exec(m[1]!)?.[1];
    if (q) out[q] = Math.round(Number(m[2]) * 1e5) / 100;
  }
  return out;
}

/** The smallest bucket bound (ms) holding the quantile of what was observed between two scrapes. */
function quantileOf(before: Map<number, number>, after: Map<number, number>, p: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return null;
  for (const le of bounds) if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= p * total) return le;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const infra = await startInfra({ ephemeral: true, log: false });
let child: ChildProcess | undefined;
let dropDb: (() => Promise<void>) | undefined;
try {
  const brokers = infra.kafka.brokers;
  const { scratch, prefix, accounts } = await provision(infra, 'bench_authorize', ACCOUNTS);
  dropDb = scratch.drop;

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // RCP_BENCH_CHARGING_NODE_OPTIONS: V8/Node flags for the charging process (e.g. --max-semi-space-size=64).
  const nodeFlags = (process.env.RCP_BENCH_CHARGING_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  child = spawn(process.execPath, [...nodeFlags, ...(process.env.RCP_BENCH_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RCP_BENCH_CPU_PROFILE_DIR}`] : []), '--import', 'tsx', fileURLToPath(new URL('../src/main.ts', import.meta.url))], {
    env: { ...process.env, KAFKA_BROKERS: brokers.join(','), DATABASE_URL: scratch.url, RCP_TOPIC_PREFIX: prefix, RCP_SWITCHES: JSON.stringify([SWITCH]), RCP_OPS_TOKEN: OPS_TOKEN, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let ok = false; !ok; ) {
    if (child.exitCode !== null) throw new Error(`charging exited with ${child.exitCode} while starting`);
    ok = (await fetch(`${url}/readyz`).catch(() => null))?.ok ?? false;
    if (!ok) await new Promise((r) => setTimeout(r, 200));
  }
  // Fund every account (the first authorize of an account also opens its balance row).
  for (let i = 0; i < accounts.length; i += 25) {
    await Promise.all(
      accounts.slice(i, i + 25).map(async (a) => {
        const res = await fetch(`${url}/v1/accounts/${a.accountId}/top-ups`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS_TOKEN}` }, body: JSON.stringify({ amount: '100000.00', idempotencyKey: `bench-${a.accountId}` }) });
        if (res.status !== 201 && res.status !== 200) throw new Error(`top-up of ${a.accountId}: ${res.status} ${await res.text()}`);
      }),
    );
  }
  say(`charging ready on ${url}: ${ACCOUNTS} funded prepaid accounts`);

  // Pairs: an authorize (a minute reserved on one of the accounts), then, once it is answered, its terminate
  // (42 s used: a ledger entry). Each request's latency counts from the moment it was due.
  const host = `127.0.0.1:${port}`;
  const headers = `x-api-key: ${SWITCH.apiKey}\r\n`;
  let refused = 0;
  const terminateText = post(host, '/v1/sessions/{}/terminate', headers, JSON.stringify({ usedUnits: 42 }));
  const pair = (tag: string) => (n: number, due: number, follow: (job: Job) => void): Job => {
    const a = accounts[n % accounts.length]!;
    const session = `${tag}-${n}`;
    const body = JSON.stringify({ sessionId: session, callingNumber: `+${a.lines[0]!.numbers[0]}`, calledNumber: n % 3 === 0 ? '347 1234567' : '06 5551234', requestedUnits: 60 });
    return {
      text: post(host, '/v1/sessions', headers, body),
      due,
      onStatus: (status, at) => {
        if (status !== 201) refused++;
        else follow({ text: terminateText.replace('{}', session), due: at });
      },
    };
  };
  const load = (tag: string, ratePerS: number, seconds: number) => openLoop({ host: '127.0.0.1', port, connections: CONNECTIONS, ratePerS, seconds, requestsPerUnit: 2, unit: pair(tag) });
  say('warm-up: 5 s');
  await load('w', Math.min(RATE, 3000), 5);
  say(`measuring: ${SECONDS} s at ${RATE} requests/s offered (open loop) over up to ${CONNECTIONS} keep-alive connections, no pipelining`);
  const refusedBefore = refused;
  // Where the time goes: CPU used by charging and by its PostgreSQL backends while measuring (the rest of a
  // request's latency is waiting: for the other processes on the machine, for the disk at durable commits).
  const db = createPool(scratch.url, { max: 1 });
  const backends = async () => (await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
  const pgBefore = new Map((await backends()).map((pid) => [pid, cpuSeconds(pid) ?? 0]));
  // How the group commits wrote the calls: a pair authorized and terminated within one commit is one insert; one
  // split over two commits is an insert and an update (PostgreSQL's cost per pair follows).
  const callWrites = async () => {
    await new Promise((r) => setTimeout(r, 1100)); // statistics reach pg_stat_* within a second
    const { rows } = await db.query<{ ins: string; upd: string; hot: string; commits: string }>(
      `select n_tup_ins::text as ins, n_tup_upd::text as upd, n_tup_hot_upd::text as hot, (select xact_commit::text from pg_stat_database where datname = current_database()) as commits
       from pg_stat_user_tables where schemaname = 'charging' and relname = 'calls'`,
    );
    return { ins: Number(rows[0]?.ins ?? 0), upd: Number(rows[0]?.upd ?? 0), hot: Number(rows[0]?.hot ?? 0), commits: Number(rows[0]?.commits ?? 0) };
  };
  const callsBefore = await callWrites();
  const chargingBefore = cpuSeconds(child.pid!);
  const chargingSystemBefore = cpuSeconds(child.pid!, 'system');
  const waitBefore = runDelaySeconds(child.pid!);
  // The rest of the machine's work for these requests: the Kafka broker (balance events) and the load generator (here).
  const brokerPid = (() => {
    try {
      return infra.kafka.dir ? Number(readFileSync(`${infra.kafka.dir}/kafka.pid`, 'utf8').trim()) || null : null;
    } catch {
      return null;
    }
  })();
  const brokerBefore = brokerPid === null ? null : cpuSeconds(brokerPid);
  const benchBefore = process.cpuUsage();
  const load1 = loadavg()[0]!;
  const metricsBefore = await decisionBuckets(url);
  const result = await load('m', RATE, SECONDS);
  const chargingCpu = chargingBefore === null ? null : (cpuSeconds(child.pid!) ?? 0) - chargingBefore;
  // The kernel's share (system time: sockets, the loopback TCP stack), the rest is JavaScript and Node.
  const waited = waitBefore === null ? null : (runDelaySeconds(child.pid!) ?? 0) - waitBefore;
  const chargingSystemCpu = chargingSystemBefore === null ? null : (cpuSeconds(child.pid!, 'system') ?? 0) - chargingSystemBefore;
  const brokerCpu = brokerBefore === null || brokerPid === null ? null : (cpuSeconds(brokerPid) ?? 0) - brokerBefore;
  const benchUsage = process.cpuUsage(benchBefore);
  const benchCpu = (benchUsage.user + benchUsage.system) / 1e6;
  const metricsAfter = await decisionBuckets(url);
  let pgCpu = 0;
  for (const pid of await backends()) pgCpu += (cpuSeconds(pid) ?? 0) - (pgBefore.get(pid) ?? 0);
  const callsAfter = await callWrites();
  const pairs = Math.max(1, result.answered / 2);
  const calls = { inserted: (callsAfter.ins - callsBefore.ins) / pairs, updated: (callsAfter.upd - callsBefore.upd) / pairs, hot: (callsAfter.hot - callsBefore.hot) / pairs, transactions: callsAfter.commits - callsBefore.commits };

  // The books still balance after the load: each account's balance is its ledger sum.
  const check = await db.query<{ off: number; entries: number; open: number }>(
    `select (select count(*) from charging.accounts a where a.balance <> coalesce((select sum(amount) from charging.ledger l where l.account_id = a.account_id), 0))::int as off,
            (select count(*) from charging.ledger where cause = 'reservation_commit')::int as entries,
            (select count(*) from charging.calls where status = 'active')::int as open`,
  );
  await db.end();
  const c = check.rows[0]!;
  say(
    `${result.answered} of ${result.offered} requests answered in ${result.seconds.toFixed(1)} s: ${result.reqPerS.toFixed(0)} req/s; latency from the due time p50 ${result.p50Ms} ms, p90 ${result.p90Ms} ms, p99 ${result.p99Ms} ms, p99.9 ${result.p999Ms} ms, max ${result.maxMs} ms; ` +
      `non-2xx ${result.non2xx}, errors or unanswered ${result.errors} (statuses ${JSON.stringify(result.statuses)}), refused authorizations ${refused - refusedBefore}; ` +
      `${c.entries} commits in the ledger, ${c.open} sessions open, ${c.off} balances off their ledger sum`,
  );
  say(`calls written per pair: ${calls.inserted.toFixed(2)} inserted, ${calls.updated.toFixed(2)} updated (${calls.hot.toFixed(2)} in place); ${calls.transactions} transactions committed (${(result.answered / Math.max(1, calls.transactions)).toFixed(1)} requests each)`);
  const perRequest = (cpu: number) => ((cpu * 1000) / Math.max(1, result.answered)).toFixed(3);
  say(
    `CPU per request: charging ${chargingCpu === null ? 'n/a' : perRequest(chargingCpu)} ms (of which in the kernel ${chargingSystemCpu === null ? 'n/a' : perRequest(chargingSystemCpu)} ms), its PostgreSQL backends ${perRequest(pgCpu)} ms, ` +
      `the Kafka broker ${brokerCpu === null ? 'n/a' : perRequest(brokerCpu)} ms, the load generator ${perRequest(benchCpu)} ms; ` +
      `machine load average ${load1.toFixed(1)} on ${(await import('node:os')).cpus().length} cores when the measurement began`,
  );
  // The time a request spends inside charging's handler (body parsed -> answer ready), from its own histogram:
  // the rest of the latency is the trip through the loaded machine (scheduling, sockets, the load generator).
  const inside = (op: string) => {
    const q = (p: number) => quantileOf(metricsBefore.get(op) ?? new Map(), metricsAfter.get(op) ?? new Map(), p);
    return { p50: q(0.5), p99: q(0.99) };
  };
  const loop = loopDelayOf(lastScrape);
  const gcs = gcPausesOf(lastScrape);
  say(
    `charging's event loop while measuring: delay p50 ${loop['0.5']} ms, p99 ${loop['0.99']} ms, p99.9 ${loop['0.999']} ms, max ${loop.max} ms; ` +
      `garbage collection paused it ${gcs.total} ms in all, ${gcs.max} ms at most; its main thread waited ${waited === null ? 'n/a' : (waited * 1000).toFixed(0)} ms for a core (runnable, not running)`,
  );
  const auth = inside('credit:authorize');
  const term = inside('credit:terminate');
  say(`inside charging (histogram bucket bounds): authorize p50 <= ${auth.p50} ms, p99 <= ${auth.p99} ms; terminate p50 <= ${term.p50} ms, p99 <= ${term.p99} ms`);
  if (c.off !== 0) throw new Error('a balance differs from its ledger sum');
  console.log(
    JSON.stringify({
      bench: 'charging.authorize',
      req_per_s: Math.round(result.reqPerS),
      p50_ms: result.p50Ms,
      p99_ms: result.p99Ms,
      p999_ms: result.p999Ms,
      non_2xx: result.non2xx,
      errors: result.errors,
      charging_cpu_ms_per_request: chargingCpu === null ? null : Number(perRequest(chargingCpu)),
      charging_system_cpu_ms_per_request: chargingSystemCpu === null ? null : Number(perRequest(chargingSystemCpu)),
      postgres_cpu_ms_per_request: Number(perRequest(pgCpu)),
      kafka_cpu_ms_per_request: brokerCpu === null ? null : Number(perRequest(brokerCpu)),
      generator_cpu_ms_per_request: Number(perRequest(benchCpu)),
      inside_authorize_p99_ms: auth.p99,
      inside_terminate_p99_ms: term.p99,
      event_loop_delay_p99_ms: loop['0.99'] ?? null,
      event_loop_delay_max_ms: loop.max ?? null,
      gc_pause_max_ms: gcs.max ?? null,
      gc_pause_total_ms: gcs.total ?? null,
      calls_updated_per_pair: Number(calls.updated.toFixed(2)),
      requests_per_transaction: Number((result.answered / Math.max(1, calls.transactions)).toFixed(1)),
      charging_waited_for_cpu_ms: waited === null ? null : Math.round(waited * 1000),
      load_average: Number(load1.toFixed(1)),
    }),
  );
} finally {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await dropDb?.().catch(() => undefined);
  await infra.stop();
}
