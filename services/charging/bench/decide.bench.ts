// npm run bench:decide: charging's own work per authorize + terminate pair without HTTP, to compare builds of
// the decision path and the group commit. Charging runs in this process (real PostgreSQL and Kafka, started
// here); pairs are decided by calling CreditControl directly, RCP_BENCH_CONCURRENCY at a time, on the accounts
// of bench:authorize. Reports CPU per pair (the decisions, the group commits, the consumers' idle work), the
// CPU of the PostgreSQL backend the group commits run on, and,
// from V8's sampling heap profiler counting what is collected too, the bytes allocated per pair and by whom.
// The last stdout line is one JSON object.
//
//   RCP_BENCH_PAIRS (default 60000), RCP_BENCH_CONCURRENCY (default 32), RCP_BENCH_ACCOUNTS (default 500),
//   RCP_BENCH_ALLOC_TOP (allocation sites listed, default 25)
import { Session } from 'node:inspector/promises';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startInfra } from '@rcp/infra';
import { loadChargingConfig } from '../src/config.js';
import { createChargingService } from '../src/service.js';
import { postOwned } from '../src/ledger/posting.js';
import { provision, SWITCH } from './fixture.js';

const PAIRS = Number(process.env.RCP_BENCH_PAIRS ?? 60_000);
const CONCURRENCY = Number(process.env.RCP_BENCH_CONCURRENCY ?? 32);
const ACCOUNTS = Number(process.env.RCP_BENCH_ACCOUNTS ?? 500);
const TOP = Number(process.env.RCP_BENCH_ALLOC_TOP ?? 25);
const say = (s: string) => process.stderr.write(`[bench] ${s}\n`);

const infra = await startInfra({ ephemeral: true, log: false });
let stop: (() => Promise<void>) | undefined;
let dropDb: (() => Promise<void>) | undefined;
try {
  const { scratch, prefix, accounts } = await provision(infra, 'bench_decide', ACCOUNTS);
  dropDb = scratch.drop;
  const service = await createChargingService(
    loadChargingConfig({ KAFKA_BROKERS: infra.kafka.brokers.join(','), DATABASE_URL: scratch.url, RCP_TOPIC_PREFIX: prefix, RCP_SWITCHES: JSON.stringify([SWITCH]), PORT: '0', LOG_LEVEL: 'warn' }),
  );
  stop = () => service.stop();
  for (const a of accounts) {
    await postOwned(service.store, service.ctx.pool, { accountId: a.accountId, currency: 'EUR', cause: 'top_up', causeRef: `bench-${a.accountId}`, amount: '100000.00' }, service.accounts.termsOf(a.accountId));
  }
  const caller = { id: SWITCH.id, country: SWITCH.country };
  const run = async (tag: string, pairs: number) => {
    let next = 0;
    const worker = async () => {
      for (let n = next++; n < pairs; n = next++) {
        const a = accounts[n % accounts.length]!;
        const sessionId = `${tag}-${n}`;
        const granted = await service.control.authorize(caller, { sessionId, callingNumber: `+${a.lines[0]!.numbers[0]}`, calledNumber: n % 3 === 0 ? '347 1234567' : '06 5551234', service: 'voice', direction: 'outbound', requestedUnits: 60 });
        if (granted.result !== 'granted') throw new Error(`refused: ${JSON.stringify(granted)}`);
        const done = await service.control.terminate(caller, sessionId, { usedUnits: 42 });
        if (done.result !== 'terminated') throw new Error(`not terminated: ${JSON.stringify(done)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await service.store.flushed();
  };
  say('warm-up');
  await run('w', Math.min(PAIRS, 20_000));
  say(`measuring: ${PAIRS} pairs, ${CONCURRENCY} at a time`);
  const load1 = loadavg()[0]!;
  // The owner's PostgreSQL backend (its group commits), from /proc.
  const ownerPid = (await service.ctx.pool.query<{ pid: number }>(`select pid from pg_stat_activity where application_name = 'charging-owner'`)).rows[0]?.pid;
  const backendCpu = () => {
    try {
      const f = readFileSync(`/proc/${ownerPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return NaN;
    }
  };
  const pg0 = backendCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run('m', PAIRS);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerPair = (cpu.user + cpu.system) / 1000 / PAIRS;
  const pgMsPerPair = ((backendCpu() - pg0) * 1000) / PAIRS;

  // Allocation: V8's sampling heap profiler, keeping the samples of objects already collected (all garbage counts).
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  const allocPairs = Math.min(PAIRS, 20_000);
  await run('h', allocPairs);
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
  session.disconnect();
  type SamplingNode = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: SamplingNode[] };
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (n: SamplingNode) => {
    if (n.selfSize > 0) {
      const site = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|work\/main)\//, '')}:${n.callFrame.lineNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  for (const [site, bytes] of [...bySite].sort((x, y) => y[1] - x[1]).slice(0, TOP)) say(`${(bytes / allocPairs).toFixed(0).padStart(7)} B/pair  ${site}`);
  const bytesPerPair = Math.round(total / allocPairs);
  say(`${PAIRS} pairs in ${(wall / 1000).toFixed(1)} s (${((2 * PAIRS) / (wall / 1000)).toFixed(0)} decisions/s); CPU ${cpuMsPerPair.toFixed(3)} ms per pair (${(cpuMsPerPair / 2).toFixed(3)} per request), its group commits' PostgreSQL backend ${pgMsPerPair.toFixed(3)} ms per pair; ${bytesPerPair} bytes allocated per pair; load average ${load1.toFixed(1)}`);
  console.log(JSON.stringify({ bench: 'charging.decide', pairs: PAIRS, cpu_ms_per_pair: Number(cpuMsPerPair.toFixed(4)), postgres_ms_per_pair: Number(pgMsPerPair.toFixed(4)), bytes_per_pair: bytesPerPair, decisions_per_s: Math.round((2 * PAIRS) / (wall / 1000)), load_average: Number(load1.toFixed(1)) }));
} finally {
  await stop?.().catch(() => undefined);
  await dropDb?.().catch(() => undefined);
  await infra.stop();
}
