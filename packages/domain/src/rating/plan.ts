// The compiled rating plan of a catalogue version: everything the fast engine (./engine.ts) looks up per CDR,
// resolved once and laid out for a few memory reads. A digit trie for destinations; a weekly minute table,
// holidays by day and per-zone UTC-offset tables for bands; and per line kind (offer x partner) one flat
// route per destination x service x direction x band holding the start rates as integers of millionths, the
// baskets and discount in scope, and the explanation objects that do not depend on the call (rate,
// increments, connect fees), built once and shared (frozen) by every event that uses them.
import type { CatalogueVersion, ClosedUserGroup, Discount, Offer, Service } from '../catalogue/schema.js';
import { SERVICES, WEEKDAYS } from '../catalogue/schema.js';
import { offerById, partnerBillingOf, partnerById, priceListsForPartner, resolveRate, type ResolvedRate } from '../catalogue/lookup.js';
import { daysFromCivil, daysInMonth } from '../time/instant.js';
import { spanIndex, zoneTable, type ZoneTable } from '../time/zone.js';
import { MAX_SAFE, MODE_INDEX, decimalTextToMicros, fixedText, gcd, preciseText } from './exact.js';
import type { AppliedDiscountStep, RateExplanation } from './types.js';

const MS_PER_DAY = 86_400_000;
export const SERVICE_COUNT = SERVICES.length;

/** A rate as the engine uses it: integer millionths and the texts an explanation shows. */
export interface CRate {
  readonly resolved: ResolvedRate;
  readonly currency: string;
  /** Price per `unitSize` billed units (60 s for voice), in millionths. */
  readonly priceMicros: number;
  readonly unitSize: number;
  readonly connectMicros: number;
  /** The price and connect fee as precise texts ("0.025"). */
  readonly priceText: string;
  readonly connectText: string;
  readonly precision: number;
  readonly mode: number;
}

function compileRate(r: ResolvedRate | undefined): CRate | null {
  if (!r) return null;
  const priceMicros = decimalTextToMicros(r.price);
  const connectMicros = decimalTextToMicros(r.connectFee);
  return {
    resolved: r,
    currency: r.currency,
    priceMicros,
    unitSize: r.unitSize,
    connectMicros,
    priceText: preciseText(priceMicros, 1),
    connectText: preciseText(connectMicros, 1),
    precision: r.rounding.precision,
    mode: MODE_INDEX[r.rounding.mode],
  };
}

export interface CStep {
  /** Units (seconds for the minutes basis) or millionths (spend basis) from which the step applies. */
  readonly from: number;
  /** Percentage in 1e-4 % (12.5 % -> 125000), or 0 for an amount step. */
  readonly pctE4: number;
  readonly amountMicros: number;
  readonly isAmount: boolean;
  /** A percentage step's price factor in lowest terms: price x factorNum / factorDen (discountedPrice's). */
  readonly factorNum: number;
  readonly factorDen: number;
  readonly threshold: string;
  readonly percentage: string | undefined;
  readonly amount: string | undefined;
}

export interface CDiscount {
  readonly id: string;
  readonly spend: boolean;
  readonly steps: readonly CStep[];
}

function compileDiscount(d: Discount): CDiscount {
  const scale = d.basis === 'minutes' ? 60 : 1;
  return {
    id: d.id,
    spend: d.basis === 'spend',
    steps: d.steps.map((s) => {
      const pctE4 = s.percentage === undefined ? 0 : Math.round(decimalTextToMicros(s.percentage) / 100);
      const g = gcd(1_000_000 - pctE4, 1_000_000);
      return {
        from: d.basis === 'spend' ? decimalTextToMicros(s.threshold) : Number(s.threshold) * scale,
        pctE4,
        amountMicros: s.amount === undefined ? 0 : decimalTextToMicros(s.amount),
        isAmount: s.amount !== undefined,
        factorNum: (1_000_000 - pctE4) / g,
        factorDen: 1_000_000 / g,
        threshold: s.threshold,
        percentage: s.percentage,
        amount: s.amount,
      };
    }),
  };
}

/**
 * A unit price after a step as num/den millionths, written to stepNum/stepDen (no object: the batch rater's
 * path); false when the exact value would leave the safe-integer range. The same values as discountedPrice.
 */
export let stepNum = 0;
export let stepDen = 1;
export function stepPrice(priceMicros: number, s: CStep): boolean {
  if (s.isAmount) {
    stepNum = priceMicros > s.amountMicros ? priceMicros - s.amountMicros : 0;
    stepDen = 1;
    return true;
  }
  const num = priceMicros * s.factorNum;
  if (num > MAX_SAFE) return false;
  stepNum = num;
  stepDen = s.factorDen;
  return true;
}

/** The step in force at a cumulative usage, or -1 below the first (thresholds increase strictly). */
export function stepAt(d: CDiscount, cumulative: number): number {
  const steps = d.steps;
  let found = -1;
  for (let i = 0; i < steps.length; i++) if (cumulative >= steps[i]!.from) found = i;
  return found;
}

/** One applied step as an explanation shows it. */
export function appliedStep(d: CDiscount, step: number, units: number): AppliedDiscountStep {
  const s = d.steps[step]!;
  return s.isAmount
    ? { discount: d.id, step, threshold: s.threshold, amount: s.amount!, units }
    : { discount: d.id, step, threshold: s.threshold, percentage: s.percentage!, units };
}

/** A unit price after a discount step, as the rational num/den millionths per unitSize, with its text. */
export interface StepPrice {
  readonly num: number;
  readonly den: number;
  readonly text: string;
}

/** The price after a step; undefined when the exact value would leave the safe-integer range. */
function discountedPrice(priceMicros: number, s: CStep): StepPrice | undefined {
  if (s.isAmount) {
    const num = Math.max(0, priceMicros - s.amountMicros);
    return { num, den: 1, text: preciseText(num, 1) };
  }
  const num = priceMicros * s.factorNum;
  if (num > MAX_SAFE) return undefined;
  const den = s.factorDen;
  return { num, den, text: preciseText(num, den) };
}

export interface ConnectFeeText {
  readonly retail: string;
  readonly wholesale: string;
}

const connectTexts = new Map<string, ConnectFeeText>();
/** Connect-fee explanation objects are shared: equal texts, one frozen object. */
function connectFeeText(retail: string, wholesale: string): ConnectFeeText {
  const key = `${retail}|${wholesale}`;
  let t = connectTexts.get(key);
  if (!t) connectTexts.set(key, (t = Object.freeze({ retail, wholesale })));
  return t;
}

export interface Increments3 {
  readonly initial: number;
  readonly subsequent: number;
  readonly minimum: number;
}

const ZERO_INCREMENTS: Increments3 = Object.freeze({ initial: 0, subsequent: 0, minimum: 0 });
export const NO_STRINGS: readonly string[] = Object.freeze([]);

/**
 * Everything about a (line kind, destination, service, direction, band) that does not depend on the call.
 * `retail` null: no rate (the event is rejected, or free when inbound); `wholesale` null: rejected.
 * A CDR's time goes mostly to waiting for memory, so the fields every call reads come first (one or two cache
 * lines), numbers are stored on the route itself, and the arrays it points to are shared by every route with
 * the same content (they stay in cache).
 */
export interface Route {
  readonly retail: CRate | null;
  readonly wholesale: CRate | null;
  readonly unansweredFree: boolean;
  /** Increments and minimum of the retail rate (billed units), as numbers and as the explanation's object. */
  readonly initial: number;
  readonly subsequent: number;
  readonly minimum: number;
  /** Baskets covering the destination and service, in draw order (none for inbound). Shared. */
  readonly baskets: readonly string[];
  /** The discount applying (the offer's first in scope) and every in-scope discount (their counters move). Shared. */
  readonly discount: CDiscount | null;
  readonly inScope: readonly string[];
  // The rates as plain numbers and texts.
  readonly rPrice: number;
  readonly rSize: number;
  readonly rPriceText: string;
  readonly wPrice: number;
  readonly wSize: number;
  readonly wPriceText: string;
  readonly rConnect: number;
  readonly wConnect: number;
  readonly rPrecision: number;
  readonly rMode: number;
  readonly wPrecision: number;
  readonly wMode: number;
  readonly rCurrency: string;
  readonly wCurrency: string;
  readonly explanation: RateExplanation | null;
  readonly increments: Increments3;
  /** Connect-fee explanations by the class of the call's start. */
  readonly connectCharged: ConnectFeeText;
  readonly connectOverage: ConnectFeeText;
  readonly connectBucket: ConnectFeeText;
  readonly wholesaleConnectOverage: number;
  /** Retail unit price after each step of `discount`, at this route's retail rate (undefined: out of range). */
  readonly stepPrices: readonly (StepPrice | undefined)[];
  /** What overage is charged to the partner at: the operator's list rate, else the retail rate. */
  readonly listOrRetail: CRate | null;
  readonly lPrice: number;
  readonly lSize: number;
  readonly lPriceText: string;
  /** "0.0000" at each side's precision (free events). */
  readonly zeroRetail: string;
  readonly zeroWholesale: string;
  // Dense indices for the batch rater (./batch.ts), which keeps line state in typed arrays rather than records.
  /** Index in CompiledVersion.routeList. */
  readonly id: number;
  /** `baskets` as indices into the offer's baskets (the slots of a line's bucket array). Shared. */
  readonly basketSlots: Int32Array;
  /** `inScope` as indices into the version's discounts (the slots of a line's usage arrays). Shared. */
  readonly inScopeSlots: Int32Array;
  /** `discount` as an index into the version's discounts, -1 for none. */
  readonly discountSlot: number;
}

/** What an offer sold by a partner (or directly) needs at rating time, resolved once. */
export interface CLine {
  readonly offer: Offer;
  readonly retail: string;
  readonly wholesale: string;
  readonly list: string;
  readonly bundled: boolean;
  readonly retailRates: (CRate | null | undefined)[];
  readonly wholesaleRates: (CRate | null | undefined)[];
  readonly listRates: (CRate | null | undefined)[];
  readonly routes: (Route | undefined)[];
  /**
   * The batch rater's rate rows by route key (RATE_STRIDE int32 each, RT_* fields), shared by every line kind
   * with the same retail, wholesale and list price lists: a route's numbers depend only on those three rates.
   */
  readonly rateRows: Int32Array;
  /** Scope id + 1 by destination x service (0: not looked up yet), shared by every line kind of the offer. */
  readonly scopeIds: Int32Array;
  /** Currencies of free events without a rate. */
  readonly retailCurrency: string;
  readonly wholesaleCurrency: string;
}

/** Day numbers covered by the holiday table (local days of the zone tables' range, with margin). */
const HOLIDAY_FROM_DAY = daysFromCivil(1989, 1, 1);
const HOLIDAY_TO_DAY = daysFromCivil(2061, 1, 1);

// Rate rows: the numbers of a route the batch rater reads per CDR, RATE_STRIDE int32s (one cache line) at
// RATE_STRIDE x route key in the rows of the line kind's price lists (CLine.rateRows). Addressed directly by
// the key (no index to read first), shared by every offer sold with the same lists (a fifth of the rows of one
// per line kind), built on first use from the route object (equal by construction, plan.test.ts checks it).
// A route with a number beyond int32 is marked RF_WIDE and its CDRs are rated by rateCdr.
/** Bits of RT_FLAGS. */
export const RF_RETAIL = 1;
export const RF_WHOLESALE = 2;
export const RF_UNANSWERED_FREE = 4;
export const RF_LIST = 8;
export const RF_BUILT = 16;
export const RF_WIDE = 32;
export const RT_FLAGS = 0;
export const RT_INITIAL = 1;
export const RT_SUBSEQUENT = 2;
export const RT_MINIMUM = 3;
export const RT_R_PRICE = 4;
export const RT_R_SIZE = 5;
export const RT_W_PRICE = 6;
export const RT_W_SIZE = 7;
export const RT_R_CONNECT = 8;
export const RT_W_CONNECT = 9;
export const RT_W_CONNECT_OVERAGE = 10;
export const RT_L_PRICE = 11;
export const RT_L_SIZE = 12;
/** rPrecision + 8 x rMode + 64 x wPrecision + 512 x wMode (precisions 0..6, modes 0..7). */
export const RT_ROUNDING = 13;
export const RATE_STRIDE = 16;

/** What a route's line kind puts in scope (baskets, discounts), shared by every route with the same content. */
export interface RouteScope {
  readonly basketSlots: Int32Array;
  readonly inScopeSlots: Int32Array;
  readonly discount: CDiscount | null;
  readonly discountSlot: number;
}

// Trie layout (compact: 0.5 MB for the benchmark's 60,490 prefixes, against 1.84 MB with ten slots a node, so
// that it stays in L2 beside the lines' records): an inner node (the root and every node with children) is a
// header word, then one word per child present, in digit order. The header holds the digits present as a
// 10-bit mask (bit d: digit d) and, above it (>>> 10), the id of the node itself when it ends a prefix (else
// 0). A child's word is its offset (> 0) when it is an inner node, or minus its id when it is a leaf (a prefix
// with no longer prefix below it: most of them); leaves take no room. Digit d's child is at 1 + the number of
// digits below d present (TRIE_RANK). Inner nodes are in depth-first order, so a walk stays near where it
// started. Node ids index nodeInfo and destOfNode.
/** The number of bits set in each 10-bit mask. */
export const TRIE_RANK = new Uint8Array(1024);
for (let m = 1; m < 1024; m++) TRIE_RANK[m] = (m & 1) + TRIE_RANK[m >>> 1]!;
/** Node ids above this do not fit a header (22 bits above the mask). */
const TRIE_MAX_ID = 0x3fffff;

/** The word of digit d's child of the inner node at `node`: its offset (> 0), minus a leaf's id, or 0 (none). */
export function trieChild(trie: Int32Array, node: number, d: number): number {
  const header = trie[node]!;
  const bit = 1 << d;
  return (header & bit) === 0 ? 0 : trie[node + 1 + TRIE_RANK[header & (bit - 1)]!]!;
}

export class CompiledVersion {
  readonly destIds: string[] = [];
  readonly bandIds: string[];
  readonly bandCount: number;
  /** Trie (see TRIE_RANK); root at 0. */
  readonly trie: Int32Array;
  /** The inner node reached by the first four digits (0: the walk ends earlier), and the best node id up to there. */
  readonly root4Node = new Int32Array(10_000);
  readonly root4Best = new Int32Array(10_000);
  /** By node id: destination index at 2 x id, prefix text at 2 x id + 1 (side by side: one cache line). */
  readonly nodeInfo: (number | string)[];
  /** By node id: destination index (as nodeInfo, in a typed array for the batch rater's lookups; 16-bit below 32,768 destinations). */
  readonly destOfNode: Int16Array | Int32Array;
  /** Band index per minute of the week (Monday 00:00 = 0) and minutes until the band changes. */
  readonly weekly = new Uint8Array(7 * 1440);
  readonly nextChange = new Int32Array(7 * 1440);
  /** Holiday band + 1 by local day (HOLIDAY_FROM_DAY first), 0 = not a holiday. */
  readonly holidayByDay: Int8Array | Int16Array;
  readonly hasHolidays: boolean;
  readonly split: boolean;
  /** The schedule's own zone table, when the time bands name a zone (else the customer's zone applies). */
  readonly bandTable: ZoneTable | null;
  readonly cugByMember = new Map<string, ClosedUserGroup[]>();
  readonly discounts = new Map<string, CDiscount>();
  readonly lines = new Map<string, Map<string, CLine | null>>();
  readonly listCaches = new Map<string, (CRate | null | undefined)[]>();
  readonly rateExplanations = new Map<CRate, Map<CRate, RateExplanation>>();
  readonly keySpace: number;
  /** Every route built so far, by Route.id. */
  readonly routeList: Route[] = [];
  /** Distinct route scopes (CLine.scopeIds). */
  readonly scopes: RouteScope[] = [];
  private readonly scopeIndex = new Map<string, number>();
  private readonly rateRowsByLists = new Map<string, Int32Array>();
  private readonly scopeIdsByOffer = new Map<string, Int32Array>();
  /** The version's discount ids in declaration order (the slots of a line's usage arrays). */
  readonly discountIds: string[];

  constructor(readonly version: CatalogueVersion) {
    // Build the trie in growable arrays, then pack it.
    const children: number[] = new Array(10).fill(0);
    const dest: number[] = [0];
    const prefixes: (string | undefined)[] = [undefined];
    version.destinations.forEach((d, di) => {
      this.destIds.push(d.id);
      for (const p of d.prefixes) {
        let node = 0;
        for (let i = 0; i < p.length; i++) {
          const slot = node * 10 + p.charCodeAt(i) - 48;
          let child = children[slot]!;
          if (child === 0) {
            child = dest.length;
            dest.push(0);
            prefixes.push(undefined);
            for (let k = 0; k < 10; k++) children.push(0);
            children[slot] = child;
          }
          node = child;
        }
        dest[node] = di + 1;
        prefixes[node] = p;
      }
    });
    if (dest.length > TRIE_MAX_ID) throw new RangeError(`catalogue version: ${dest.length} prefix-trie nodes, more than the ${TRIE_MAX_ID} supported`);
    // Inner nodes (the root and nodes with children) get offsets in depth-first order, so a walk stays near
    // where it started; leaves get none.
    const offset = new Int32Array(dest.length).fill(-1);
    let size = 0;
    const stack = [0];
    while (stack.length > 0) {
      const n = stack.pop()!;
      let kids = 0;
      for (let k = 0; k < 10; k++) if (children[n * 10 + k] !== 0) kids++;
      if (kids === 0 && n !== 0) continue;
      offset[n] = size;
      size += 1 + kids;
      for (let k = 9; k >= 0; k--) if (children[n * 10 + k] !== 0) stack.push(children[n * 10 + k]!);
    }
    const trie = new Int32Array(size);
    for (let n = 0; n < dest.length; n++) {
      const at = offset[n]!;
      if (at < 0) continue;
      let mask = 0;
      let slot = at + 1;
      for (let k = 0; k < 10; k++) {
        const child = children[n * 10 + k]!;
        if (child === 0) continue;
        mask |= 1 << k;
        trie[slot++] = offset[child]! >= 0 ? offset[child]! : -child;
      }
      trie[at] = mask | ((dest[n] !== 0 ? n : 0) << 10);
    }
    this.trie = trie;
    this.destOfNode = version.destinations.length < 32_768 ? Int16Array.from(dest, (d) => d - 1) : Int32Array.from(dest, (d) => d - 1);
    this.nodeInfo = [];
    for (let n = 0; n < dest.length; n++) this.nodeInfo.push(dest[n]! - 1, prefixes[n] ?? '');
    for (let x = 0; x < 10_000; x++) {
      let node = 0;
      let best = 0;
      for (let d = 1000; d >= 1; d = d / 10) {
        const child = trieChild(trie, node, Math.floor(x / d) % 10);
        if (child <= 0) {
          if (child < 0) best = -child;
          node = 0;
          break;
        }
        node = child;
        if (trie[node]! >>> 10 !== 0) best = trie[node]! >>> 10;
      }
      this.root4Node[x] = node;
      this.root4Best[x] = best;
    }

    const tb = version.timeBands;
    this.bandIds = tb.bands.map((b) => b.id);
    this.bandCount = this.bandIds.length;
    this.split = tb.splitAtBoundary;
    this.bandTable = tb.timeZone === undefined ? null : zoneTable(tb.timeZone);
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
    // First listed holiday wins for a day; yearly dates are expanded over the table's years.
    this.holidayByDay = this.bandCount < 127 ? new Int8Array(HOLIDAY_TO_DAY - HOLIDAY_FROM_DAY) : new Int16Array(HOLIDAY_TO_DAY - HOLIDAY_FROM_DAY);
    const bandIndex = new Map(this.bandIds.map((id, i) => [id, i]));
    for (const h of tb.holidays) {
      const band = bandIndex.get(h.band)!;
      const month = Number(h.date.slice(-5, -3));
      const day = Number(h.date.slice(-2));
      const years = h.date.startsWith('--') ? Array.from({ length: 2061 - 1989 }, (_, i) => 1989 + i) : [Number(h.date.slice(0, 4))];
      for (const y of years) {
        if (day > daysInMonth(y, month)) continue;
        const d = daysFromCivil(y, month, day);
        if (d < HOLIDAY_FROM_DAY || d >= HOLIDAY_TO_DAY) continue; // outside the zone tables: such CDRs go to the reference
        if (this.holidayByDay[d - HOLIDAY_FROM_DAY] === 0) this.holidayByDay[d - HOLIDAY_FROM_DAY] = band + 1;
      }
    }
    this.hasHolidays = tb.holidays.length > 0;
    for (const g of version.closedUserGroups) {
      for (const m of g.members) {
        const list = this.cugByMember.get(m);
        if (list) list.push(g);
        else this.cugByMember.set(m, [g]);
      }
    }
    for (const d of version.discounts) this.discounts.set(d.id, compileDiscount(d));
    this.discountIds = version.discounts.map((d) => d.id);
    this.keySpace = this.destIds.length * SERVICE_COUNT * 2 * this.bandCount;
  }

  /** The node id of the longest prefix of a number (E.164 digits) naming a destination, or 0. */
  longestPrefixNode(number: string): number {
    const trie = this.trie;
    const n = number.length;
    let node = 0;
    let best = 0;
    let i = 0;
    if (n >= 4) {
      const x = (number.charCodeAt(0) - 48) * 1000 + (number.charCodeAt(1) - 48) * 100 + (number.charCodeAt(2) - 48) * 10 + (number.charCodeAt(3) - 48);
      node = this.root4Node[x]!;
      best = this.root4Best[x]!;
      if (node === 0) return best;
      i = 4;
    }
    for (; i < n; i++) {
      const child = trieChild(trie, node, number.charCodeAt(i) - 48);
      if (child <= 0) return child < 0 ? -child : best;
      node = child;
      const id = trie[node]! >>> 10;
      if (id !== 0) best = id;
    }
    return best;
  }

  /** The destination index of a node id found by longestPrefixNode. */
  destinationOf(node: number): number {
    return this.nodeInfo[2 * node] as number;
  }

  /** The prefix text of a node id found by longestPrefixNode. */
  prefixOf(node: number): string {
    return this.nodeInfo[2 * node + 1] as string;
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
        const currency = (id: string) => this.version.priceLists.find((p) => p.id === id)?.currency ?? '';
        l = {
          offer,
          retail: lists.retail,
          wholesale: lists.wholesale,
          list: lists.list,
          bundled: partnerBillingOf(offer) === 'bundled',
          retailRates: this.listCache(lists.retail),
          wholesaleRates: this.listCache(lists.wholesale),
          listRates: this.listCache(lists.list),
          routes: new Array(this.keySpace),
          rateRows: this.rateRowsOf(`${lists.retail}\u0000${lists.wholesale}\u0000${lists.list}`),
          scopeIds: this.scopeIdsOf(offer.id),
          retailCurrency: currency(this.version.defaults.retailPriceList),
          wholesaleCurrency: currency(this.version.defaults.wholesalePriceList),
        };
      }
      byPartner.set(partnerKey, l);
    }
    return l;
  }

  /** The route of a line for a destination, service, direction and band (built on first use). */
  route(l: CLine, dest: number, service: number, inbound: boolean, band: number): Route {
    const key = ((dest * SERVICE_COUNT + service) * 2 + (inbound ? 1 : 0)) * this.bandCount + band;
    const r = l.routes[key];
    return r === undefined ? this.buildRoute(l, key, dest, service, inbound, band) : r;
  }

  /** The route of a line kind by its key (as `route`; the key encodes destination, service, direction, band). */
  routeAt(l: CLine, key: number): Route {
    const r = l.routes[key];
    if (r !== undefined) return r;
    const band = key % this.bandCount;
    const direction = ((key - band) / this.bandCount) % 2;
    const ds = (key - band) / this.bandCount / 2 - direction / 2;
    const service = ds % SERVICE_COUNT;
    return this.buildRoute(l, key, (ds - service) / SERVICE_COUNT, service, direction === 1, band);
  }

  /** Writes the rate row of a route key in the line kind's rows (RF_BUILT set), from the route object. */
  buildRateRow(l: CLine, key: number): void {
    const r = this.routeAt(l, key);
    const rows = l.rateRows;
    const at = key * RATE_STRIDE;
    const values = [r.initial, r.subsequent, r.minimum, r.rPrice, r.rSize, r.wPrice, r.wSize, r.rConnect, r.wConnect, r.wholesaleConnectOverage, r.lPrice, r.lSize];
    let wide = false;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if ((v | 0) !== v) wide = true;
      rows[at + RT_INITIAL + i] = v;
    }
    rows[at + RT_ROUNDING] = r.rPrecision + 8 * r.rMode + 64 * r.wPrecision + 512 * r.wMode;
    rows[at + RT_FLAGS] =
      RF_BUILT | (r.retail !== null ? RF_RETAIL : 0) | (r.wholesale !== null ? RF_WHOLESALE : 0) | (r.unansweredFree ? RF_UNANSWERED_FREE : 0) | (r.listOrRetail !== null ? RF_LIST : 0) | (wide ? RF_WIDE : 0);
  }

  /** What an outbound route of the line kind to a destination and service puts in scope (any band: the same). */
  scopeOf(l: CLine, dest: number, service: number): RouteScope {
    const at = dest * SERVICE_COUNT + service;
    const id = l.scopeIds[at]!;
    if (id !== 0) return this.scopes[id - 1]!;
    const r = this.route(l, dest, service, false, 0);
    const key = `${r.basketSlots.join(',')}|${r.inScopeSlots.join(',')}|${r.discountSlot}`;
    let scope = this.scopeIndex.get(key);
    if (scope === undefined) {
      scope = this.scopes.length;
      this.scopes.push(Object.freeze({ basketSlots: r.basketSlots, inScopeSlots: r.inScopeSlots, discount: r.discount, discountSlot: r.discountSlot }));
      this.scopeIndex.set(key, scope);
    }
    l.scopeIds[at] = scope + 1;
    return this.scopes[scope]!;
  }

  private rateRowsOf(lists: string): Int32Array {
    let rows = this.rateRowsByLists.get(lists);
    if (!rows) this.rateRowsByLists.set(lists, (rows = new Int32Array(this.keySpace * RATE_STRIDE)));
    return rows;
  }

  private scopeIdsOf(offerId: string): Int32Array {
    let ids = this.scopeIdsByOffer.get(offerId);
    if (!ids) this.scopeIdsByOffer.set(offerId, (ids = new Int32Array(this.destIds.length * SERVICE_COUNT)));
    return ids;
  }

  private buildRoute(l: CLine, key: number, dest: number, service: number, inbound: boolean, band: number): Route {
    const retail = this.rate(l.retailRates, l.retail, dest, service, inbound, band);
    const wholesale = this.rate(l.wholesaleRates, l.wholesale, dest, service, inbound, band);
    const listOrRetail = this.rate(l.listRates, l.list, dest, service, inbound, band) ?? retail;
    const destination = this.destIds[dest]!;
    const svc = SERVICES[service]! as Service;
    let baskets = NO_STRINGS;
    let inScope = NO_STRINGS;
    let discount: CDiscount | null = null;
    if (!inbound) {
      baskets = this.shared(l.offer.baskets.filter((b) => b.service === svc && b.destinations.includes(destination)).map((b) => b.id));
      inScope = this.shared(
        l.offer.discounts.filter((id) => {
          const d = this.version.discounts.find((x) => x.id === id)!;
          return d.services.includes(svc) && (d.destinations === undefined || d.destinations.includes(destination));
        }),
      );
      discount = inScope.length > 0 ? this.discounts.get(inScope[0]!)! : null;
    }
    const increments: Increments3 = retail
      ? this.sharedIncrements(retail.resolved.increments.initial, retail.resolved.increments.subsequent, retail.resolved.minimumDuration)
      : ZERO_INCREMENTS;
    const rc = retail?.connectText ?? '0';
    const wc = wholesale?.connectText ?? '0';
    const wOverage = (listOrRetail ?? retail)?.connectMicros ?? 0;
    const route: Route = {
      retail,
      wholesale,
      unansweredFree: retail ? retail.resolved.unanswered === 'free' : true,
      initial: increments.initial,
      subsequent: increments.subsequent,
      minimum: increments.minimum,
      baskets,
      discount,
      inScope,
      rPrice: retail?.priceMicros ?? 0,
      rSize: retail?.unitSize ?? 1,
      rPriceText: retail?.priceText ?? '0',
      wPrice: wholesale?.priceMicros ?? 0,
      wSize: wholesale?.unitSize ?? 1,
      wPriceText: wholesale?.priceText ?? '0',
      rConnect: retail?.connectMicros ?? 0,
      wConnect: wholesale?.connectMicros ?? 0,
      rPrecision: retail?.precision ?? 4,
      rMode: retail?.mode ?? 0,
      wPrecision: wholesale?.precision ?? 4,
      wMode: wholesale?.mode ?? 0,
      rCurrency: retail?.currency ?? '',
      wCurrency: wholesale?.currency ?? '',
      explanation: retail && wholesale ? this.explainRate(retail, wholesale) : null,
      increments,
      connectCharged: connectFeeText(rc, wc),
      connectOverage: connectFeeText(rc, preciseText(wOverage, 1)),
      connectBucket: connectFeeText('0', l.bundled ? '0' : wc),
      wholesaleConnectOverage: wOverage,
      stepPrices: discount && retail ? discount.steps.map((s) => discountedPrice(retail.priceMicros, s)) : [],
      listOrRetail,
      lPrice: listOrRetail?.priceMicros ?? 0,
      lSize: listOrRetail?.unitSize ?? 1,
      lPriceText: listOrRetail?.priceText ?? '0',
      zeroRetail: fixedText(0, retail?.precision ?? 4),
      zeroWholesale: fixedText(0, wholesale?.precision ?? retail?.precision ?? 4),
      id: this.routeList.length,
      basketSlots: this.slots(baskets, l.offer.baskets.map((b) => b.id)),
      inScopeSlots: this.slots(inScope, this.discountIds),
      discountSlot: discount === null ? -1 : this.discountIds.indexOf(discount.id),
    };
    this.routeList.push(route);
    l.routes[key] = route;
    return route;
  }

  private readonly sharedLists = new Map<string, readonly string[]>();
  /** One frozen array per content, shared by every route. */
  private shared(ids: string[]): readonly string[] {
    if (ids.length === 0) return NO_STRINGS;
    const key = ids.join('\u0000');
    let list = this.sharedLists.get(key);
    if (!list) this.sharedLists.set(key, (list = Object.freeze(ids)));
    return list;
  }

  private readonly sharedSlots = new Map<string, Int32Array>();
  /** Positions of ids in a list, one shared array per content. */
  private slots(ids: readonly string[], all: readonly string[]): Int32Array {
    const positions = ids.map((id) => all.indexOf(id));
    const key = positions.join(',');
    let a = this.sharedSlots.get(key);
    if (!a) this.sharedSlots.set(key, (a = Int32Array.from(positions)));
    return a;
  }

  private readonly incrementsByKey = new Map<string, Increments3>();
  private sharedIncrements(initial: number, subsequent: number, minimum: number): Increments3 {
    const key = `${initial}/${subsequent}/${minimum}`;
    let inc = this.incrementsByKey.get(key);
    if (!inc) this.incrementsByKey.set(key, (inc = Object.freeze({ initial, subsequent, minimum })));
    return inc;
  }

  rate(cache: (CRate | null | undefined)[], listId: string, dest: number, service: number, inbound: boolean, band: number): CRate | null {
    const key = ((dest * SERVICE_COUNT + service) * 2 + (inbound ? 1 : 0)) * this.bandCount + band;
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

  private explainRate(r: CRate, w: CRate): RateExplanation {
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
let lastVersion: CatalogueVersion | undefined;
let lastCompiled: CompiledVersion | undefined;

/** Compiles a catalogue version for the fast engine (done on first use; call it ahead to keep latency flat). */
export function compileCatalogueVersion(version: CatalogueVersion): CompiledVersion {
  if (version === lastVersion) return lastCompiled!;
  let c = compiledVersions.get(version);
  if (!c) {
    c = new CompiledVersion(version);
    compiledVersions.set(version, c);
  }
  lastVersion = version;
  lastCompiled = c;
  return c;
}

/** Whether a zone is known and its offset table (built on first use). */
export interface ZoneInfo {
  readonly valid: boolean;
  readonly table: ZoneTable | null;
}

const zones = new Map<string, ZoneInfo>();
export function zoneInfo(zone: string, isValid: (zone: string) => boolean): ZoneInfo {
  let z = zones.get(zone);
  if (z === undefined) {
    const valid = isValid(zone);
    z = { valid, table: valid ? zoneTable(zone) : null };
    zones.set(zone, z);
  }
  return z;
}

/** The band at an instant and the instant it may change next (exclusive), written to `span`. */
export const span = { band: 0, until: 0 };

/** Fills `span` for an instant; false outside the zone table (the caller falls back to the reference). */
export function bandSpan(c: CompiledVersion, table: ZoneTable, ms: number): boolean {
  const at = spanIndex(table, ms);
  if (at < 0) return false;
  const offsetMs = table.offsets[at]! * 60_000;
  const local = ms + offsetMs;
  const days = Math.floor(local / MS_PER_DAY);
  const minuteOfDay = Math.floor((local - days * MS_PER_DAY) / 60_000);
  const weekday = (((days + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const midnight = (days + 1) * MS_PER_DAY - offsetMs;
  const nextOffset = at + 1 < table.starts.length ? table.starts[at + 1]! : table.toMs;
  const holiday = c.hasHolidays ? c.holidayByDay[days - HOLIDAY_FROM_DAY]! - 1 : -1;
  let band: number;
  let until: number;
  if (holiday >= 0) {
    band = holiday;
    until = midnight;
  } else {
    const m = weekday * 1440 + minuteOfDay;
    band = c.weekly[m]!;
    const minuteStart = local - (local % 60_000) - offsetMs;
    until = Math.min(minuteStart + c.nextChange[m]! * 60_000, midnight);
  }
  span.band = band;
  span.until = until < nextOffset ? until : nextOffset;
  return true;
}
