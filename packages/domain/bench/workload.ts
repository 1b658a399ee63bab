// The benchmark's traffic: 20,000 lines over every offer, partner and zone, and 400,000 CDRs of a realistic mix
// (national and international voice, SMS, data, unanswered calls, CUG calls) over nine days of a period.
// Shared by rating.bench.ts and rating.ab.ts. Deterministic.
import type { CatalogueVersion, LineProfile, RatingCdr, RatingState } from '../src/index.js';
import { rng, type BenchCatalogue } from './catalogue.js';

export const LINES = 20_000;
export const CDRS = 400_000;

export interface Workload {
  readonly lines: readonly LineProfile[];
  /**
   * Each line's state at the start of a pass: its period (from the 1st, 15th or 31st) with the usage of the days
   * before the 20th: part of each allowance used (some exhausted), discount counters advanced, so the nine
   * days exhaust buckets (overage or denial), split calls there and cross discount steps.
   */
  readonly initialStates: readonly RatingState[];
  /** CDRs in start-time order, as a consumer receives them (parsed from JSON: flat strings, fresh objects). */
  readonly cdrs: readonly RatingCdr[];
  /** The line (index into lines) of each CDR. */
  readonly lineOf: Int32Array;
}

export function buildWorkload(
  bench: BenchCatalogue,
  openPeriod: (version: CatalogueVersion, line: LineProfile, at: string) => RatingState,
  lineCount = LINES,
  cdrCount = CDRS,
): Workload {
  const { version } = bench;
  const r = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const zones = ['Europe/Rome', 'Europe/Rome', 'Europe/Rome', 'Europe/London', 'Europe/Berlin'];
  const lines: LineProfile[] = [];
  const initialStates: RatingState[] = [];
  const openedStates = new Map<string, RatingState>();
  for (let i = 0; i < lineCount; i++) {
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
    // The period is opened as the rating service would have it from PostgreSQL before the first CDR.
    const key = `${line.offerId}|${line.timeZone}|${line.subscriptionStart}|${line.cycleAnchorDay}`;
    let opened = openedStates.get(key);
    if (!opened) openedStates.set(key, (opened = openPeriod(version, line, '2024-03-20T12:00:00+01:00')));
    initialStates.push(usedBefore(opened, r));
  }

  const destIds = [...bench.numbers.keys()];
  const mobileIds = destIds.filter((d) => d.endsWith('MOBILE'));
  const cdrs: RatingCdr[] = [];
  const lineOf = new Int32Array(cdrCount);
  const base = Date.parse('2024-03-20T00:00:00+01:00');
  for (let i = 0; i < cdrCount; i++) {
    const li = Math.floor(r() * lineCount);
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
    // Start times spread over nine days of the period, in order, with several offsets.
    const ms = base + Math.floor((i / cdrCount) * 9 * 86_400_000);
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
    lineOf[i] = li;
  }
  // What a Kafka consumer hands over: objects parsed from JSON, not strings glued together in memory.
  return { lines, initialStates, cdrs: JSON.parse(JSON.stringify(cdrs)) as RatingCdr[], lineOf };
}

/** A line's state after earlier days of the period: 0-100% of each bucket used, up to 150 minutes and 6.00 spent. */
function usedBefore(opened: RatingState, r: () => number): RatingState {
  const buckets: Record<string, RatingState['buckets'][string]> = {};
  for (const [id, b] of Object.entries(opened.buckets)) {
    const used = r() < 0.2 ? 1 : r();
    buckets[id] = { allowance: b.allowance, carried: b.carried, remaining: Math.floor(b.remaining * (1 - used)) };
  }
  const usage: Record<string, RatingState['usage'][string]> = {};
  for (const id of Object.keys(opened.usage)) usage[id] = { units: Math.floor(r() * 150 * 60), spendMicros: Math.floor(r() * 6_000_000) };
  return { ...opened, buckets, usage };
}
