// A/B comparison of two builds of the batch rater in one process (as rating.ab.ts for rateCdr): the builds take
// turns on whole passes of the benchmark's traffic, each build's CPU time summed over its own passes, so a
// neighbour's load falls on both alike.
//
//   npx esbuild packages/domain/src/index.ts --bundle --platform=node --format=esm --outfile=/tmp/a.mjs \
//     --external:luxon --external:decimal.js --external:zod        (once per source tree to compare)
//   npx tsx packages/domain/bench/rating.batch-ab.ts /tmp/a.mjs /tmp/b.mjs [passes]
import { pathToFileURL } from 'node:url';
import type { BatchRater, CatalogueVersion, LineProfile, RatingState } from '../src/index.js';
import { buildBenchCatalogue } from './catalogue.js';
import { buildWorkload } from './workload.js';

interface Build {
  BatchRater: new (version: CatalogueVersion, lines: readonly LineProfile[], capacity?: number) => BatchRater;
  openPeriod(version: CatalogueVersion, line: LineProfile, at: string): RatingState;
}

const [pathA, pathB, passArg] = process.argv.slice(2);
if (!pathA || !pathB) {
  console.error('usage: rating.batch-ab.ts <a.mjs> <b.mjs> [passes]');
  process.exit(2);
}
const builds = [(await import(pathToFileURL(pathA).href)) as Build, (await import(pathToFileURL(pathB).href)) as Build];
const PASSES = Number(passArg ?? 6);
const bench = buildBenchCatalogue();
const { lines, initialStates, cdrs, lineOf } = buildWorkload(bench, builds[0]!.openPeriod);
const raters = builds.map((b) => new b.BatchRater(bench.version, lines, cdrs.length));
const cpuUs = [0, 0];
const sums = [0, 0];
function pass(e: number): void {
  const r = raters[e]!;
  const t = process.cpuUsage();
  r.loadAll(initialStates);
  r.rate(cdrs, lineOf);
  const u = process.cpuUsage(t);
  cpuUs[e]! += u.user + u.system;
  let s = 0;
  for (let i = 0; i < cdrs.length; i++) s += r.billed[i]!;
  sums[e] = s;
}
pass(0);
pass(1);
cpuUs[0] = 0;
cpuUs[1] = 0;
for (let p = 0; p < PASSES; p++) {
  const first = p % 2;
  pass(first);
  pass(1 - first);
}
const us = cpuUs.map((c) => c / (PASSES * cdrs.length));
console.log(`A ${us[0]!.toFixed(3)} us/CDR, B ${us[1]!.toFixed(3)} us/CDR, B/A ${(us[1]! / us[0]!).toFixed(3)}; billed sums ${sums[0] === sums[1] ? 'equal' : 'DIFFER'}`);
console.log(JSON.stringify({ bench: 'rating.batch-ab', a_us_per_cdr: us[0], b_us_per_cdr: us[1], ratio: us[1]! / us[0]! }));
