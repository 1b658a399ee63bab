// Batch rating: many CDRs of a set of lines rated into preallocated columns, with the lines' bucket and
// discount counters held in typed arrays indexed by a dense line index (and, inside a line, by the offer's
// basket order and the version's discount order). Every amount and every counter change is computed when a CDR
// is rated; what is deferred is only building the explanation objects and texts, which `outcomeAt` /
// `outcomes` materialise from the columns and the compiled plan, equal to what rateCdr returns for the same
// CDR and state (equivalence.test.ts and batch.test.ts prove it against the decimal reference).
//
// Why: one CDR through rateCdr builds an outcome object graph and a new state object (a copied record per
// counter) and reads the caller's line and state objects by dynamic key; at 20,000 lines that costs more than
// the rating itself (docs/rating.md, Performance). Here a CDR allocates nothing: its results are numbers in
// typed arrays, its parts and bucket draws rows of side tables.
//
// The rules are those of ./engine.ts (the same route, band, trie, step and CUG helpers, the same order of
// bucket draws, segment cuts, pricing and rounding). Anything off the common path (an invalid CDR, a number
// to normalise, a period to open, a rejection, an inbound event without a rate, a value beyond safe integers)
// goes through rateCdr itself with the line's state materialised, and its outcome object is kept as is.
import { SERVICES, type CatalogueVersion, type ClosedUserGroup } from '../catalogue/schema.js';
import { isE164Digits } from '../numbers/normalise.js';
import { parseInstantMs } from '../time/instant.js';
import type { ZoneTable } from '../time/zone.js';
import { OutOfRange, OUT_OF_RANGE, POW10, add, addOver, mul, preciseText, roundDiv, sumDenominator } from './exact.js';
import { amountText, BUCKET, CUG, cugConnectMicros, cugFor, cugPriceMicros, DENIED, DENIED_REASON, freeEvent, isValidZone, NO_CONNECT, NO_DRAWS, NO_PARTS, NO_STEPS, OVERAGE, PAYG, priceSegment, rateCdrFast, segmentPrice, serviceIndex, SOURCE_TEXT } from './engine.js';
import {
  appliedStep,
  bandSpan,
  compileCatalogueVersion,
  RF_LIST,
  RF_RETAIL,
  RF_UNANSWERED_FREE,
  RF_WHOLESALE,
  RATE_STRIDE,
  RF_BUILT,
  RF_WIDE,
  RT_FLAGS,
  RT_INITIAL,
  RT_L_PRICE,
  RT_L_SIZE,
  RT_MINIMUM,
  RT_R_CONNECT,
  RT_R_PRICE,
  RT_R_SIZE,
  RT_ROUNDING,
  RT_SUBSEQUENT,
  RT_W_CONNECT,
  RT_W_CONNECT_OVERAGE,
  RT_W_PRICE,
  RT_W_SIZE,
  span,
  stepAt,
  stepDen,
  stepNum,
  stepPrice,
  zoneInfo,
  type CDiscount,
  type CLine,
  type CompiledVersion,
  type ConnectFeeText,
  type RouteScope,
  SERVICE_COUNT,
  TRIE_RANK,
} from './plan.js';
import type { AppliedDiscountStep, BucketBalance, BucketDraw, DiscountUsage, LineProfile, RatedCharge, RatingCdr, RatingOutcome, RatingPart, RatingState, RejectionCode } from './types.js';

/** How a CDR's result is held. */
export const BATCH_RATED = 0;
/** Rated through rateCdr (off the common path): the outcome object is kept (rated or rejected). */
export const BATCH_OBJECT = 1;
/** An unanswered event that costs nothing (the rate says unanswered calls are free). */
export const BATCH_FREE = 2;
/** Rejected for its destination or rates (`cug` holds the REJECT_* code; the message is written when materialised). */
export const BATCH_REJECTED = 3;

const REJECT_UNKNOWN_DESTINATION = 0;
const REJECT_NO_RATE = 1;
const REJECT_NO_WHOLESALE = 2;

// A segment's prices, written by priceSegmentRow (module-level: no object per segment).
let pUNum = 0;
let pUDen = 1;
let pSize = 1;
let pWuNum = 0;
let pWSize = 1;

/**
 * ./engine.ts's priceSegment on the routes' rows (the fast path: numbers only; plan.test.ts proves the rows equal
 * the routes). ro: the start route's row, oo: the segment's
 * band route's row (the same when the call does not change band); discount: the start route's (a route's
 * discount does not depend on the band).
 */
function priceSegmentRow(rows: Int32Array, ro: number, oo: number, source: number, step: number, discount: CDiscount | null, cug: ClosedUserGroup | null, isVoice: boolean, bundled: boolean): void {
  const otherFlags = rows[oo + RT_FLAGS]!;
  const rr = (otherFlags & RF_RETAIL) !== 0 ? oo : ro;
  const wr = (otherFlags & RF_WHOLESALE) !== 0 ? oo : ro;
  pUNum = 0;
  pUDen = 1;
  pSize = rows[rr + RT_R_SIZE]!;
  pWSize = rows[wr + RT_W_SIZE]!;
  switch (source) {
    case CUG:
      pUNum = cugPriceMicros(cug!, isVoice);
      pSize = isVoice ? 60 : 1;
      pWuNum = rows[wr + RT_W_PRICE]!;
      break;
    case BUCKET:
      pWuNum = bundled ? 0 : rows[wr + RT_W_PRICE]!;
      break;
    case DENIED:
      pWuNum = 0;
      break;
    default: {
      const price = rows[rr + RT_R_PRICE]!;
      if (step >= 0) {
        if (!stepPrice(price, discount!.steps[step]!)) throw OUT_OF_RANGE;
        pUNum = stepNum;
        pUDen = stepDen;
      } else pUNum = price;
      if (source === OVERAGE) {
        // The operator's list rate of the band, else the band's retail rate, else the retail rate in use.
        if ((otherFlags & RF_LIST) !== 0) {
          pWuNum = rows[oo + RT_L_PRICE]!;
          pWSize = rows[oo + RT_L_SIZE]!;
        } else {
          pWuNum = price;
          pWSize = rows[rr + RT_R_SIZE]!;
        }
      } else pWuNum = rows[wr + RT_W_PRICE]!;
    }
  }
}

const EMPTY_SLOTS = new Int32Array(0);
/** Inbound events draw no bucket and move no discount. */
const NO_SCOPE: RouteScope = Object.freeze({ basketSlots: EMPTY_SLOTS, inScopeSlots: EMPTY_SLOTS, discount: null, discountSlot: -1 });

interface LineInfo {
  readonly kind: CLine | null;
  readonly table: ZoneTable | null;
  /** The table's slot in BatchRater.spanFrom/spanUntil/spanBand (-1 without a table). */
  readonly zone: number;
  readonly cugs: readonly string[] | undefined;
  /** Offer basket id -> slot in the line's record (shared per offer). */
  basketIndex: Map<string, number> | null;
  /** The state object the line's record started from (periods, allowances, keys); REC_DIRTY when it moved since. */
  base: RatingState | null;
}

// Fields of a line's record (BatchRater.rec).
const REC_HAS_STATE = 0;
const REC_PERIOD_START = 1;
const REC_PERIOD_END = 2;
const REC_OVERAGE = 3;
const REC_GEN = 4;
const REC_DIRTY = 5;
const REC_TOUCHED = 6;
const REC_BASKETS = 7;

// A block's lookups (see BatchRater.rate), module-level: one block at a time in the process.
const BLOCK = 256;
const blockOk = new Int8Array(BLOCK);
const blockService = new Int32Array(BLOCK);
const blockFlags = new Int32Array(BLOCK);
const blockStart = new Float64Array(BLOCK);
const blockBand = new Int32Array(BLOCK);
const blockUntil = new Float64Array(BLOCK);
const blockNumber: string[] = new Array<string>(BLOCK).fill('');
const blockNode = new Int32Array(BLOCK);
const blockBest = new Int32Array(BLOCK);
const blockPos = new Int32Array(BLOCK);
/** The CDR's route key in its line kind (its rate row at RATE_STRIDE x key in CLine.rateRows). */
const blockRoute = new Int32Array(BLOCK);
/** Stage 3's read of the scope id of the CDR's destination and service (CLine.scopeIds: 0 = not built then). */
const blockScope = new Int32Array(BLOCK);
/** Where the block's first reads go, so that they are not optimised away. */
let touchSink = 0;

function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
function growI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function growI8(a: Int8Array, n: number): Int8Array {
  const b = new Int8Array(n);
  b.set(a);
  return b;
}

/**
 * Rates ordered CDRs of a fixed set of lines against one catalogue version. Give it the lines (the index of a
 * line in `lines` is its slot), load each line's starting state, then call `rate` with the CDRs in order (one
 * line's CDRs in start-time order) and the slot of each. Results: the columns below, `outcomeAt(i)` /
 * `outcomes()` (the exact RatingOutcome rateCdr returns), and `stateOf(slot)` (a line's state now).
 * Not thread-safe and not re-entrant (it shares module-level scratch with the engine).
 */
export class BatchRater {
  readonly compiled: CompiledVersion;
  /** Per line: its compiled kind, zone table, closed user groups and the state object its counters started from. */
  private readonly info: LineInfo[];
  private readonly discountCount: number;
  /**
   * Per line, one record of W numbers side by side (a CDR reads its line's in one or two cache lines rather than
   * from a dozen arrays): the REC_* fields, then bucket remaining by offer basket (REC_BASKETS..), then discount
   * units and spend by version discount (usageAt.., + discountCount); a spend of -1 marks a discount the state
   * has no usage entry for yet (units 0): 16 numbers a line on the benchmark's catalogue, two cache lines.
   */
  private readonly rec: Float64Array;
  private readonly W: number;
  private readonly usageAt: number;
  private gen = 0;
  /**
   * By zone table: the band found last (bandSpan at spanFrom) and the instant it may change (spanUntil). A start
   * in [spanFrom, spanUntil) has that band and that next change: bandSpan's `until` is the end of the run of
   * equal bands of the week (capped at the local midnight and the next offset change), the same from any
   * instant of the run. CDRs come in start order, so nearly every start hits.
   */
  private readonly spanFrom: Float64Array;
  private readonly spanUntil: Float64Array;
  private readonly spanBand: Int32Array;

  // Results of the last `rate` call, by position in it.
  count = 0;
  kind: Int8Array;
  slot: Int32Array;
  route: Int32Array;
  node: Int32Array;
  band: Int32Array;
  answered: Int8Array;
  service: Int8Array;
  startSource: Int8Array;
  cug: Int32Array;
  billed: Float64Array;
  denied: Float64Array;
  /** Rounded amounts in units of 10^-precision of each side's rate (retailText gives the decimal string). */
  retailMinor: Float64Array;
  wholesaleMinor: Float64Array;
  /** Exact amounts: num/den millionths. */
  retailNum: Float64Array;
  retailDen: Float64Array;
  wholesaleNum: Float64Array;
  wholesaleDen: Float64Array;
  segFirst: Int32Array;
  segCount: Int32Array;
  drawFirst: Int32Array;
  drawCount: Int32Array;
  /** The state object of the line's period the CDR was rated in (before any counter moves of this call). */
  period: (RatingState | null)[];
  objects: (RatingOutcome | undefined)[];

  // Side tables: the call's segments (runs of units with one source, basket, band and step) and bucket draws.
  segTop = 0;
  segUnits: Float64Array;
  segSource: Int8Array;
  segBasket: Int32Array;
  segBand: Int32Array;
  segRoute: Int32Array;
  segStep: Int32Array;
  drawTop = 0;
  drawBasket: Int32Array;
  drawUnits: Float64Array;
  drawLeft: Float64Array;

  private materialised: RatingOutcome[] | null = null;
  private readonly running: (RatingState | null)[];
  private readonly runningBase: (RatingState | null | undefined)[];
  /** The last call's CDRs (the message of an unknown destination quotes the number). */
  private lastCdrs: readonly RatingCdr[] = [];
  private lastFrom = 0;

  constructor(
    readonly version: CatalogueVersion,
    readonly lines: readonly LineProfile[],
    capacity = 1024,
  ) {
    const c = (this.compiled = compileCatalogueVersion(version));
    const n = lines.length;
    this.info = new Array<LineInfo>(n);
    this.running = new Array<RatingState | null>(n).fill(null);
    this.runningBase = new Array<RatingState | null | undefined>(n).fill(undefined);
    let maxBaskets = 0;
    for (let i = 0; i < n; i++) {
      const line = lines[i]!;
      const l = c.line(line.offerId, line.partnerId);
      if (l !== null && l.offer.baskets.length > maxBaskets) maxBaskets = l.offer.baskets.length;
    }
    this.discountCount = c.discountIds.length;
    this.usageAt = REC_BASKETS + maxBaskets;
    this.W = this.usageAt + 2 * this.discountCount;
    this.rec = new Float64Array(n * this.W + REC_BASKETS + 1); // + 1: the block's first read of a line without baskets
    const indexByOffer = new Map<string, Map<string, number>>();
    const zoneSlots = new Map<ZoneTable, number>();
    for (let i = 0; i < n; i++) {
      const line = lines[i]!;
      const l = c.line(line.offerId, line.partnerId);
      const zone = zoneInfo(line.timeZone, isValidZone);
      const table = l === null || !zone.valid ? null : (c.bandTable ?? zone.table);
      let zoneSlot = -1;
      if (table !== null) {
        zoneSlot = zoneSlots.get(table) ?? zoneSlots.size;
        zoneSlots.set(table, zoneSlot);
      }
      const info: LineInfo = {
        kind: l,
        table,
        zone: zoneSlot,
        cugs: line.cugs !== undefined && line.cugs.length > 0 ? line.cugs : undefined,
        basketIndex: null,
        base: null,
      };
      this.info[i] = info;
      if (l === null) continue;
      this.rec[(i) * this.W + REC_OVERAGE] = (line.overage ?? l.offer.overage).enabled ? 1 : 0;
      let index = indexByOffer.get(l.offer.id);
      if (!index) indexByOffer.set(l.offer.id, (index = new Map(l.offer.baskets.map((b, k) => [b.id, k]))));
      info.basketIndex = index;
    }
    this.spanFrom = new Float64Array(zoneSlots.size).fill(Number.POSITIVE_INFINITY);
    this.spanUntil = new Float64Array(zoneSlots.size);
    this.spanBand = new Int32Array(zoneSlots.size);
    capacity = Math.max(capacity, 1);
    this.kind = new Int8Array(capacity);
    this.slot = new Int32Array(capacity);
    this.route = new Int32Array(capacity);
    this.node = new Int32Array(capacity);
    this.band = new Int32Array(capacity);
    this.answered = new Int8Array(capacity);
    this.service = new Int8Array(capacity);
    this.startSource = new Int8Array(capacity);
    this.cug = new Int32Array(capacity);
    this.billed = new Float64Array(capacity);
    this.denied = new Float64Array(capacity);
    this.retailMinor = new Float64Array(capacity);
    this.wholesaleMinor = new Float64Array(capacity);
    this.retailNum = new Float64Array(capacity);
    this.retailDen = new Float64Array(capacity);
    this.wholesaleNum = new Float64Array(capacity);
    this.wholesaleDen = new Float64Array(capacity);
    this.segFirst = new Int32Array(capacity);
    this.segCount = new Int32Array(capacity);
    this.drawFirst = new Int32Array(capacity);
    this.drawCount = new Int32Array(capacity);
    this.period = new Array<RatingState | null>(capacity).fill(null);
    this.objects = new Array<RatingOutcome | undefined>(capacity).fill(undefined);
    const side = capacity + 16;
    this.segUnits = new Float64Array(side);
    this.segSource = new Int8Array(side);
    this.segBasket = new Int32Array(side);
    this.segBand = new Int32Array(side);
    this.segRoute = new Int32Array(side);
    this.segStep = new Int32Array(side);
    this.drawBasket = new Int32Array(side);
    this.drawUnits = new Float64Array(side);
    this.drawLeft = new Float64Array(side);
  }

  /** Sets a line's state (its period's counters, or an earlier period's, or null: opened on first use). */
  load(slot: number, state: RatingState | null | undefined): void {
    this.install(slot, state ?? null);
    this.rec[(slot) * this.W + REC_TOUCHED] = 0;
  }

  private install(slot: number, s: RatingState | null): void {
    this.info[slot]!.base = s;
    this.rec[(slot) * this.W + REC_DIRTY] = 0;
    this.rec[(slot) * this.W + REC_GEN] = this.gen;
    const l = this.info[slot]!.kind;
    if (s === null || l === null || l === undefined || s.offerId !== l.offer.id) {
      this.rec[(slot) * this.W + REC_HAS_STATE] = 0;
      return;
    }
    this.rec[(slot) * this.W + REC_HAS_STATE] = 1;
    this.rec[(slot) * this.W + REC_PERIOD_START] = s.periodStartMs;
    this.rec[(slot) * this.W + REC_PERIOD_END] = s.periodEndMs;
    const baskets = l.offer.baskets;
    const at = slot * this.W + REC_BASKETS;
    for (let b = 0; b < baskets.length; b++) {
      const balance = s.buckets[baskets[b]!.id];
      this.rec[at + b] = balance === undefined ? 0 : balance.remaining;
    }
    const ids = this.compiled.discountIds;
    const u = slot * this.W + this.usageAt;
    for (let d = 0; d < ids.length; d++) {
      const usage = s.usage[ids[d]!];
      this.rec[u + d] = usage === undefined ? 0 : usage.units;
      this.rec[u + d + this.discountCount] = usage === undefined ? -1 : usage.spendMicros;
    }
  }

  /** Loads every line's state (by slot). */
  loadAll(states: readonly (RatingState | null | undefined)[]): void {
    for (let i = 0; i < this.lines.length; i++) this.load(i, states[i]);
  }

  /** A line's state now (the loaded object when no CDR moved it). */
  stateOf(slot: number): RatingState | null {
    const s = this.info[slot]!.base!;
    if (this.rec[(slot) * this.W + REC_DIRTY] === 0) return s;
    const index = this.info[slot]!.basketIndex!;
    const at = slot * this.W + REC_BASKETS;
    const buckets: Record<string, BucketBalance> = {};
    for (const key of Object.keys(s.buckets)) {
      const b = index.get(key);
      const before = s.buckets[key]!;
      buckets[key] = b === undefined || before.remaining === this.rec[at + b] ? before : { allowance: before.allowance, carried: before.carried, remaining: this.rec[at + b]! };
    }
    const usage: Record<string, DiscountUsage> = {};
    const ids = this.compiled.discountIds;
    const u = slot * this.W + this.usageAt;
    for (const key of Object.keys(s.usage)) {
      const d = ids.indexOf(key);
      usage[key] = d < 0 ? s.usage[key]! : { units: this.rec[u + d]!, spendMicros: this.rec[u + d + this.discountCount]! };
    }
    for (let d = 0; d < ids.length; d++) if (this.rec[u + d + this.discountCount]! >= 0 && !(ids[d]! in usage)) usage[ids[d]!] = { units: this.rec[u + d]!, spendMicros: this.rec[u + d + this.discountCount]! };
    return { v: 1, offerId: s.offerId, periodKey: s.periodKey, periodEnd: s.periodEnd, periodStartMs: s.periodStartMs, periodEndMs: s.periodEndMs, buckets, usage };
  }

  /** Slots of lines whose state moved since `load` / `loadAll` (their `stateOf` is to be stored). */
  changedSlots(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.lines.length; i++) if (this.rec[(i) * this.W + REC_TOUCHED] === 1) out.push(i);
    return out;
  }

  private ensureCapacity(n: number): void {
    if (n <= this.kind.length) return;
    const cap = Math.max(n, this.kind.length * 2);
    this.kind = growI8(this.kind, cap);
    this.slot = growI32(this.slot, cap);
    this.route = growI32(this.route, cap);
    this.node = growI32(this.node, cap);
    this.band = growI32(this.band, cap);
    this.answered = growI8(this.answered, cap);
    this.service = growI8(this.service, cap);
    this.startSource = growI8(this.startSource, cap);
    this.cug = growI32(this.cug, cap);
    this.billed = growF64(this.billed, cap);
    this.denied = growF64(this.denied, cap);
    this.retailMinor = growF64(this.retailMinor, cap);
    this.wholesaleMinor = growF64(this.wholesaleMinor, cap);
    this.retailNum = growF64(this.retailNum, cap);
    this.retailDen = growF64(this.retailDen, cap);
    this.wholesaleNum = growF64(this.wholesaleNum, cap);
    this.wholesaleDen = growF64(this.wholesaleDen, cap);
    this.segFirst = growI32(this.segFirst, cap);
    this.segCount = growI32(this.segCount, cap);
    this.drawFirst = growI32(this.drawFirst, cap);
    this.drawCount = growI32(this.drawCount, cap);
    this.period.length = cap;
    this.objects.length = cap;
  }

  private growSegments(): void {
    const cap = this.segUnits.length * 2;
    this.segUnits = growF64(this.segUnits, cap);
    this.segSource = growI8(this.segSource, cap);
    this.segBasket = growI32(this.segBasket, cap);
    this.segBand = growI32(this.segBand, cap);
    this.segRoute = growI32(this.segRoute, cap);
    this.segStep = growI32(this.segStep, cap);
  }

  private growDraws(): void {
    const cap = this.drawBasket.length * 2;
    this.drawBasket = growI32(this.drawBasket, cap);
    this.drawUnits = growF64(this.drawUnits, cap);
    this.drawLeft = growF64(this.drawLeft, cap);
  }

  /**
   * Rates cdrs[from..to) in order; slots[k] is the line of cdrs[k]. Results go to positions 0..to-from of the
   * columns (replacing the previous call's); line states move in place.
   */
  rate(cdrs: readonly RatingCdr[], slots: ArrayLike<number>, from = 0, to = cdrs.length): void {
    if (!(from >= 0 && from <= to && to <= cdrs.length)) throw new RangeError(`rate: from ${from} to ${to} is not a range of the ${cdrs.length} CDRs`);
    const lineCount = this.lines.length;
    for (let k = from; k < to; k++) {
      const li = slots[k]!;
      if (!(li >= 0 && li < lineCount && (li | 0) === li)) throw new RangeError(`rate: the line slot of CDR ${k} is ${li}, not one of 0..${lineCount - 1}`);
    }
    const n = to - from;
    this.ensureCapacity(n);
    this.gen++;
    this.count = n;
    this.segTop = 0;
    this.drawTop = 0;
    this.materialised = null;
    this.lastCdrs = cdrs;
    this.lastFrom = from;
    // In blocks: first what does not depend on the lines' states (fields, time, band, trie, route) for the whole
    // block, with the trie walks of its CDRs taken one step at a time side by side, so their memory reads (the
    // trie, the routes, the line's counters) are in flight together rather than one after the other; then each
    // CDR rated in order.
    // The first block's first reads; each later block's are made while the block before it is rated (stage 4
    // computes long enough for those cache misses to be served behind it).
    this.touchBlock(cdrs, slots, from, n < BLOCK ? n : BLOCK);
    for (let b0 = 0; b0 < n; b0 += BLOCK) {
      const m = n - b0 < BLOCK ? n - b0 : BLOCK;
      for (let j = 0; j < m; j++) blockOk[j] = this.prepare(j, cdrs[from + b0 + j]!, slots[from + b0 + j]!) ? 1 : 0;
      this.walkTries(m);
      this.findRoutes(m, slots, from + b0);
      const next = from + b0 + BLOCK;
      const nextM = n - b0 - BLOCK < BLOCK ? n - b0 - BLOCK : BLOCK;
      let touch = 0;
      for (let j = 0; j < m; j++) {
        const k = b0 + j;
        const cdr = cdrs[from + k]!;
        const li = slots[from + k]!;
        let done = false;
        if (blockOk[j] === 1) {
          try {
            done = this.rateFast(k, cdr, li, j);
          } catch (e) {
            if (!(e instanceof OutOfRange)) throw e;
          }
        }
        if (!done) this.rateObject(k, cdr, li);
        if (j < nextM) touch += this.touch(cdrs[next + j], slots[next + j]!);
      }
      touchSink = touch;
    }
  }

  /**
   * Stage 0: a first read of each CDR's fields and its line's info and record, in a loop short enough for the
   * CPU to have the block's cache misses in flight at once.
   */
  private touchBlock(cdrs: readonly RatingCdr[], slots: ArrayLike<number>, at: number, m: number): void {
    let touch = 0;
    for (let j = 0; j < m; j++) touch += this.touch(cdrs[at + j], slots[at + j]!);
    touchSink = touch;
  }

  /** A first read of a CDR's fields and text and of its line's info and record (anything, valid or not). */
  private touch(cdr: RatingCdr | undefined, li: number): number {
    const line = this.info[li];
    if (line === undefined || cdr === null || typeof cdr !== 'object') return 0;
    const w = this.W;
    const start: unknown = cdr.startTime;
    const called: unknown = cdr.calledNumber;
    // Three words of the record: its 128 bytes need not start on a cache line (the buffer's alignment is the
    // allocator's), so they may span three lines.
    return (
      this.rec[li * w]! +
      this.rec[li * w + (w >> 1)]! +
      this.rec[li * w + w - 1]! +
      (line.table === null ? 0 : 1) +
      (typeof start === 'string' && start.length > 18 ? start.charCodeAt(18) : 0) +
      (typeof called === 'string' && called.length > 0 ? called.charCodeAt(0) : 0)
    );
  }

  /** Stage 1 of a block: the CDR's fields, start, band and the trie walk's first four digits; false: off the common path. */
  private prepare(j: number, cdr: RatingCdr, li: number): boolean {
    // The checks of cdrShapeProblem; anything it would reject goes to rateCdr, which rejects it.
    if (cdr === null || typeof cdr !== 'object') return false;
    const svc = cdr.service;
    const service = svc === 'voice' ? 0 : svc === 'sms' ? 1 : svc === 'fax' || svc === 'email' || svc === 'data' ? serviceIndex(svc) : -1;
    if (service < 0) return false;
    const dir = cdr.direction;
    const inbound = dir === 'inbound';
    if (!inbound && dir !== 'outbound') return false;
    const disp = cdr.disposition;
    const answered = disp === 'answered';
    if (!answered && disp !== 'busy' && disp !== 'no_answer' && disp !== 'failed') return false;
    const units = cdr.billableUnits;
    if (typeof units !== 'number' || !Number.isSafeInteger(units) || units < 0) return false;
    const called = cdr.calledNumber;
    const startTime = cdr.startTime;
    if (typeof called !== 'string' || typeof cdr.callingNumber !== 'string' || typeof startTime !== 'string') return false;
    if (!isE164Digits(called)) return false;
    const startMsRaw = parseInstantMs(startTime);
    if (startMsRaw !== startMsRaw) return false;
    const startMs = Math.floor(startMsRaw / 1000) * 1000;
    const info = this.info[li]!;
    const table = info.table;
    if (table === null || table === undefined) return false;
    const c = this.compiled;
    const z = info.zone;
    if (startMs >= this.spanFrom[z]! && startMs < this.spanUntil[z]!) {
      blockBand[j] = this.spanBand[z]!;
      blockUntil[j] = this.spanUntil[z]!;
    } else {
      if (!bandSpan(c, table, startMs)) return false;
      this.spanFrom[z] = startMs;
      this.spanUntil[z] = span.until;
      this.spanBand[z] = span.band;
      blockBand[j] = span.band;
      blockUntil[j] = span.until;
    }
    blockService[j] = service;
    blockFlags[j] = (inbound ? 1 : 0) | (answered ? 2 : 0);
    blockStart[j] = startMs;
    blockNumber[j] = called;
    // The trie walk's start: the first four digits from the direct table.
    let node = 0;
    let best = 0;
    let pos = 0;
    if (called.length >= 4) {
      const x = (called.charCodeAt(0) - 48) * 1000 + (called.charCodeAt(1) - 48) * 100 + (called.charCodeAt(2) - 48) * 10 + (called.charCodeAt(3) - 48);
      node = c.root4Node[x]!;
      best = c.root4Best[x]!;
      pos = node === 0 ? called.length : 4;
    }
    blockNode[j] = node;
    blockBest[j] = best;
    blockPos[j] = pos;
    return true;
  }

  /** Stage 2: the block's trie walks one digit at a time side by side (as CompiledVersion.longestPrefixNode). */
  private walkTries(m: number): void {
    const trie = this.compiled.trie;
    let active = 1;
    while (active !== 0) {
      active = 0;
      for (let j = 0; j < m; j++) {
        if (blockOk[j] !== 1) continue;
        const number = blockNumber[j]!;
        const i = blockPos[j]!;
        if (i >= number.length) continue;
        const node = blockNode[j]!;
        const header = trie[node]!;
        const bit = 1 << (number.charCodeAt(i) - 48);
        const child = (header & bit) === 0 ? 0 : trie[node + 1 + TRIE_RANK[header & (bit - 1)]!]!;
        if (child <= 0) {
          if (child < 0) blockBest[j] = -child;
          blockPos[j] = number.length;
          continue;
        }
        blockNode[j] = child;
        const id = trie[child]! >>> 10;
        if (id !== 0) blockBest[j] = id;
        blockPos[j] = i + 1;
        active = 1;
      }
    }
  }

  /** Stage 3: each CDR's route id (the route built on first use), and a first read of its row. */
  private findRoutes(m: number, slots: ArrayLike<number>, at: number): void {
    const c = this.compiled;
    let touch = 0;
    for (let j = 0; j < m; j++) {
      if (blockOk[j] !== 1) continue;
      const node = blockBest[j]!;
      if (node === 0) continue; // no destination: rejected (outbound) or free (inbound) in stage 4
      const li = slots[at + j]!;
      const l = this.info[li]!.kind!;
      const ds = c.destOfNode[node]! * SERVICE_COUNT + blockService[j]!;
      const key = (ds * 2 + (blockFlags[j]! & 1)) * c.bandCount + blockBand[j]!;
      blockRoute[j] = key;
      blockScope[j] = l.scopeIds[ds]!;
      const flags = l.rateRows[key * RATE_STRIDE]!;
      if ((flags & RF_BUILT) === 0) c.buildRateRow(l, key);
      touch += flags;
    }
    touchSink = touch;
  }

  /** Off the common path: rateCdr on the line's materialised state; its outcome is kept as the result. */
  private rateObject(k: number, cdr: RatingCdr, li: number): void {
    // The state as it is now: earlier CDRs of this call may have moved the arrays.
    if (this.rec[(li) * this.W + REC_DIRTY] === 1) {
      this.info[li]!.base = this.stateOf(li);
      this.rec[(li) * this.W + REC_DIRTY] = 0;
    }
    this.rec[(li) * this.W + REC_GEN] = this.gen;
    const given = this.info[li]!.base;
    const out = rateCdrFast(cdr, { version: this.version, line: this.lines[li]!, state: given });
    this.kind[k] = BATCH_OBJECT;
    this.slot[k] = li;
    this.objects[k] = out;
    this.period[k] = null;
    this.segFirst[k] = this.segTop;
    this.segCount[k] = 0;
    this.drawFirst[k] = this.drawTop;
    this.drawCount[k] = 0;
    if (out.kind === 'rated' && out.state !== given) {
      this.install(li, out.state);
      this.rec[(li) * this.W + REC_TOUCHED] = 1;
    }
  }

  /** Makes the line's state object current (once per line and call, when its counters moved since loading). */
  private rebase(li: number): void {
    if (this.rec[(li) * this.W + REC_GEN] === this.gen) return;
    if (this.rec[(li) * this.W + REC_DIRTY] === 1) {
      this.info[li]!.base = this.stateOf(li);
      this.rec[(li) * this.W + REC_DIRTY] = 0;
    }
    this.rec[(li) * this.W + REC_GEN] = this.gen;
  }

  /** A rejection held as a code (the message is written when materialised); the line's state does not move. */
  private rejectColumnar(k: number, li: number, j: number, code: number): boolean {
    this.kind[k] = BATCH_REJECTED;
    this.slot[k] = li;
    this.cug[k] = code;
    this.node[k] = blockBest[j]!;
    this.band[k] = blockBand[j]!;
    this.service[k] = blockService[j]!;
    this.segFirst[k] = this.segTop;
    this.segCount[k] = 0;
    this.drawFirst[k] = this.drawTop;
    this.drawCount[k] = 0;
    this.period[k] = null;
    return true;
  }

  /** Stage 4: rates one prepared CDR; false (nothing written) when it must go through rateCdr. */
  private rateFast(k: number, cdr: RatingCdr, li: number, j: number): boolean {
    // What depends on the line's state: no state, or a period to open (or a CDR before the state's period:
    // rejected), goes to rateCdr.
    if (this.rec[(li) * this.W + REC_HAS_STATE] !== 1) return false;
    const startMs = blockStart[j]!;
    if (startMs >= this.rec[(li) * this.W + REC_PERIOD_END]! || startMs < this.rec[(li) * this.W + REC_PERIOD_START]!) return false;
    // The rejections that do not depend on the state (the state's period is open: no state_period_mismatch).
    // Inbound events without a destination or rate are free: rateCdr (rare).
    const inboundEvent = (blockFlags[j]! & 1) === 1;
    if (blockBest[j] === 0) return inboundEvent ? false : this.rejectColumnar(k, li, j, REJECT_UNKNOWN_DESTINATION);
    const c = this.compiled;
    const routeKey = blockRoute[j]!;
    const table = this.info[li]!.table!;
    const l = this.info[li]!.kind!;
    const rows = l.rateRows;
    const ro = routeKey * RATE_STRIDE;
    const flags = rows[ro + RT_FLAGS]!;
    if ((flags & RF_RETAIL) === 0) return inboundEvent ? false : this.rejectColumnar(k, li, j, REJECT_NO_RATE);
    if ((flags & RF_WHOLESALE) === 0) return this.rejectColumnar(k, li, j, REJECT_NO_WHOLESALE);
    if ((flags & RF_WIDE) !== 0) return false; // a number beyond int32: rateCdr
    const node = blockBest[j]!;
    const dest = c.destOfNode[node]!;
    const service = blockService[j]!;
    const inbound = (blockFlags[j]! & 1) === 1;
    const answered = (blockFlags[j]! & 2) === 2;
    const startBand = blockBand[j]!;
    const startBandUntil = blockUntil[j]!;
    const units = cdr.billableUnits;
    const called = blockNumber[j]!;
    const calling = cdr.callingNumber;
    const svc = cdr.service;
    this.rebase(li);

    if (!answered && (flags & RF_UNANSWERED_FREE) !== 0) {
      this.kind[k] = BATCH_FREE;
      this.slot[k] = li;
      this.route[k] = routeKey;
      this.node[k] = node;
      this.band[k] = startBand;
      this.period[k] = this.info[li]!.base;
      this.billed[k] = 0;
      this.denied[k] = 0;
      this.retailMinor[k] = 0;
      this.wholesaleMinor[k] = 0;
      this.retailNum[k] = 0;
      this.retailDen[k] = 1;
      this.wholesaleNum[k] = 0;
      this.wholesaleDen[k] = 1;
      this.segFirst[k] = this.segTop;
      this.segCount[k] = 0;
      this.drawFirst[k] = this.drawTop;
      this.drawCount[k] = 0;
      return true;
    }

    let billed = 0;
    if (answered && units > 0) {
      // Increments applied once to the whole event, after the minimum (as billedUnits in ./increments.ts).
      const initial = rows[ro + RT_INITIAL]!;
      const minimum = rows[ro + RT_MINIMUM]!;
      const subsequent = rows[ro + RT_SUBSEQUENT]!;
      const effective = units < minimum ? minimum : units;
      billed = effective <= initial ? initial : initial + subsequent * Math.ceil((effective - initial) / subsequent);
    }

    let cug: ClosedUserGroup | undefined;
    const lineCugs = this.info[li]!.cugs;
    if (!inbound && lineCugs !== undefined) cug = cugFor(c, lineCugs, svc, calling, called);

    // Bucket draws in the baskets' order, written to the draw table (committed at the end).
    const scopeId = blockScope[j]!;
    const scope = inbound ? NO_SCOPE : scopeId !== 0 ? c.scopes[scopeId - 1]! : c.scopeOf(l, dest, service);
    const basketSlots = cug === undefined ? scope.basketSlots : EMPTY_SLOTS;
    const remaining = this.rec;
    const bAt = li * this.W + REC_BASKETS;
    const draw0 = this.drawTop;
    if (draw0 + basketSlots.length >= this.drawBasket.length) this.growDraws();
    let drawEndIndex = draw0;
    let drawnTotal = 0;
    let left = billed;
    let anyLeft = false;
    for (let i = 0; i < basketSlots.length; i++) {
      const b = basketSlots[i]!;
      const rem = remaining[bAt + b]!;
      if (rem > 0) anyLeft = true;
      if (left <= 0) continue;
      const take = rem > 0 ? (left < rem ? left : rem) : 0;
      if (take <= 0) continue;
      this.drawBasket[drawEndIndex] = b;
      this.drawUnits[drawEndIndex] = take;
      this.drawLeft[drawEndIndex] = rem - take;
      drawEndIndex++;
      drawnTotal += take;
      left -= take;
    }
    const overageEnabled = this.rec[(li) * this.W + REC_OVERAGE] === 1;
    const deniedUnits = basketSlots.length > 0 && !overageEnabled ? left : 0;
    const chargedAs = basketSlots.length === 0 ? PAYG : OVERAGE;

    const discount: CDiscount | null = cug === undefined ? scope.discount : null;
    const uAt = li * this.W + this.usageAt;
    const dSlot = scope.discountSlot;
    const usedUnits = discount === null ? 0 : this.rec[uAt + dSlot]!;
    const spendHeld = discount === null ? 0 : this.rec[uAt + dSlot + this.discountCount]!;
    const usedSpend = spendHeld < 0 ? 0 : spendHeld;
    const isVoice = service === 0;
    const splitting = c.split && isVoice;

    let startSource: number;
    if (cug !== undefined) startSource = CUG;
    else if (billed > 0) startSource = drawnTotal > 0 ? BUCKET : deniedUnits > 0 ? DENIED : chargedAs;
    else startSource = basketSlots.length === 0 ? PAYG : anyLeft ? BUCKET : overageEnabled ? OVERAGE : DENIED;

    // Walk the billed units in call order, cutting where the bucket, band or discount step changes, and price
    // each segment as it is closed.
    const seg0 = this.segTop;
    let segEnd = seg0;
    const startStep = discount === null ? -1 : discount.spend ? stepAt(discount, usedSpend) : -2;
    let pos = 0;
    let drawIndex = draw0;
    let drawEnd = drawEndIndex > draw0 ? this.drawUnits[draw0]! : 0;
    let band = startBand;
    let bandRoute = routeKey;
    let bandEndPos = splitting ? Math.ceil((startBandUntil - startMs) / 1000) : Number.POSITIVE_INFINITY;
    while (pos < billed) {
      if (pos >= bandEndPos) {
        if (!bandSpan(c, table, startMs + pos * 1000)) throw OUT_OF_RANGE;
        band = span.band;
        bandEndPos = Math.ceil((span.until - startMs) / 1000);
        // The band's route: the same key but for its last part.
        bandRoute = routeKey - startBand + band;
        if ((rows[bandRoute * RATE_STRIDE + RT_FLAGS]! & RF_BUILT) === 0) c.buildRateRow(l, bandRoute);
        if ((rows[bandRoute * RATE_STRIDE + RT_FLAGS]! & RF_WIDE) !== 0) throw OUT_OF_RANGE;
      }
      let end = billed;
      let source: number;
      let basket = -1;
      let step = -1;
      if (cug !== undefined) source = CUG;
      else if (pos < drawnTotal) {
        while (pos >= drawEnd) drawEnd += this.drawUnits[++drawIndex]!;
        source = BUCKET;
        basket = this.drawBasket[drawIndex]!;
        end = drawEnd;
      } else if (deniedUnits > 0) source = DENIED;
      else {
        source = chargedAs;
        if (discount !== null) {
          if (startStep !== -2) step = startStep;
          else {
            const cumulative = usedUnits + pos;
            step = stepAt(discount, cumulative);
            const next = discount.steps[step + 1];
            if (next !== undefined && pos + (next.from - cumulative) < end) end = pos + (next.from - cumulative);
          }
        }
      }
      if (bandEndPos < end) end = bandEndPos;
      const last = segEnd - 1;
      if (last >= seg0 && this.segSource[last] === source && this.segBasket[last] === basket && this.segBand[last] === band && this.segStep[last] === step) {
        this.segUnits[last] = this.segUnits[last]! + (end - pos);
      } else {
        if (segEnd >= this.segUnits.length) this.growSegments();
        this.segUnits[segEnd] = end - pos;
        this.segSource[segEnd] = source;
        this.segBasket[segEnd] = basket;
        this.segBand[segEnd] = band;
        this.segRoute[segEnd] = bandRoute;
        this.segStep[segEnd] = step;
        segEnd++;
      }
      pos = end;
    }

    // Price the segments exactly (rationals of millionths over a common denominator).
    const bundled = l.bundled;
    const cugGroup = cug === undefined ? null : cug;
    let rNum = 0;
    let rDen = 1;
    let wNum = 0;
    let wDen = 1;
    for (let s = seg0; s < segEnd; s++) {
      const segUnits = this.segUnits[s]!;
      priceSegmentRow(rows, ro, this.segRoute[s]! * RATE_STRIDE, this.segSource[s]!, this.segStep[s]!, discount, cugGroup, isVoice, bundled);
      const aNum = mul(segUnits, pUNum);
      const aDen = mul(pSize, pUDen);
      const waNum = mul(segUnits, pWuNum);
      if (aNum !== 0) {
        const to = sumDenominator(rNum, rDen, aDen);
        rNum = addOver(rNum, rDen, aNum, aDen, to);
        rDen = to;
      }
      if (waNum !== 0) {
        const to = sumDenominator(wNum, wDen, pWSize);
        wNum = addOver(wNum, wDen, waNum, pWSize, to);
        wDen = to;
      }
    }

    // Connect fees belong to the call's start.
    let retailConnect = 0;
    let wholesaleConnect = 0;
    if (!answered) {
      retailConnect = rows[ro + RT_R_CONNECT]!;
      wholesaleConnect = rows[ro + RT_W_CONNECT]!;
    } else {
      switch (startSource) {
        case CUG:
          retailConnect = cugConnectMicros(cug!);
          wholesaleConnect = rows[ro + RT_W_CONNECT]!;
          break;
        case PAYG:
          retailConnect = rows[ro + RT_R_CONNECT]!;
          wholesaleConnect = rows[ro + RT_W_CONNECT]!;
          break;
        case OVERAGE:
          retailConnect = rows[ro + RT_R_CONNECT]!;
          wholesaleConnect = rows[ro + RT_W_CONNECT_OVERAGE]!;
          break;
        case BUCKET:
          wholesaleConnect = bundled ? 0 : rows[ro + RT_W_CONNECT]!;
          break;
        default:
          break;
      }
    }
    if (retailConnect !== 0) rNum = add(rNum, mul(retailConnect, rDen));
    if (wholesaleConnect !== 0) wNum = add(wNum, mul(wholesaleConnect, wDen));
    const rounding = rows[ro + RT_ROUNDING]!;
    const rScale = POW10[6 - (rounding & 7)]!;
    const retailRounded = roundDiv(rNum, mul(rDen, rScale), (rounding >> 3) & 7);
    const wholesaleRounded = roundDiv(wNum, mul(wDen, POW10[6 - ((rounding >> 6) & 7)]!), rounding >> 9);

    // New counters: every in-scope discount moves (not for CUG or inbound events). Checked before any write.
    const inScope = cug === undefined ? scope.inScopeSlots : EMPTY_SLOTS;
    const spent = inScope.length > 0 ? mul(retailRounded, rScale) : 0;
    for (let i = 0; i < inScope.length; i++) {
      const held = this.rec[uAt + inScope[i]! + this.discountCount]!;
      add(held < 0 ? 0 : held, spent);
    }

    // Commit: nothing above wrote the line's state.
    const consumed = billed - deniedUnits;
    for (let i = 0; i < inScope.length; i++) {
      const d = uAt + inScope[i]!;
      const held = this.rec[d + this.discountCount]!;
      this.rec[d] = this.rec[d]! + consumed;
      this.rec[d + this.discountCount] = (held < 0 ? 0 : held) + spent;
    }
    for (let i = draw0; i < drawEndIndex; i++) remaining[bAt + this.drawBasket[i]!] = this.drawLeft[i]!;
    if (inScope.length > 0 || drawEndIndex > draw0) {
      this.rec[(li) * this.W + REC_DIRTY] = 1;
      this.rec[(li) * this.W + REC_TOUCHED] = 1;
    }
    this.segTop = segEnd;
    this.drawTop = drawEndIndex;

    this.kind[k] = BATCH_RATED;
    this.slot[k] = li;
    this.route[k] = routeKey;
    this.node[k] = node;
    this.band[k] = startBand;
    this.answered[k] = answered ? 1 : 0;
    this.service[k] = service;
    this.startSource[k] = startSource;
    this.cug[k] = cug === undefined ? -1 : c.version.closedUserGroups.indexOf(cug);
    this.billed[k] = billed;
    this.denied[k] = deniedUnits;
    this.retailMinor[k] = retailRounded;
    this.wholesaleMinor[k] = wholesaleRounded;
    this.retailNum[k] = rNum;
    this.retailDen[k] = rDen;
    this.wholesaleNum[k] = wNum;
    this.wholesaleDen[k] = wDen;
    this.segFirst[k] = seg0;
    this.segCount[k] = segEnd - seg0;
    this.drawFirst[k] = draw0;
    this.drawCount[k] = drawEndIndex - draw0;
    this.period[k] = this.info[li]!.base;
    return true;
  }

  /** Whether the CDR at position i was rated (not rejected). */
  isRated(i: number): boolean {
    const kind = this.kind[i]!;
    return kind === BATCH_RATED || kind === BATCH_FREE || (kind === BATCH_OBJECT && this.objects[i]!.kind === 'rated');
  }

  /** The outcome of the CDR at position i, exactly as rateCdr returns it. */
  outcomeAt(i: number): RatingOutcome {
    if (i < 0 || i >= this.count) throw new RangeError(`no CDR at position ${i} (the last call rated ${this.count})`);
    return this.outcomes()[i]!;
  }

  /**
   * The outcomes of the last `rate` call in order, materialised from the columns (states included: the state
   * after each CDR, as rateCdr would have returned it).
   */
  outcomes(): RatingOutcome[] {
    if (this.materialised !== null) return this.materialised;
    const out = new Array<RatingOutcome>(this.count);
    // Each line's state as the CDRs so far left it (kept between calls: a call's lines are reset first).
    const running = this.running;
    const runningBase = this.runningBase;
    for (let i = 0; i < this.count; i++) runningBase[this.slot[i]!] = undefined;
    for (let i = 0; i < this.count; i++) {
      const li = this.slot[i]!;
      const kind = this.kind[i]!;
      if (kind === BATCH_OBJECT) {
        const o = this.objects[i]!;
        out[i] = o;
        if (o.kind === 'rated') {
          running[li] = o.state;
          runningBase[li] = o.state;
        }
        continue;
      }
      if (kind === BATCH_REJECTED) {
        out[i] = this.materialiseRejected(i);
        continue;
      }
      const p = this.period[i]!;
      if (runningBase[li] !== p) {
        running[li] = p;
        runningBase[li] = p;
      }
      const o = kind === BATCH_FREE ? this.materialiseFree(i, running[li]!) : this.materialiseRated(i, running[li]!);
      out[i] = o;
      running[li] = (o as { state: RatingState }).state;
    }
    this.materialised = out;
    return out;
  }

  /**
   * The charges of the last `rate` call in order, without the state after each CDR (what a consumer publishes:
   * the charge with its explanation and the period; the lines' states to store come from `stateOf`). Cheaper
   * than `outcomes()`: no state object per CDR.
   */
  charges(): BatchCharge[] {
    const out = new Array<BatchCharge>(this.count);
    for (let i = 0; i < this.count; i++) {
      const kind = this.kind[i]!;
      let o: RatingOutcome;
      let period: RatingState;
      if (kind === BATCH_OBJECT) {
        o = this.objects[i]!;
        if (o.kind === 'rejected') {
          out[i] = o;
          continue;
        }
        period = o.state;
      } else if (kind === BATCH_REJECTED) {
        out[i] = this.materialiseRejected(i) as BatchCharge;
        continue;
      } else {
        period = this.period[i]!;
        o = kind === BATCH_FREE ? this.materialiseFree(i, period) : this.materialiseRated(i, period, false);
      }
      out[i] = { kind: 'rated', charge: (o as { charge: RatedCharge }).charge, periodKey: period.periodKey, periodEnd: period.periodEnd };
    }
    return out;
  }

  private materialiseRejected(i: number): RatingOutcome {
    const c = this.compiled;
    const l = this.info[this.slot[i]!]!.kind!;
    const code = this.cug[i]!;
    if (code === REJECT_UNKNOWN_DESTINATION) {
      return { kind: 'rejected', code: 'unknown_destination', message: `no destination matches ${this.lastCdrs[this.lastFrom + i]!.calledNumber}` };
    }
    const node = this.node[i]!;
    const destination = c.destIds[c.destOfNode[node]!]!;
    const service = SERVICES[this.service[i]!]!;
    const band = c.bandIds[this.band[i]!]!;
    return code === REJECT_NO_RATE
      ? { kind: 'rejected', code: 'no_rate_for_service', message: `no ${service} rate for destination ${destination} (band ${band}) in price list ${l.retail}` }
      : { kind: 'rejected', code: 'no_wholesale_rate', message: `no ${service} rate for destination ${destination} (band ${band}) in wholesale list ${l.wholesale}` };
  }

  private materialiseFree(i: number, state: RatingState): RatingOutcome {
    const c = this.compiled;
    const route = c.routeAt(this.info[this.slot[i]!]!.kind!, this.route[i]!);
    const node = this.node[i]!;
    return freeEvent(c, this.info[this.slot[i]!]!.kind!, state, c.destIds[c.destinationOf(node)]!, c.prefixOf(node), c.bandIds[this.band[i]!]!, route);
  }

  private materialiseRated(i: number, state: RatingState, withState = true): RatingOutcome {
    const c = this.compiled;
    const li = this.slot[i]!;
    const l = this.info[li]!.kind!;
    const route = c.routeAt(l, this.route[i]!);
    const node = this.node[i]!;
    const billed = this.billed[i]!;
    const deniedUnits = this.denied[i]!;
    const answered = this.answered[i] === 1;
    const startSource = this.startSource[i]!;
    const cug = this.cug[i]! >= 0 ? c.version.closedUserGroups[this.cug[i]!]! : null;
    const discount = cug === null ? route.discount : null;
    const isVoice = this.service[i] === 0;
    const seg0 = this.segFirst[i]!;
    const segN = this.segCount[i]!;
    let parts: readonly RatingPart[] = NO_PARTS;
    let stepUnits: number[] | null = null;
    if (segN > 0) {
      const list: RatingPart[] = new Array<RatingPart>(segN);
      for (let s = seg0; s < seg0 + segN; s++) {
        const units = this.segUnits[s]!;
        const source = this.segSource[s]!;
        const step = this.segStep[s]!;
        const other = c.routeAt(l, this.segRoute[s]!);
        priceSegment(route, other, source, step, cug, isVoice, l.bundled);
        const { uNum, uDen, size, uText, wuNum, wSize, wuText } = segmentPrice;
        const aNum = mul(units, uNum);
        const aDen = mul(size, uDen);
        const waNum = mul(units, wuNum);
        const amount = aNum === 0 ? '0' : preciseText(aNum, aDen);
        const wholesaleAmount = waNum === 0 ? '0' : preciseText(waNum, wSize);
        const bandId = c.bandIds[this.segBand[s]!]!;
        if (step >= 0) {
          if (stepUnits === null) stepUnits = [];
          stepUnits[step] = (stepUnits[step] ?? 0) + units;
        }
        list[s - seg0] =
          source === BUCKET
            ? { units, source: 'bucket', basket: l.offer.baskets[this.segBasket[s]!]!.id, band: bandId, unitPrice: '0', amount: '0', wholesaleUnitPrice: wuText, wholesaleAmount }
            : step >= 0
              ? { units, source: SOURCE_TEXT[source]!, band: bandId, discount: discount!.id, discountStep: step, unitPrice: uText, amount, wholesaleUnitPrice: wuText, wholesaleAmount }
              : { units, source: SOURCE_TEXT[source]!, band: bandId, unitPrice: uText, amount, wholesaleUnitPrice: wuText, wholesaleAmount };
      }
      parts = list;
    }

    let connectFee: ConnectFeeText = NO_CONNECT;
    if (!answered) connectFee = route.connectCharged;
    else {
      switch (startSource) {
        case CUG:
          connectFee = { retail: preciseText(cugConnectMicros(cug!), 1), wholesale: route.connectCharged.wholesale };
          break;
        case PAYG:
          connectFee = route.connectCharged;
          break;
        case OVERAGE:
          connectFee = route.connectOverage;
          break;
        case BUCKET:
          connectFee = route.connectBucket;
          break;
        default:
          break;
      }
    }

    let discountSteps: readonly AppliedDiscountStep[] = NO_STEPS;
    if (stepUnits !== null) {
      const steps: AppliedDiscountStep[] = [];
      for (let s = 0; s < stepUnits.length; s++) if ((stepUnits[s] ?? 0) > 0) steps.push(appliedStep(discount!, s, stepUnits[s]!));
      discountSteps = steps;
    }

    // The state after the CDR, from the state before it (the same changes rateFast made to the arrays).
    const d0 = this.drawFirst[i]!;
    const dN = this.drawCount[i]!;
    let bucketDraws: readonly BucketDraw[] = NO_DRAWS;
    let buckets = state.buckets;
    if (dN > 0) {
      const draws: BucketDraw[] = new Array<BucketDraw>(dN);
      const next: Record<string, BucketBalance> | null = withState ? { ...buckets } : null;
      for (let d = d0; d < d0 + dN; d++) {
        const b = l.offer.baskets[this.drawBasket[d]!]!.id;
        draws[d - d0] = { basket: b, units: this.drawUnits[d]!, remainingAfter: this.drawLeft[d]! };
        if (next !== null) {
          const before = next[b]!;
          next[b] = { allowance: before.allowance, carried: before.carried, remaining: this.drawLeft[d]! };
        }
      }
      bucketDraws = draws;
      if (next !== null) buckets = next;
    }
    let usage = state.usage;
    const inScope = route.inScope;
    if (withState && cug === null && inScope.length > 0) {
      const next: Record<string, DiscountUsage> = { ...usage };
      const consumed = billed - deniedUnits;
      const spent = mul(this.retailMinor[i]!, POW10[6 - route.rPrecision]!);
      for (let s = 0; s < inScope.length; s++) {
        const id = inScope[s]!;
        const u = next[id];
        next[id] = { units: (u === undefined ? 0 : u.units) + consumed, spendMicros: add(u === undefined ? 0 : u.spendMicros, spent) };
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
        retail: { amount: amountText(this.retailMinor[i]!, route.rPrecision), precise: preciseText(this.retailNum[i]!, this.retailDen[i]!), currency: route.rCurrency },
        wholesale: { amount: amountText(this.wholesaleMinor[i]!, route.wPrecision), precise: preciseText(this.wholesaleNum[i]!, this.wholesaleDen[i]!), currency: route.wCurrency },
        denied: deniedUnits > 0 ? { units: deniedUnits, reason: DENIED_REASON } : null,
        explanation: {
          catalogueVersion: this.version.version,
          offer: l.offer.id,
          period: state.periodKey,
          destination: c.destIds[c.destinationOf(node)]!,
          prefix: c.prefixOf(node),
          band: c.bandIds[this.band[i]!]!,
          rate: route.explanation,
          increments: route.increments,
          billedUnits: billed,
          connectFee,
          cug: cug === null ? null : cug.id,
          parts,
          bucketDraws,
          discountSteps,
        },
      },
    };
  }
}


/** A CDR's charge as a consumer publishes it (BatchRater.charges): a RatingOutcome without the state after it. */
export type BatchCharge =
  | { readonly kind: 'rated'; readonly charge: RatedCharge; readonly periodKey: string; readonly periodEnd: string }
  | { readonly kind: 'rejected'; readonly code: RejectionCode; readonly message: string };

/** What rateBatch returns: each CDR's outcome (as rateCdr's) and each line's state after the batch. */
export interface BatchResult {
  readonly outcomes: RatingOutcome[];
  /** By line slot: the state after the batch (the given object when no CDR moved it). */
  readonly states: (RatingState | null)[];
  /** Slots of the lines whose state moved (the states to store). */
  readonly changed: number[];
}

/**
 * Rates an ordered list of CDRs of a set of lines against one catalogue version (for instance one partition's
 * batch, split where the version in force changes): lines[lineOf[k]] is the line of cdrs[k], states[slot] its
 * starting state (its period's, an earlier period's, or null). The same outcomes and states as calling rateCdr
 * CDR by CDR and carrying each line's state forward.
 */
export function rateBatch(
  version: CatalogueVersion,
  lines: readonly LineProfile[],
  states: readonly (RatingState | null | undefined)[],
  cdrs: readonly RatingCdr[],
  lineOf: ArrayLike<number>,
): BatchResult {
  if (lineOf.length !== cdrs.length) throw new RangeError(`lineOf has ${lineOf.length} entries for ${cdrs.length} CDRs`);
  const batch = new BatchRater(version, lines, cdrs.length);
  batch.loadAll(states);
  batch.rate(cdrs, lineOf);
  const outcomes = batch.outcomes();
  const finalStates = lines.map((_, slot) => batch.stateOf(slot));
  return { outcomes, states: finalStates, changed: batch.changedSlots() };
}
