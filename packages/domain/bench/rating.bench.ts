// npm run bench:rating: the pure rating engine on a large catalogue, CDRs per second on one core.
// The final stdout line is one JSON object: {"bench":"rating.engine","cdrs_per_s":...}.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { compileCatalogueVersion, fastEngineFallbacks, openPeriod, rateCdr, type RatingState } from '../src/index.js';
import { buildBenchCatalogue } from './catalogue.js';
import { buildWorkload, CDRS, LINES } from './workload.js';

const SECONDS = Number(process.env.RCP_BENCH_SECONDS ?? 10);
// Smaller traffic (for instance 200 lines, 5,000 CDRs) keeps everything in cache: the difference to the
// default shows what memory latency costs. The figure to quote is the default's.
const LINE_COUNT = Number(process.env.RCP_BENCH_LINES ?? LINES);
const CDR_COUNT = Number(process.env.RCP_BENCH_CDRS ?? CDRS);

const t0 = performance.now();
const bench = buildBenchCatalogue();
const { version } = bench;
const tCatalogue = performance.now();
compileCatalogueVersion(version);
const tCompile = performance.now();
const { lines, initialStates, cdrs, lineOf } = buildWorkload(bench, openPeriod, LINE_COUNT, CDR_COUNT);
const states: RatingState[] = initialStates.slice();
const tData = performance.now();

let rated = 0;
let rejected = 0;
let checksum = 0;
// Every pass replays the same nine days from the lines' opened periods (buckets drawn, then overage or
// denial; discount counters crossing steps), so passes are alike however long the run is.
function runOnce(n: number): void {
  for (let i = 0; i < LINE_COUNT; i++) states[i] = initialStates[i]!;
  for (let k = 0; k < n; k++) {
    const i = k % CDR_COUNT;
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
runOnce(CDR_COUNT);
rated = 0;
rejected = 0;
let total = 0;
const profiler = process.env.RCP_BENCH_CPU_PROFILE ? await startProfile() : undefined;
const gc = { minor: 0, major: 0, minorMs: 0, majorMs: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = ((e as unknown as { detail?: { kind?: number } }).detail)?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      gc.minor++;
      gc.minorMs += e.duration;
    } else {
      gc.major++;
      gc.majorMs += e.duration;
    }
  }
});
gcObserver.observe({ entryTypes: ['gc'] });
const cpu0 = process.cpuUsage();
const start = performance.now();
let elapsed = 0;
while (elapsed < SECONDS * 1000) {
  runOnce(CDR_COUNT);
  total += CDR_COUNT;
  elapsed = performance.now() - start;
}
// CPU time of this process (all its threads, so GC helpers count against us): on a shared, loaded machine the
// wall clock measures the neighbours too, CPU time measures the engine on the core it ran on.
const cpu = process.cpuUsage(cpu0);
await new Promise((resolve) => setTimeout(resolve, 50)); // GC entries are delivered after the loop
gcObserver.disconnect();
if (profiler) await profiler.stop(process.env.RCP_BENCH_CPU_PROFILE!);
const cpuMs = (cpu.user + cpu.system) / 1000;
const perSecond = Math.round((total / cpuMs) * 1000);
const perWallSecond = Math.round((total / elapsed) * 1000);

console.log(`catalogue: ${bench.prefixCount} prefixes, ${version.destinations.length} destinations, ${version.priceLists.length} price lists, ${version.offers.length} offers`);
console.log(`setup: build+validate ${(tCatalogue - t0).toFixed(0)} ms, compile ${(tCompile - tCatalogue).toFixed(0)} ms, ${LINE_COUNT} lines and ${CDR_COUNT} CDRs ${(tData - tCompile).toFixed(0)} ms`);
console.log(`rated ${total} CDRs in ${(elapsed / 1000).toFixed(2)} s wall, ${(cpuMs / 1000).toFixed(2)} s CPU, on one thread: ${perSecond} CDRs per CPU second (${((cpuMs * 1000) / total).toFixed(3)} us/CDR), ${perWallSecond} per wall second; rated ${rated}, rejected ${rejected}, reference fallbacks ${fastEngineFallbacks()}, checksum ${checksum}`);
console.log(`GC pauses on the main thread while measuring (wall time): ${gc.minor} scavenges ${gc.minorMs.toFixed(0)} ms, ${gc.major} mark-compacts ${gc.majorMs.toFixed(0)} ms`);
console.log(JSON.stringify({ bench: 'rating.engine', cdrs_per_s: perSecond, cdrs_per_wall_s: perWallSecond, us_per_cdr: Number(((cpuMs * 1000) / total).toFixed(3)), prefixes: bench.prefixCount, lines: LINE_COUNT, distinct_cdrs: CDR_COUNT, cdrs: total, rejected, fallbacks: fastEngineFallbacks(), gc_scavenges: gc.minor, gc_scavenge_ms: Math.round(gc.minorMs), gc_mark_compacts: gc.major, gc_mark_compact_ms: Math.round(gc.majorMs) }));

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
