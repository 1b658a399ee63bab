// A/B comparison of two builds of the rating engine in one process, for performance work on a shared machine:
// the builds take turns on the same batches of the benchmark's CDRs (20,000 at a time, who goes first
// alternating), and each build's CPU time is summed over its own batches, so a neighbour's load falls on both
// alike. Sequential runs minutes apart differ by more than most changes being measured.
//
//   npx esbuild packages/domain/src/index.ts --bundle --platform=node --format=esm --outfile=/tmp/a.mjs \
//     --external:luxon --external:decimal.js --external:zod        (once per source tree to compare)
//   npx tsx packages/domain/bench/rating.ab.ts /tmp/a.mjs /tmp/b.mjs [passes]
//
// Prints each build's microseconds per CDR and B's time relative to A's; the last line is JSON.
import { pathToFileURL } from 'node:url';
import type { CatalogueVersion, LineProfile, RatingCdr, RatingContext, RatingOutcome, RatingState } from '../src/index.js';
import { buildBenchCatalogue } from './catalogue.js';
import { buildWorkload, CDRS, LINES } from './workload.js';

interface EngineBuild {
  rateCdr(cdr: RatingCdr, ctx: RatingContext): RatingOutcome;
  openPeriod(version: CatalogueVersion, line: LineProfile, at: string): RatingState;
  compileCatalogueVersion(version: CatalogueVersion): unknown;
}

const [pathA, pathB, passArg] = process.argv.slice(2);
if (!pathA || !pathB) {
  console.error('usage: rating.ab.ts <engine-a.mjs> <engine-b.mjs> [passes]');
  process.exit(2);
}
const builds = [(await import(pathToFileURL(pathA).href)) as EngineBuild, (await import(pathToFileURL(pathB).href)) as EngineBuild];
const PASSES = Number(passArg ?? 6);
const BATCH = 20_000;

const bench = buildBenchCatalogue();
const { version } = bench;
for (const b of builds) b.compileCatalogueVersion(version);
const { lines, initialStates, cdrs, lineOf } = buildWorkload(bench, builds[0]!.openPeriod);
const states = [initialStates.slice(), initialStates.slice()];
const cpuUs = [0, 0];
const checksums = [0, 0];

function runBatch(e: number, from: number): void {
  const rateCdr = builds[e]!.rateCdr;
  const s = states[e]!;
  for (let i = from; i < from + BATCH; i++) {
    const li = lineOf[i]!;
    const out = rateCdr(cdrs[i]!, { version, line: lines[li]!, state: s[li]! });
    if (out.kind === 'rated') {
      s[li] = out.state;
      checksums[e]! += out.charge.billedUnits;
    }
  }
}

function pass(measure: boolean, round: number): void {
  for (let e = 0; e < 2; e++) for (let i = 0; i < LINES; i++) states[e]![i] = initialStates[i]!;
  for (let from = 0; from < CDRS; from += BATCH) {
    for (let k = 0; k < 2; k++) {
      const e = (k + round + from / BATCH) % 2;
      const t = process.cpuUsage();
      runBatch(e, from);
      const u = process.cpuUsage(t);
      if (measure) cpuUs[e]! += u.user + u.system;
    }
  }
}

pass(false, 0); // warm-up: JIT and rate caches of both builds
for (let round = 0; round < PASSES; round++) pass(true, round);
if (checksums[0] !== checksums[1]) throw new Error(`the builds rated differently: checksums ${checksums[0]} and ${checksums[1]}`);
const us = cpuUs.map((t) => t / (PASSES * CDRS));
console.log(`A ${pathA}: ${us[0]!.toFixed(3)} us/CDR CPU`);
console.log(`B ${pathB}: ${us[1]!.toFixed(3)} us/CDR CPU (B/A ${(us[1]! / us[0]!).toFixed(3)})`);
console.log(JSON.stringify({ bench: 'rating.ab', a_us_per_cdr: Number(us[0]!.toFixed(3)), b_us_per_cdr: Number(us[1]!.toFixed(3)), ratio: Number((us[1]! / us[0]!).toFixed(3)), cdrs: PASSES * CDRS }));
