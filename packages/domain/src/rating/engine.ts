// The fast rating engine behind rateCdr. Same rules and same output as the decimal reference
// (./reference.ts), computed with exact integers: prices in millionths of the currency unit (the catalogue
// allows at most 6 decimals), amounts as rationals (numerator / denominator, both safe integers), rounded
// once by integer division. The catalogue version is compiled once (prefix trie, weekly band table, zone
// offset tables, rate caches). Whenever an intermediate value could leave the safe-integer range, or a time
// lies outside the zone tables, the CDR is handed to the reference engine, so results are always exact.
import { IANAZone } from 'luxon';
import type { CatalogueVersion, ClosedUserGroup, Discount, Offer, Service } from '../catalogue/schema.js';
import { SERVICES, WEEKDAYS } from '../catalogue/schema.js';
import { offerById, partnerBillingOf, partnerById, priceListsForPartner, resolveRate, type ResolvedRate } from '../catalogue/lookup.js';
import type { RoundingMode } from '../money.js';
import { isE164Digits, normaliseNumber } from '../numbers/normalise.js';
import { daysFromCivil, daysInMonth, parseInstantMs } from '../time/instant.js';
import { spanIndex, zoneTable, type ZoneTable } from '../time/zone.js';
import { consumeBuckets, overageSettingOf } from './allowance.js';
import { billedUnits } from './increments.js';
import { openPeriod } from './period.js';
import { rateCdrReference } from './reference.js';
import { cdrShapeProblem } from './validate.js';
import type {
  AppliedDiscountStep,
  BucketBalance,
  DiscountUsage,
  PartSource,
  RateExplanation,
  RatingCdr,
  RatingContext,
  RatingOutcome,
  RatingPart,
  RatingState,
  RejectionCode,
} from './types.js';

const MS_PER_DAY = 86_400_000;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const SERVICE_INDEX: Readonly<Record<string, number>> = Object.fromEntries(SERVICES.map((s, i) => [s, i]));

/** Thrown inside the engine when exact integer arithmetic would overflow; the CDR then goes to the reference. */
class OutOfRange extends Error {}
const OUT_OF_RANGE = new OutOfRange('out of safe-integer range');

function mul(a: number, b: number): number {
  const r = a * b;
  if (r > MAX_SAFE) throw OUT_OF_RANGE;
  return r;
}

function add(a: number, b: number): number {
  const r = a + b;
  if (r > MAX_SAFE) throw OUT_OF_RANGE;
  return r;
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** "0.0250" -> 25000 millionths. The catalogue guarantees at most 6 decimals. */
export function decimalTextToMicros(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return mul(Number(text), 1_000_000);
  const frac = `${text.slice(dot + 1)}000000`.slice(0, 6);
  return add(mul(Number(text.slice(0, dot)), 1_000_000), Number(frac));
}

const MODE_INDEX: Readonly<Record<RoundingMode, number>> = { half_up: 0, half_even: 1, up: 2, down: 3 };

/** num / den rounded to an integer (num, den >= 0). */
function roundDiv(num: number, den: number, mode: number): number {
  const q = Math.floor(num / den);
  const r = num - q * den;
  if (r === 0) return q;
  switch (mode) {
    case 0:
      return 2 * r >= den ? q + 1 : q;
    case 1:
      return 2 * r > den || (2 * r === den && q % 2 === 1) ? q + 1 : q;
    case 2:
      return q + 1;
    default:
      return q;
  }
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000];

/** An integer count of 10^-places as fixed-point text ("250", 4 -> "0.0250"). */
function fixed(units: number, places: number): string {
  if (places === 0) return String(units);
  const scale = POW10[places]!;
  const int = Math.floor(units / scale);
  const frac = String(units - int * scale);
  return `${int}.${'0000000000'.slice(0, places - frac.length)}${frac}`;
}

/** The precise text of num/den millionths: half-up at 10 decimals, trailing zeros dropped (as formatPrecise). */
function preciseText(num: number, den: number): string {
  if (num === 0) return '0';
  const q = Math.floor(num / den);
  let r = num - q * den;
  if (r * 10_000 > MAX_SAFE || q > 900_000_000_000) throw OUT_OF_RANGE;
  // 4 more digits take millionths to 10 decimals.
  let extra = 0;
  if (r !== 0) {
    r *= 10_000;
    extra = Math.floor(r / den);
    r -= extra * den;
    if (2 * r >= den) extra += 1;
  }
  const tenths = q * 10_000 + extra; // in 1e-10
  if (tenths === 0) return '0';
  const int = Math.floor(tenths / 10_000_000_000);
  let frac = tenths - int * 10_000_000_000;
  if (frac === 0) return String(int);
  let places = 10;
  while (frac % 10 === 0) {
    frac /= 10;
    places--;
  }
  const digits = String(frac);
  return `${int}.${digits.length < places ? '0000000000'.slice(0, places - digits.length) + digits : digits}`;
}

interface CRate {
  readonly resolved: ResolvedRate;
  readonly priceMicros: number;
  readonly unitSize: number;
  readonly connectMicros: number;
  readonly priceText: string;
  readonly connectText: string;
  readonly precision: number;
  readonly mode: number;
}

function compileRate(r: ResolvedRate | undefined): CRate | null {
  if (!r) return null;
  const connectMicros = decimalTextToMicros(r.connectFee);
  return {
    resolved: r,
    priceMicros: decimalTextToMicros(r.price),
    unitSize: r.unitSize,
    connectMicros,
    priceText: preciseText(decimalTextToMicros(r.price), 1),
    connectText: preciseText(connectMicros, 1),
    precision: r.rounding.precision,
    mode: MODE_INDEX[r.rounding.mode],
  };
}

interface CStep {
  /** Units (seconds for minutes basis) or millionths (spend basis) from which the step applies. */
  readonly from: number;
  readonly pctE4: number;
  readonly amountMicros: number;
  readonly isAmount: boolean;
  readonly explained: Omit<AppliedDiscountStep, 'units'>;
}

interface CDiscount {
  readonly discount: Discount;
  readonly spend: boolean;
  readonly steps: readonly CStep[];
}

function compileDiscount(d: Discount): CDiscount {
  const scale = d.basis === 'minutes' ? 60 : 1;
  return {
    discount: d,
    spend: d.basis === 'spend',
    steps: d.steps.map((s, i) => ({
      from: d.basis === 'spend' ? decimalTextToMicros(s.threshold) : Number(s.threshold) * scale,
      pctE4: s.percentage === undefined ? 0 : Math.round(decimalTextToMicros(s.percentage) / 100),
      amountMicros: s.amount === undefined ? 0 : decimalTextToMicros(s.amount),
      isAmount: s.amount !== undefined,
      explained: Object.freeze({
        discount: d.id,
        step: i,
        threshold: s.threshold,
        ...(s.percentage !== undefined ? { percentage: s.percentage } : {}),
        ...(s.amount !== undefined ? { amount: s.amount } : {}),
      }),
    })),
  };
}

/** The step in force at a cumulative usage, or -1 below the first. */
function stepAt(d: CDiscount, cumulative: number): number {
  const steps = d.steps;
  let found = -1;
  for (let i = 0; i < steps.length; i++) if (cumulative >= steps[i]!.from) found = i;
  return found;
}

interface CBasket {
  readonly id: string;
}

/** What an offer sold by a partner needs at rating time, resolved once. */
interface CLine {
  readonly offer: Offer;
  readonly retail: string;
  readonly wholesale: string;
  readonly list: string;
  readonly bundled: boolean;
  readonly retailRates: (CRate | null | undefined)[];
  readonly wholesaleRates: (CRate | null | undefined)[];
  readonly listRates: (CRate | null | undefined)[];
  /** By destination x service: the baskets covering it (in draw order), the discount applying, all in-scope discounts. */
  readonly baskets: (readonly CBasket[] | undefined)[];
  readonly discount: (CDiscount | null | undefined)[];
  readonly inScope: (readonly string[] | undefined)[];
  readonly starts: (StartRates | undefined)[];
}

interface StartRates {
  readonly retail: CRate | null;
  readonly wholesale: CRate | null;
  readonly explanation: RateExplanation | null;
  readonly increments: { readonly initial: number; readonly subsequent: number; readonly minimum: number };
}

const ZERO_INCREMENTS = Object.freeze({ initial: 0, subsequent: 0, minimum: 0 });

class CompiledVersion {
  readonly destIds: string[] = [];
  readonly bandIds: string[];
  readonly bandIndex = new Map<string, number>();
  /** Trie over digits: children[node * 10 + digit] = child node (0 = none); destAt[node] = destination + 1. */
  children: Int32Array;
  destAt: Int32Array;
  prefixAt: (string | undefined)[] = [undefined];
  nodes = 1;
  /** Band index per minute of the week (Monday 00:00 = 0) and minutes until the band changes. */
  readonly weekly = new Uint8Array(7 * 1440);
  readonly nextChange = new Int32Array(7 * 1440);
  /** Holiday band by local day number (days since 1970-01-01), fixed dates and yearly ones expanded. */
  readonly holidayByDay = new Map<number, number>();
  readonly split: boolean;
  readonly bandZone: string | undefined;
  readonly cugByMember = new Map<string, ClosedUserGroup[]>();
  readonly discounts = new Map<string, CDiscount>();
  readonly lines = new Map<string, Map<string, CLine | null>>();
  readonly listCaches = new Map<string, (CRate | null | undefined)[]>();
  readonly rateExplanations = new Map<CRate, Map<CRate, RateExplanation>>();
  readonly keySpace: number;

  constructor(readonly version: CatalogueVersion) {
    const prefixCount = version.destinations.reduce((n, d) => n + d.prefixes.length, 0);
    const capacity = Math.max(16, prefixCount * 4);
    this.children = new Int32Array(capacity * 10);
    this.destAt = new Int32Array(capacity);
    version.destinations.forEach((d, i) => {
      this.destIds.push(d.id);
      for (const p of d.prefixes) this.insert(p, i);
    });

    const tb = version.timeBands;
    this.bandIds = tb.bands.map((b) => b.id);
    this.bandIds.forEach((id, i) => this.bandIndex.set(id, i));
    this.split = tb.splitAtBoundary;
    this.bandZone = tb.timeZone;
    // First matching band wins: fill from the last band to the first.
    for (let b = tb.bands.length - 1; b >= 0; b--) {
      for (const w of tb.bands[b]!.windows) {
        const from = Number(w.from.slice(0, 2)) * 60 + Number(w.from.slice(3));
        const to = Number(w.to.slice(0, 2)) * 60 + Number(w.to.slice(3));
        for (const day of w.days) this.weekly.fill(b, WEEKDAYS.indexOf(day) * 1440 + from, WEEKDAYS.indexOf(day) * 1440 + to);
      }
    }
    // Minutes until the band changes, wrapping from Sunday into Monday (two backward passes).
    const n = this.weekly.length;
    let run = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let m = n - 1; m >= 0; m--) {
        run = this.weekly[(m + 1) % n] === this.weekly[m] ? Math.min(run + 1, n) : 1;
        this.nextChange[m] = run;
      }
    }
    // First listed holiday wins for a day; yearly dates are expanded over the zone tables' years.
    for (const h of tb.holidays) {
      const band = this.bandIndex.get(h.band)!;
      const month = Number(h.date.slice(-5, -3));
      const day = Number(h.date.slice(-2));
      const years = h.date.startsWith('--') ? Array.from({ length: 2061 - 1989 }, (_, i) => 1989 + i) : [Number(h.date.slice(0, 4))];
      for (const y of years) {
        if (day > daysInMonth(y, month)) continue;
        const d = daysFromCivil(y, month, day);
        if (!this.holidayByDay.has(d)) this.holidayByDay.set(d, band);
      }
    }
    for (const g of version.closedUserGroups) {
      for (const m of g.members) {
        const list = this.cugByMember.get(m);
        if (list) list.push(g);
        else this.cugByMember.set(m, [g]);
      }
    }
    for (const d of version.discounts) this.discounts.set(d.id, compileDiscount(d));
    this.keySpace = this.destIds.length * SERVICES.length * 2 * this.bandIds.length;
  }

  private insert(prefix: string, dest: number): void {
    let node = 0;
    for (let i = 0; i < prefix.length; i++) {
      const slot = node * 10 + prefix.charCodeAt(i) - 48;
      let child = this.children[slot]!;
      if (child === 0) {
        if (this.nodes >= this.destAt.length) this.grow();
        child = this.nodes++;
        this.children[slot] = child;
        this.prefixAt.push(undefined);
      }
      node = child;
    }
    this.destAt[node] = dest + 1;
    this.prefixAt[node] = prefix;
  }

  private grow(): void {
    const children = new Int32Array(this.children.length * 2);
    children.set(this.children);
    const destAt = new Int32Array(this.destAt.length * 2);
    destAt.set(this.destAt);
    this.children = children;
    this.destAt = destAt;
  }

  /** The node of the longest prefix of a number that names a destination, or 0. */
  longestPrefixNode(number: string): number {
    const children = this.children;
    const destAt = this.destAt;
    let node = 0;
    let best = 0;
    for (let i = 0; i < number.length; i++) {
      node = children[node * 10 + number.charCodeAt(i) - 48]!;
      if (node === 0) break;
      if (destAt[node] !== 0) best = node;
    }
    return best;
  }

  /** One rate cache per price list, shared by every line that uses the list. */
  private listCache(listId: string): (CRate | null | undefined)[] {
    let cache = this.listCaches.get(listId);
    if (!cache) this.listCaches.set(listId, (cache = new Array(this.keySpace)));
    return cache;
  }

  line(offerId: string, partnerId: string | null | undefined): CLine | null {
    let byPartner = this.lines.get(offerId);
    if (!byPartner) this.lines.set(offerId, (byPartner = new Map()));
    const partnerKey = partnerId ?? '';
    let l = byPartner.get(partnerKey);
    if (l === undefined) {
      const offer = offerById(this.version, offerId);
      const partner = partnerId ? partnerById(this.version, partnerId) : undefined;
      if (!offer || (partnerId && !partner)) l = null;
      else {
        const lists = priceListsForPartner(this.version, partner);
        const size = this.destIds.length * SERVICES.length;
        l = {
          offer,
          retail: lists.retail,
          wholesale: lists.wholesale,
          list: lists.list,
          bundled: partnerBillingOf(offer) === 'bundled',
          retailRates: this.listCache(lists.retail),
          wholesaleRates: this.listCache(lists.wholesale),
          listRates: this.listCache(lists.list),
          baskets: new Array(size),
          discount: new Array(size),
          inScope: new Array(size),
          starts: new Array(this.keySpace),
        };
      }
      byPartner.set(partnerKey, l);
    }
    return l;
  }

  /** The retail and wholesale rates of a line at a call's start, with their explanation (cached per line). */
  start(l: CLine, dest: number, service: number, inbound: boolean, band: number): StartRates {
    const key = ((dest * SERVICES.length + service) * 2 + (inbound ? 1 : 0)) * this.bandIds.length + band;
    let s = l.starts[key];
    if (s === undefined) {
      const retail = this.rate(l.retailRates, l.retail, dest, service, inbound, band);
      const wholesale = this.rate(l.wholesaleRates, l.wholesale, dest, service, inbound, band);
      s = {
        retail,
        wholesale,
        explanation: retail && wholesale ? this.explainRate(retail, wholesale) : null,
        increments: retail
          ? Object.freeze({ initial: retail.resolved.increments.initial, subsequent: retail.resolved.increments.subsequent, minimum: retail.resolved.minimumDuration })
          : ZERO_INCREMENTS,
      };
      l.starts[key] = s;
    }
    return s;
  }

  rate(cache: (CRate | null | undefined)[], listId: string, dest: number, service: number, inbound: boolean, band: number): CRate | null {
    const key = ((dest * SERVICES.length + service) * 2 + (inbound ? 1 : 0)) * this.bandIds.length + band;
    let r = cache[key];
    if (r === undefined) {
      r = compileRate(
        resolveRate(this.version, listId, {
          destination: this.destIds[dest]!,
          service: SERVICES[service]!,
          direction: inbound ? 'inbound' : 'outbound',
          band: this.bandIds[band]!,
        }),
      );
      cache[key] = r;
    }
    return r;
  }

  /** Baskets, applying discount and in-scope discounts of a line for a destination and service. */
  scope(l: CLine, dest: number, service: number): number {
    const key = dest * SERVICES.length + service;
    if (l.baskets[key] === undefined) {
      const destination = this.destIds[dest]!;
      const svc = SERVICES[service]! as Service;
      l.baskets[key] = l.offer.baskets.filter((b) => b.service === svc && b.destinations.includes(destination)).map((b) => ({ id: b.id }));
      const inScope = l.offer.discounts.filter((id) => {
        const d = this.discounts.get(id)!.discount;
        return d.services.includes(svc) && (d.destinations === undefined || d.destinations.includes(destination));
      });
      l.inScope[key] = inScope;
      l.discount[key] = inScope.length > 0 ? this.discounts.get(inScope[0]!)! : null;
    }
    return key;
  }

  explainRate(r: CRate, w: CRate): RateExplanation {
    let byW = this.rateExplanations.get(r);
    if (!byW) this.rateExplanations.set(r, (byW = new Map()));
    let e = byW.get(w);
    if (!e) {
      e = Object.freeze({
        retailPriceList: r.resolved.priceList,
        wholesalePriceList: w.resolved.priceList,
        per: r.resolved.per,
        unitSize: r.resolved.unitSize,
        price: r.resolved.price,
        connectFee: r.resolved.connectFee,
        wholesalePrice: w.resolved.price,
        wholesaleConnectFee: w.resolved.connectFee,
        rounding: r.resolved.rounding,
        wholesaleRounding: w.resolved.rounding,
      });
      byW.set(w, e);
    }
    return e;
  }
}

const compiledVersions = new WeakMap<CatalogueVersion, CompiledVersion>();

/** Compiles a catalogue version for the fast engine (done on first use; call it ahead to keep latency flat). */
export function compileCatalogueVersion(version: CatalogueVersion): CompiledVersion {
  let c = compiledVersions.get(version);
  if (!c) {
    c = new CompiledVersion(version);
    compiledVersions.set(version, c);
  }
  return c;
}

const validZones = new Map<string, boolean>();
function isValidZone(zone: string): boolean {
  let ok = validZones.get(zone);
  if (ok === undefined) {
    ok = IANAZone.isValidZone(zone);
    validZones.set(zone, ok);
  }
  return ok;
}

/** The band at an instant and the instant it may change next (exclusive), or undefined outside the zone table. */
function bandSpan(c: CompiledVersion, table: ZoneTable, ms: number, out: { band: number; until: number }): boolean {
  const span = spanIndex(table, ms);
  if (span < 0) return false;
  const offsetMs = table.offsets[span]! * 60_000;
  const local = ms + offsetMs;
  const days = Math.floor(local / MS_PER_DAY);
  const minuteOfDay = Math.floor((local - days * MS_PER_DAY) / 60_000);
  const weekday = (((days + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const midnight = (days + 1) * MS_PER_DAY - offsetMs;
  const nextOffset = span + 1 < table.starts.length ? table.starts[span + 1]! : table.toMs;
  let band = c.holidayByDay.size > 0 ? (c.holidayByDay.get(days) ?? -1) : -1;
  let until: number;
  if (band >= 0) {
    until = midnight;
  } else {
    const m = weekday * 1440 + minuteOfDay;
    band = c.weekly[m]!;
    const minuteStart = local - (local % 60_000) - offsetMs;
    until = Math.min(minuteStart + c.nextChange[m]! * 60_000, midnight);
  }
  out.band = band;
  out.until = Math.min(until, nextOffset);
  return true;
}

const reject = (code: RejectionCode, message: string): RatingOutcome => ({ kind: 'rejected', code, message });

interface Seg {
  units: number;
  source: PartSource;
  basket: string | undefined;
  band: number;
  step: number;
}

let fallbacks = 0;

/** How many CDRs the fast engine has handed to the decimal reference (values beyond safe integers, far dates). */
export function fastEngineFallbacks(): number {
  return fallbacks;
}

/** Rates a CDR (see rateCdr). */
export function rateCdrFast(cdr: RatingCdr, ctx: RatingContext): RatingOutcome {
  try {
    return rateExact(cdr, ctx);
  } catch (e) {
    if (e instanceof OutOfRange) {
      fallbacks++;
      return rateCdrReference(cdr, ctx);
    }
    throw e;
  }
}

const scratchSpan = { band: 0, until: 0 };

function rateExact(cdr: RatingCdr, ctx: RatingContext): RatingOutcome {
  const { version, line } = ctx;
  const shape = cdrShapeProblem(cdr);
  if (shape) return reject('invalid_cdr', shape);

  let called = cdr.calledNumber;
  if (!isE164Digits(called)) {
    const n = normaliseNumber(called, { countryCode: line.countryCode ?? '' });
    if (!n.ok || !line.countryCode) return reject('invalid_number', `calledNumber ${JSON.stringify(called)} is not E.164 digits${n.ok ? '' : `: ${n.reason}`}`);
    called = n.e164;
  }
  const startMsRaw = parseInstantMs(cdr.startTime);
  if (Number.isNaN(startMsRaw)) return reject('invalid_start_time', `startTime ${JSON.stringify(cdr.startTime)} is not ISO-8601 with an offset`);
  const startMs = Math.floor(startMsRaw / 1000) * 1000;

  const c = compileCatalogueVersion(version);
  const l = c.line(line.offerId, line.partnerId);
  if (!l) {
    if (!offerById(version, line.offerId)) return reject('unknown_offer', `offer ${line.offerId} is not in catalogue version ${version.version}`);
    return reject('unknown_partner', `partner ${line.partnerId} is not in catalogue version ${version.version}`);
  }
  const offer = l.offer;
  if (!isValidZone(line.timeZone)) return reject('unknown_time_zone', `time zone ${line.timeZone} is unknown`);

  let state: RatingState;
  const given = ctx.state;
  if (!given || given.offerId !== offer.id) state = openPeriod(version, line, startMs);
  else if (startMs >= given.periodEndMs) state = openPeriod(version, line, startMs, given);
  else if (startMs < given.periodStartMs) {
    return reject('state_period_mismatch', `the CDR starts before period ${given.periodKey}; rate it with the state of its own period`);
  } else state = given;

  const table = zoneTable(c.bandZone ?? line.timeZone);
  if (!bandSpan(c, table, startMs, scratchSpan)) throw OUT_OF_RANGE;
  const startBand = scratchSpan.band;
  let startBandUntil = scratchSpan.until;
  const startBandId = c.bandIds[startBand]!;

  const node = c.longestPrefixNode(called);
  const inbound = cdr.direction === 'inbound';
  const service = SERVICE_INDEX[cdr.service]!;
  if (node === 0) {
    if (inbound) return freeEvent(c, l, state, null, null, startBandId, null, undefined, undefined, undefined);
    return reject('unknown_destination', `no destination matches ${called}`);
  }
  const dest = c.destAt[node]! - 1;
  const destination = c.destIds[dest]!;
  const prefix = c.prefixAt[node]!;

  const starts = c.start(l, dest, service, inbound, startBand);
  const startRetail = starts.retail;
  if (!startRetail) {
    if (inbound) return freeEvent(c, l, state, destination, prefix, startBandId, null, undefined, undefined, undefined);
    return reject('no_rate_for_service', `no ${cdr.service} rate for destination ${destination} (band ${startBandId}) in price list ${l.retail}`);
  }
  const startWholesale = starts.wholesale;
  if (!startWholesale) return reject('no_wholesale_rate', `no ${cdr.service} rate for destination ${destination} (band ${startBandId}) in wholesale list ${l.wholesale}`);

  const rateExplanation = starts.explanation!;
  const rr = startRetail.resolved;
  const increments = starts.increments;
  const answered = cdr.disposition === 'answered';
  if (!answered && rr.unanswered === 'free') {
    return freeEvent(c, l, state, destination, prefix, startBandId, rateExplanation, increments, startRetail, startWholesale);
  }

  const billed = answered ? billedUnits(cdr.billableUnits, rr.increments, rr.minimumDuration) : 0;

  // Closed user group: the line is in the group and the called number is a member.
  let cug: ClosedUserGroup | undefined;
  const lineCugs = line.cugs;
  if (!inbound && lineCugs && lineCugs.length > 0) {
    const groups = c.cugByMember.get(called);
    if (groups && cdr.callingNumber !== called) {
      for (const g of groups) {
        if (lineCugs.includes(g.id) && g.services.includes(cdr.service)) {
          cug = g;
          break;
        }
      }
    }
  }

  const scopeKey = c.scope(l, dest, service);
  const baskets = inbound || cug ? EMPTY : l.baskets[scopeKey]!;
  const overage = overageSettingOf(offer, line.overage);
  let split: ReturnType<typeof consumeBuckets>;
  if (baskets.length === 0) split = { draws: NO_DRAWS, chargedUnits: billed, chargedAs: 'payg', deniedUnits: 0 };
  else {
    const candidates = new Array<{ basket: string; remaining: number }>(baskets.length);
    for (let i = 0; i < baskets.length; i++) candidates[i] = { basket: baskets[i]!.id, remaining: state.buckets[baskets[i]!.id]?.remaining ?? 0 };
    split = consumeBuckets(candidates, billed, overage.enabled);
  }
  const discount = inbound || cug ? null : l.discount[scopeKey]!;
  const usage0 = discount ? (state.usage[discount.discount.id] ?? ZERO_USAGE) : ZERO_USAGE;
  const bundled = l.bundled;
  const splitting = c.split && cdr.service === 'voice';

  // Walk the billed units in call order, cutting where the bucket, band or discount step changes.
  let drawnTotal = 0;
  for (const d of split.draws) drawnTotal += d.units;
  const segs: Seg[] = [];
  const startStep = discount ? (discount.spend ? stepAt(discount, usage0.spendMicros) : stepAt(discount, usage0.units)) : -1;
  // The start's class decides the connect fee: classify the first unit, as if the call had at least one.
  let startSource: PartSource;
  if (cug) startSource = 'cug';
  else if (billed > 0) startSource = drawnTotal > 0 ? 'bucket' : split.deniedUnits > 0 ? 'denied' : split.chargedAs;
  else {
    let left = false;
    for (const b of baskets) if ((state.buckets[b.id]?.remaining ?? 0) > 0) left = true;
    startSource = baskets.length === 0 ? 'payg' : left ? 'bucket' : overage.enabled ? 'overage' : 'denied';
  }
  let pos = 0;
  let drawIndex = 0;
  let drawEnd = split.draws.length > 0 ? split.draws[0]!.units : 0;
  let band = startBand;
  let bandEndPos = splitting ? Math.ceil((startBandUntil - startMs) / 1000) : Number.POSITIVE_INFINITY;
  while (pos < billed) {
    if (pos >= bandEndPos) {
      if (!bandSpan(c, table, startMs + pos * 1000, scratchSpan)) throw OUT_OF_RANGE;
      band = scratchSpan.band;
      startBandUntil = scratchSpan.until;
      bandEndPos = Math.ceil((startBandUntil - startMs) / 1000);
    }
    let end = billed;
    let source: PartSource;
    let basket: string | undefined;
    let step = -1;
    if (cug) source = 'cug';
    else if (pos < drawnTotal) {
      while (pos >= drawEnd) drawEnd += split.draws[++drawIndex]!.units;
      source = 'bucket';
      basket = split.draws[drawIndex]!.basket;
      end = drawEnd;
    } else if (split.deniedUnits > 0) source = 'denied';
    else {
      source = split.chargedAs;
      if (discount) {
        if (discount.spend) step = startStep;
        else {
          const cumulative = usage0.units + pos;
          step = stepAt(discount, cumulative);
          const next = discount.steps[step + 1];
          if (next) end = Math.min(end, pos + (next.from - cumulative));
        }
      }
    }
    if (bandEndPos < end) end = bandEndPos;
    const last = segs.length > 0 ? segs[segs.length - 1]! : undefined;
    if (last && last.source === source && last.basket === basket && last.band === band && last.step === step) last.units += end - pos;
    else segs.push({ units: end - pos, source, basket, band, step });
    pos = end;
  }

  // Price the parts as exact rationals of millionths.
  const parts: RatingPart[] = new Array(segs.length);
  let rNum = 0;
  let rDen = 1;
  let wNum = 0;
  let wDen = 1;
  let stepUnits: number[] | undefined;
  const isVoice = cdr.service === 'voice';
  for (let k = 0; k < segs.length; k++) {
    const s = segs[k]!;
    const r = s.band === startBand ? startRetail : (c.rate(l.retailRates, l.retail, dest, service, inbound, s.band) ?? startRetail);
    const w = s.band === startBand ? startWholesale : (c.rate(l.wholesaleRates, l.wholesale, dest, service, inbound, s.band) ?? startWholesale);
    // Unit prices as uNum/uDen millionths per `size` units.
    let uNum: number;
    let uDen = 1;
    let size = r.unitSize;
    let wuNum: number;
    let wSize = w.unitSize;
    switch (s.source) {
      case 'cug':
        uNum = decimalTextToMicros((isVoice ? cug!.pricePerMinute : cug!.pricePerUnit) ?? '0');
        size = isVoice ? 60 : 1;
        wuNum = w.priceMicros;
        break;
      case 'bucket':
        uNum = 0;
        wuNum = bundled ? 0 : w.priceMicros;
        break;
      case 'denied':
        uNum = 0;
        wuNum = 0;
        break;
      default: {
        uNum = r.priceMicros;
        if (s.step >= 0) {
          const st = discount!.steps[s.step]!;
          if (st.isAmount) uNum = Math.max(0, uNum - st.amountMicros);
          else {
            const g = gcd(1_000_000 - st.pctE4, 1_000_000);
            uNum = mul(uNum, (1_000_000 - st.pctE4) / g);
            uDen = 1_000_000 / g;
          }
          (stepUnits ??= [])[s.step] = (stepUnits[s.step] ?? 0) + s.units;
        }
        if (s.source === 'overage') {
          const lr = c.rate(l.listRates, l.list, dest, service, inbound, s.band) ?? c.rate(l.retailRates, l.retail, dest, service, inbound, s.band) ?? r;
          wuNum = lr.priceMicros;
          wSize = lr.unitSize;
        } else wuNum = w.priceMicros;
      }
    }
    const aNum = mul(s.units, uNum);
    const aDen = mul(size, uDen);
    const waNum = mul(s.units, wuNum);
    // Accumulate retail and wholesale totals over a common denominator.
    if (aNum !== 0) {
      if (aDen === rDen) rNum = add(rNum, aNum);
      else {
        const g = gcd(rDen, aDen);
        const lcm = mul(rDen / g, aDen);
        rNum = add(mul(rNum, lcm / rDen), mul(aNum, lcm / aDen));
        rDen = lcm;
      }
    }
    if (waNum !== 0) {
      if (wSize === wDen) wNum = add(wNum, waNum);
      else {
        const g = gcd(wDen, wSize);
        const lcm = mul(wDen / g, wSize);
        wNum = add(mul(wNum, lcm / wDen), mul(waNum, lcm / wSize));
        wDen = lcm;
      }
    }
    const part: RatingPart =
      s.source === 'bucket'
        ? { units: s.units, source: s.source, basket: s.basket!, band: c.bandIds[s.band]!, unitPrice: '0', amount: '0', wholesaleUnitPrice: wuNum === 0 ? '0' : w.priceText, wholesaleAmount: preciseText(waNum, wSize) }
        : s.step >= 0
          ? {
              units: s.units,
              source: s.source,
              band: c.bandIds[s.band]!,
              discount: discount!.discount.id,
              discountStep: s.step,
              unitPrice: preciseText(uNum, uDen),
              amount: preciseText(aNum, aDen),
              wholesaleUnitPrice: preciseText(wuNum, 1),
              wholesaleAmount: preciseText(waNum, wSize),
            }
          : {
              units: s.units,
              source: s.source,
              band: c.bandIds[s.band]!,
              unitPrice: preciseText(uNum, uDen),
              amount: preciseText(aNum, aDen),
              wholesaleUnitPrice: preciseText(wuNum, 1),
              wholesaleAmount: preciseText(waNum, wSize),
            };
    parts[k] = part;
  }

  // Connect fees belong to the call's start.
  let retailConnect = 0;
  let wholesaleConnect = 0;
  if (!answered) {
    retailConnect = startRetail.connectMicros;
    wholesaleConnect = startWholesale.connectMicros;
  } else {
    switch (startSource) {
      case 'cug':
        retailConnect = decimalTextToMicros(cug!.connectFee);
        wholesaleConnect = startWholesale.connectMicros;
        break;
      case 'payg':
        retailConnect = startRetail.connectMicros;
        wholesaleConnect = startWholesale.connectMicros;
        break;
      case 'overage':
        retailConnect = startRetail.connectMicros;
        wholesaleConnect = (c.rate(l.listRates, l.list, dest, service, inbound, startBand) ?? startRetail).connectMicros;
        break;
      case 'bucket':
        wholesaleConnect = bundled ? 0 : startWholesale.connectMicros;
        break;
      default:
        break;
    }
  }
  rNum = add(rNum, mul(retailConnect, rDen));
  wNum = add(wNum, mul(wholesaleConnect, wDen));

  const rScale = POW10[6 - startRetail.precision]!;
  const retailRounded = roundDiv(rNum, mul(rDen, rScale), startRetail.mode);
  const wholesaleRounded = roundDiv(wNum, mul(wDen, POW10[6 - startWholesale.precision]!), startWholesale.mode);

  const discountSteps: AppliedDiscountStep[] = [];
  if (stepUnits) {
    for (let i = 0; i < stepUnits.length; i++) {
      const units = stepUnits[i];
      if (units !== undefined) discountSteps.push({ ...discount!.steps[i]!.explained, units });
    }
  }

  // New state.
  let buckets = state.buckets;
  if (split.draws.length > 0) {
    const next: Record<string, BucketBalance> = { ...state.buckets };
    for (const d of split.draws) next[d.basket] = { allowance: next[d.basket]!.allowance, carried: next[d.basket]!.carried, remaining: d.remainingAfter };
    buckets = next;
  }
  let usage = state.usage;
  const inScope = l.inScope[scopeKey]!;
  if (!inbound && !cug && inScope.length > 0) {
    const next: Record<string, DiscountUsage> = { ...state.usage };
    const consumed = billed - split.deniedUnits;
    const spent = mul(retailRounded, rScale);
    for (const id of inScope) {
      const u = next[id] ?? ZERO_USAGE;
      next[id] = { units: u.units + consumed, spendMicros: add(u.spendMicros, spent) };
    }
    usage = next;
  }
  const newState: RatingState =
    buckets === state.buckets && usage === state.usage
      ? state
      : { v: 1, offerId: state.offerId, periodKey: state.periodKey, periodEnd: state.periodEnd, periodStartMs: state.periodStartMs, periodEndMs: state.periodEndMs, buckets, usage };

  return {
    kind: 'rated',
    state: newState,
    charge: {
      billedUnits: billed,
      retail: { amount: fixed(retailRounded, startRetail.precision), precise: preciseText(rNum, rDen), currency: rr.currency },
      wholesale: { amount: fixed(wholesaleRounded, startWholesale.precision), precise: preciseText(wNum, wDen), currency: startWholesale.resolved.currency },
      denied: split.deniedUnits > 0 ? { units: split.deniedUnits, reason: 'allowance_exhausted' } : null,
      explanation: {
        catalogueVersion: version.version,
        offer: offer.id,
        period: state.periodKey,
        destination,
        prefix,
        band: startBandId,
        rate: rateExplanation,
        increments,
        billedUnits: billed,
        connectFee: {
          retail: retailConnect === startRetail.connectMicros ? startRetail.connectText : preciseText(retailConnect, 1),
          wholesale: wholesaleConnect === startWholesale.connectMicros ? startWholesale.connectText : preciseText(wholesaleConnect, 1),
        },
        cug: cug?.id ?? null,
        parts,
        bucketDraws: split.draws.length === 0 ? [] : split.draws,
        discountSteps,
      },
    },
  };
}

const EMPTY: readonly CBasket[] = [];
const NO_DRAWS: readonly never[] = Object.freeze([]);
const ZERO_USAGE: DiscountUsage = { units: 0, spendMicros: 0 };

function freeEvent(
  c: CompiledVersion,
  l: CLine,
  state: RatingState,
  destination: string | null,
  prefix: string | null,
  band: string | null,
  rate: RateExplanation | null,
  increments: { initial: number; subsequent: number; minimum: number } | undefined,
  retail: CRate | undefined,
  wholesale: CRate | undefined,
): RatingOutcome {
  const currency = (id: string) => c.version.priceLists.find((p) => p.id === id)?.currency ?? '';
  const rPrecision = retail?.precision ?? 4;
  const wPrecision = wholesale?.precision ?? rPrecision;
  return {
    kind: 'rated',
    state,
    charge: {
      billedUnits: 0,
      retail: { amount: fixed(0, rPrecision), precise: '0', currency: retail?.resolved.currency ?? currency(c.version.defaults.retailPriceList) },
      wholesale: { amount: fixed(0, wPrecision), precise: '0', currency: wholesale?.resolved.currency ?? currency(c.version.defaults.wholesalePriceList) },
      denied: null,
      explanation: {
        catalogueVersion: c.version.version,
        offer: l.offer.id,
        period: state.periodKey,
        destination,
        prefix,
        band,
        rate,
        increments: increments ?? { initial: 0, subsequent: 0, minimum: 0 },
        billedUnits: 0,
        connectFee: { retail: '0', wholesale: '0' },
        cug: null,
        parts: [],
        bucketDraws: [],
        discountSteps: [],
      },
    },
  };
}
