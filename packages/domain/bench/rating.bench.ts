// npm run bench:rating: the pure rating engine on a large catalogue, CDRs per second on one core.
// The final stdout line is one JSON object: {"bench":"rating.engine","cdrs_per_s":...}.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { BATCH_OBJECT, BatchRater, compileCatalogueVersion, fastEngineFallbacks, openPeriod, rateCdr, type RatingState } from '../src/index.js';
import { buildBenchCatalogue } from './catalogue.js';
import { buildWorkload, CDRS, LINES } from './workload.js';

const SECONDS = Number(process.env.RCP_BENCH_SECONDS ?? 10);
/** The batch path with outcomes materialised is measured for half as long. */
const MATERIALISED_SECONDS = Math.max(SECONDS / 2, 1);
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

// Which path to measure: the batch rater (default; the headline figure) or rateCdr one CDR at a time.
const ENGINE = process.env.RCP_BENCH_ENGINE ?? 'batch';
if (ENGINE !== 'batch' && ENGINE !== 'single') throw new Error(`RCP_BENCH_ENGINE must be batch or single, got ${ENGINE}`);

let rated = 0;
let rejected = 0;
let checksum = 0;

// Every pass replays the same nine days from the lines' opened periods (buckets drawn, then overage or
// denial; discount counters crossing steps), so passes are alike however long the run is.
function passSingle(): void {
  for (let i = 0; i < LINE_COUNT; i++) states[i] = initialStates[i]!;
  for (let i = 0; i < CDR_COUNT; i++) {
    const li = lineOf[i]!;
    const out = rateCdr(cdrs[i]!, { version, line: lines[li]!, state: states[li] });
    if (out.kind === 'rated') {
      rated++;
      states[li] = out.state;
      checksum += out.charge.billedUnits;
    } else rejected++;
  }
}

// The batch rater: the lines' states loaded from their objects (as the rating service loads them from
// PostgreSQL), then every CDR rated into the columns: amounts, units and counters all computed; the
// explanation objects are built only by `outcomes()` (the materialised figure).
const batch = new BatchRater(version, lines, CDR_COUNT);
function passBatch(): void {
  batch.loadAll(initialStates);
  batch.rate(cdrs, lineOf);
  const billed = batch.billed;
  for (let i = 0; i < CDR_COUNT; i++) {
    if (batch.isRated(i)) {
      rated++;
      checksum += batch.kind[i] === BATCH_OBJECT ? (batch.objects[i] as { charge: { billedUnits: number } }).charge.billedUnits : billed[i]!;
    } else rejected++;
  }
}

// With every outcome materialised as rateCdr's RatingOutcome (explanations, texts, state objects), in calls of
// MATERIALISE_BATCH CDRs (default 1,000) as a consumer rates and publishes a batch. The outcomes of a call live
// until it is published, so the figure depends on the batch size through GC: scavenges copy what is alive
// (10,000 per call measured about twice the time per CDR of 1,000).
const MATERIALISE_BATCH = Number(process.env.RCP_BENCH_MATERIALISE_BATCH ?? 1_000);
function passMaterialised(): void {
  batch.loadAll(initialStates);
  for (let from = 0; from < CDR_COUNT; from += MATERIALISE_BATCH) {
    const to = Math.min(CDR_COUNT, from + MATERIALISE_BATCH);
    batch.rate(cdrs, lineOf, from, to);
    const outs = batch.outcomes();
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i]!;
      if (o.kind === 'rated') checksum += o.charge.billedUnits;
    }
  }
}

// The charges only (BatchRater.charges: what a consumer publishes, no state object per CDR), in calls of
// MATERIALISE_BATCH CDRs; the lines' states are stored from stateOf at the end of a batch.
function passCharges(): void {
  batch.loadAll(initialStates);
  for (let from = 0; from < CDR_COUNT; from += MATERIALISE_BATCH) {
    const to = Math.min(CDR_COUNT, from + MATERIALISE_BATCH);
    batch.rate(cdrs, lineOf, from, to);
    const outs = batch.charges();
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i]!;
      if (o.kind === 'rated') checksum += o.charge.billedUnits;
    }
  }
}

interface Measured {
  cdrs: number;
  elapsedMs: number;
  cpuMs: number;
  gc: { minor: number; major: number; minorMs: number; majorMs: number };
}

/** Whole passes for `seconds` after one warm-up pass (JIT, rate caches); CPU time of the process. */
async function measure(pass: () => void, seconds: number, profile: boolean): Promise<Measured> {
  pass();
  const profiler = profile && process.env.RCP_BENCH_CPU_PROFILE ? await startProfile() : undefined;
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
  let total = 0;
  while (elapsed < seconds * 1000) {
    pass();
    total += CDR_COUNT;
    elapsed = performance.now() - start;
  }
  // CPU time of this process (all its threads, so GC helpers count against us): on a shared, loaded machine the
  // wall clock measures the neighbours too, CPU time measures the engine on the core it ran on.
  const cpu = process.cpuUsage(cpu0);
  await new Promise((resolve) => setTimeout(resolve, 50)); // GC entries are delivered after the loop
  gcObserver.disconnect();
  if (profiler) await profiler.stop(process.env.RCP_BENCH_CPU_PROFILE!);
  return { cdrs: total, elapsedMs: elapsed, cpuMs: (cpu.user + cpu.system) / 1000, gc };
}

const perCpu = (m: Measured): number => Math.round((m.cdrs / m.cpuMs) * 1000);
const perWall = (m: Measured): number => Math.round((m.cdrs / m.elapsedMs) * 1000);
const usPer = (m: Measured): number => Number(((m.cpuMs * 1000) / m.cdrs).toFixed(3));

const main = await measure(ENGINE === 'batch' ? passBatch : passSingle, SECONDS, true);
const passRated = rated;
const passRejected = rejected;
rated = 0;
rejected = 0;
// The same batch path with every outcome materialised as the RatingOutcome objects rateCdr returns.
const withObjects = ENGINE === 'batch' ? await measure(passMaterialised, MATERIALISED_SECONDS, false) : main;
const withCharges = ENGINE === 'batch' ? await measure(passCharges, MATERIALISED_SECONDS, false) : main;
const total = main.cdrs;
const passes = total / CDR_COUNT + 1;

console.log(`catalogue: ${bench.prefixCount} prefixes, ${version.destinations.length} destinations, ${version.priceLists.length} price lists, ${version.offers.length} offers`);
console.log(`setup: build+validate ${(tCatalogue - t0).toFixed(0)} ms, compile ${(tCompile - tCatalogue).toFixed(0)} ms, ${LINE_COUNT} lines and ${CDR_COUNT} CDRs ${(tData - tCompile).toFixed(0)} ms`);
console.log(
  `${ENGINE === 'batch' ? 'BatchRater.rate' : 'rateCdr'}: ${total} CDRs in ${(main.elapsedMs / 1000).toFixed(2)} s wall, ${(main.cpuMs / 1000).toFixed(2)} s CPU, on one thread: ${perCpu(main)} CDRs per CPU second (${usPer(main)} us/CDR), ${perWall(main)} per wall second; per pass rated ${Math.round(passRated / passes)}, rejected ${Math.round(passRejected / passes)}; reference fallbacks ${fastEngineFallbacks()}, checksum ${checksum}`,
);
console.log(`GC pauses on the main thread while measuring (wall time): ${main.gc.minor} scavenges ${main.gc.minorMs.toFixed(0)} ms, ${main.gc.major} mark-compacts ${main.gc.majorMs.toFixed(0)} ms`);
if (ENGINE === 'batch') {
  console.log(
    `with outcomes materialised (BatchRater.rate + outcomes, ${MATERIALISE_BATCH} CDRs per call): ${withObjects.cdrs} CDRs, ${perCpu(withObjects)} CDRs per CPU second (${usPer(withObjects)} us/CDR); GC ${withObjects.gc.minor} scavenges ${withObjects.gc.minorMs.toFixed(0)} ms, ${withObjects.gc.major} mark-compacts ${withObjects.gc.majorMs.toFixed(0)} ms`,
  );
  console.log(
    `with charges materialised (BatchRater.rate + charges, ${MATERIALISE_BATCH} CDRs per call): ${withCharges.cdrs} CDRs, ${perCpu(withCharges)} CDRs per CPU second (${usPer(withCharges)} us/CDR); GC ${withCharges.gc.minor} scavenges ${withCharges.gc.minorMs.toFixed(0)} ms, ${withCharges.gc.major} mark-compacts ${withCharges.gc.majorMs.toFixed(0)} ms`,
  );
}
console.log(
  JSON.stringify({
    bench: 'rating.engine',
    engine: ENGINE,
    cdrs_per_s: perCpu(main),
    cdrs_per_wall_s: perWall(main),
    us_per_cdr: usPer(main),
    cdrs_per_s_materialised: perCpu(withObjects),
    us_per_cdr_materialised: usPer(withObjects),
    cdrs_per_s_charges: perCpu(withCharges),
    us_per_cdr_charges: usPer(withCharges),
    materialise_batch: ENGINE === 'batch' ? MATERIALISE_BATCH : null,
    prefixes: bench.prefixCount,
    lines: LINE_COUNT,
    distinct_cdrs: CDR_COUNT,
    cdrs: total,
    rejected: Math.round(passRejected / passes),
    fallbacks: fastEngineFallbacks(),
    gc_scavenges: main.gc.minor,
    gc_scavenge_ms: Math.round(main.gc.minorMs),
    gc_mark_compacts: main.gc.major,
    gc_mark_compact_ms: Math.round(main.gc.majorMs),
  }),
);

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
