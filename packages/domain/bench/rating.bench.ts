// npm run bench:rating: the pure rating engine on a large catalogue, CDRs per second on one core.
// The final stdout line is one JSON object: {"bench":"rating.engine","cdrs_per_s":...}.
import { compileCatalogueVersion, fastEngineFallbacks, openPeriod, rateCdr, type LineProfile, type RatingCdr, type RatingState } from '../src/index.js';
import { buildBenchCatalogue, rng } from './catalogue.js';

const LINES = 20_000;
const CDRS = 400_000;
const SECONDS = Number(process.env.RCP_BENCH_SECONDS ?? 10);

const t0 = performance.now();
const bench = buildBenchCatalogue();
const { version } = bench;
const tCatalogue = performance.now();
compileCatalogueVersion(version);
const tCompile = performance.now();

const r = rng(7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const zones = ['Europe/Rome', 'Europe/Rome', 'Europe/Rome', 'Europe/London', 'Europe/Berlin'];
const lines: LineProfile[] = [];
const states: (RatingState | null)[] = [];
const openedStates = new Map<string, RatingState>();
for (let i = 0; i < LINES; i++) {
  const line: LineProfile = {
    offerId: bench.offers[i % bench.offers.length]!,
    partnerId: i % 3 === 0 ? null : pick(bench.partners),
    timeZone: pick(zones),
    countryCode: '39',
    subscriptionStart: i % 10 === 0 ? '2024-03-12' : '2023-05-01',
    cycleAnchorDay: [1, 1, 1, 15, 31][i % 5]!,
    cugs: i % 20 === 0 ? ['corp'] : [],
  };
  lines.push(line);
  // Each line starts mid-period with a used state (as the rating service would load it).
  const key = `${line.offerId}|${line.timeZone}|${line.subscriptionStart}|${line.cycleAnchorDay}`;
  let opened = openedStates.get(key);
  if (!opened) openedStates.set(key, (opened = openPeriod(version, line, '2024-03-20T12:00:00+01:00')));
  states.push(opened);
}

// Traffic mix: mostly national voice, international voice, SMS, some data, unanswered calls, CUG calls.
const destIds = [...bench.numbers.keys()];
const mobileIds = destIds.filter((d) => d.endsWith('MOBILE'));
const cdrs: RatingCdr[] = [];
const lineOf: number[] = [];
const base = Date.parse('2024-03-20T00:00:00+01:00');
for (let i = 0; i < CDRS; i++) {
  const li = Math.floor(r() * LINES);
  const x = r();
  let service: RatingCdr['service'] = 'voice';
  let dest: string;
  let units: number;
  if (x < 0.45) {
    dest = pick(['39_FIXED', '39_MOBILE']);
    units = Math.floor(-Math.log(1 - r()) * 150);
  } else if (x < 0.75) {
    dest = pick(destIds);
    units = Math.floor(-Math.log(1 - r()) * 200);
  } else if (x < 0.9) {
    service = 'sms';
    dest = pick(mobileIds);
    units = 1 + Math.floor(r() * 3);
  } else {
    service = 'data';
    dest = pick(mobileIds);
    units = Math.floor(r() * 5_000_000);
  }
  const cug = lines[li]!.cugs!.length > 0 && r() < 0.5;
  const called = cug ? pick(bench.cugMembers) : pick(bench.numbers.get(dest)!);
  // Start times spread over the rest of the period's first days, in order, with several offsets.
  const ms = base + Math.floor((i / CDRS) * 9 * 86_400_000);
  const offset = pick(['+01:00', 'Z', '+01:00']);
  const local = new Date(ms + (offset === 'Z' ? 0 : 3_600_000)).toISOString().slice(0, 19);
  cdrs.push({
    source: 'sbc-1',
    recordId: String(i),
    accountId: `acc-${li}`,
    lineId: `line-${li}`,
    service,
    direction: 'outbound',
    callingNumber: '390612345678',
    calledNumber: called,
    startTime: local + offset,
    billableUnits: units,
    disposition: service === 'voice' && r() < 0.15 ? pick(['busy', 'no_answer', 'failed'] as const) : 'answered',
  });
  lineOf.push(li);
}
const tData = performance.now();

let rated = 0;
let rejected = 0;
let checksum = 0;
function runOnce(n: number): void {
  for (let k = 0; k < n; k++) {
    const i = k % CDRS;
    const li = lineOf[i]!;
    const out = rateCdr(cdrs[i]!, { version, line: lines[li]!, state: states[li] });
    if (out.kind === 'rated') {
      rated++;
      states[li] = out.state;
      checksum += out.charge.billedUnits;
    } else rejected++;
  }
}

// Warm up (JIT, rate caches), then measure whole passes until the time budget is spent.
runOnce(CDRS);
rated = 0;
rejected = 0;
let total = 0;
const profiler = process.env.RCP_BENCH_CPU_PROFILE ? await startProfile() : undefined;
const cpu0 = process.cpuUsage();
const start = performance.now();
let elapsed = 0;
while (elapsed < SECONDS * 1000) {
  runOnce(CDRS);
  total += CDRS;
  elapsed = performance.now() - start;
}
// CPU time of this process (all its threads, so GC helpers count against us): on a shared, loaded machine the
// wall clock measures the neighbours too, CPU time measures the engine on the core it ran on.
const cpu = process.cpuUsage(cpu0);
if (profiler) await profiler.stop(process.env.RCP_BENCH_CPU_PROFILE!);
const cpuMs = (cpu.user + cpu.system) / 1000;
const perSecond = Math.round((total / cpuMs) * 1000);
const perWallSecond = Math.round((total / elapsed) * 1000);

console.log(`catalogue: ${bench.prefixCount} prefixes, ${version.destinations.length} destinations, ${version.priceLists.length} price lists, ${version.offers.length} offers`);
console.log(`setup: build+validate ${(tCatalogue - t0).toFixed(0)} ms, compile ${(tCompile - tCatalogue).toFixed(0)} ms, ${LINES} lines and ${CDRS} CDRs ${(tData - tCompile).toFixed(0)} ms`);
console.log(`rated ${total} CDRs in ${(elapsed / 1000).toFixed(2)} s wall, ${(cpuMs / 1000).toFixed(2)} s CPU, on one thread: ${perSecond} CDRs per CPU second (${((cpuMs * 1000) / total).toFixed(3)} us/CDR), ${perWallSecond} per wall second; rated ${rated}, rejected ${rejected}, reference fallbacks ${fastEngineFallbacks()}, checksum ${checksum}`);
console.log(JSON.stringify({ bench: 'rating.engine', cdrs_per_s: perSecond, cdrs_per_wall_s: perWallSecond, us_per_cdr: Number(((cpuMs * 1000) / total).toFixed(3)), prefixes: bench.prefixCount, cdrs: total, rejected, fallbacks: fastEngineFallbacks() }));

/** A CPU profile of the measured phase only (not setup or warm-up), written as a .cpuprofile file. */
async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
