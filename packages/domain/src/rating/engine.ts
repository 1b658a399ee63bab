// The fast rating engine behind rateCdr. Same rules and same output as the decimal reference
// (./reference.ts), computed with exact integers (./exact.ts): prices in millionths, amounts as rationals
// num/den of millionths, rounded once by integer division, texts written digit by digit. What does not
// depend on the call is compiled once per catalogue version (./plan.ts) and shared. Whenever an intermediate
// value could leave the safe-integer range, or a time lies outside the zone tables, the CDR is handed to the
// reference engine, so results are always exact.
//
// The hot path is written for V8: no closures or per-call arrays besides the outcome itself, one object
// shape per kind of output object, the call's parts walked into module-level scratch arrays first.
import { IANAZone } from 'luxon';
import type { ClosedUserGroup } from '../catalogue/schema.js';
import { offerById } from '../catalogue/lookup.js';
import { isE164Digits, normaliseNumber } from '../numbers/normalise.js';
import { parseInstantMs } from '../time/instant.js';
import { OutOfRange, OUT_OF_RANGE, POW10, add, addOver, decimalTextToMicros, fixedText, mul, preciseText, roundDiv, sumDenominator } from './exact.js';
import { bandSpan, compileCatalogueVersion, span, stepAt, zoneInfo, appliedStep, type CDiscount, type CLine, type ConnectFeeText, type CRate, type CompiledVersion, type Route } from './plan.js';
import { openPeriod } from './period.js';
import { rateCdrReference } from './reference.js';
import { cdrShapeProblem } from './validate.js';
import type {
  AppliedDiscountStep,
  BucketBalance,
  BucketDraw,
  DiscountUsage,
  PartSource,
  RatingCdr,
  RatingContext,
  RatingOutcome,
  RatingPart,
  RatingState,
  RejectionCode,
} from './types.js';

export { compileCatalogueVersion } from './plan.js';
export { decimalTextToMicros } from './exact.js';

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

export const isValidZone = (zone: string): boolean => IANAZone.isValidZone(zone);

const reject = (code: RejectionCode, message: string): RatingOutcome => ({ kind: 'rejected', code, message });

export function serviceIndex(service: string): number {
  switch (service) {
    case 'voice':
      return 0;
    case 'sms':
      return 1;
    case 'fax':
      return 2;
    case 'email':
      return 3;
    default:
      return 4; // data (the shape check admits only SERVICES)
  }
}

// Part sources as small integers while walking; the texts go into the explanation.
export const BUCKET = 0;
export const OVERAGE = 1;
export const PAYG = 2;
export const CUG = 3;
export const DENIED = 4;
export const SOURCE_TEXT: readonly PartSource[] = ['bucket', 'overage', 'payg', 'cug', 'denied'];

/**
 * A segment's unit prices, written by priceSegment: retail uNum/uDen millionths per `size` units, wholesale
 * wuNum millionths per wSize units, and their texts for the explanation. One object, reused: no allocation per
 * segment on the hot path.
 */
export const segmentPrice = { uNum: 0, uDen: 1, size: 1, uText: '0', wuNum: 0, wSize: 1, wuText: '0' };

/**
 * The rule for which prices a segment of a call pays, for rateCdr and the batch rater alike. `route` is the
 * route at the call's start, `other` the segment's band route (a band without its own retail or wholesale
 * rate keeps the start's). A closed user group pays its own price; bucket units are free at retail and pay
 * wholesale unless the offer is bundled to the partner; denied units pay nothing; the rest pays the retail
 * rate (or the discount step's price) and, for overage, the operator's list rate of the band as wholesale.
 */
export function priceSegment(route: Route, other: Route, source: number, step: number, cug: ClosedUserGroup | null | undefined, isVoice: boolean, bundled: boolean): void {
  const out = segmentPrice;
  const rRoute = other.retail !== null ? other : route;
  const wRoute = other.wholesale !== null ? other : route;
  out.uNum = 0;
  out.uDen = 1;
  out.size = rRoute.rSize;
  out.uText = '0';
  out.wSize = wRoute.wSize;
  switch (source) {
    case CUG:
      out.uNum = cugPriceMicros(cug!, isVoice);
      out.size = isVoice ? 60 : 1;
      out.uText = preciseText(out.uNum, 1);
      out.wuNum = wRoute.wPrice;
      out.wuText = wRoute.wPriceText;
      break;
    case BUCKET:
      out.wuNum = bundled ? 0 : wRoute.wPrice;
      out.wuText = bundled ? '0' : wRoute.wPriceText;
      break;
    case DENIED:
      out.wuNum = 0;
      out.wuText = '0';
      break;
    default: {
      if (step >= 0) {
        const p = rRoute.stepPrices[step];
        if (p === undefined) throw OUT_OF_RANGE;
        out.uNum = p.num;
        out.uDen = p.den;
        out.uText = p.text;
      } else {
        out.uNum = rRoute.rPrice;
        out.uText = rRoute.rPriceText;
      }
      if (source === OVERAGE) {
        // The operator's list rate of the band, else the band's retail rate, else the retail rate in use.
        if (other.listOrRetail !== null) {
          out.wuNum = other.lPrice;
          out.wuText = other.lPriceText;
          out.wSize = other.lSize;
        } else {
          out.wuNum = rRoute.rPrice;
          out.wuText = rRoute.rPriceText;
          out.wSize = rRoute.rSize;
        }
      } else {
        out.wuNum = wRoute.wPrice;
        out.wuText = wRoute.wPriceText;
      }
    }
  }
}

// The call's segments (maximal runs of units with the same source, basket, band and discount step), written by
// the walk and read by the pricing loop of the same call. Module-level so that a call allocates none of them.
const segUnits: number[] = [0];
const segSource: number[] = [0];
const segBasket: (string | undefined)[] = [undefined];
const segBand: number[] = [0];
const segStep: number[] = [0];
let segCount = 0;

function pushSegment(units: number, source: number, basket: string | undefined, band: number, step: number): void {
  const last = segCount - 1;
  if (last >= 0 && segSource[last] === source && segBasket[last] === basket && segBand[last] === band && segStep[last] === step) {
    segUnits[last] = segUnits[last]! + units;
    return;
  }
  segUnits[segCount] = units;
  segSource[segCount] = source;
  segBasket[segCount] = basket;
  segBand[segCount] = band;
  segStep[segCount] = step;
  segCount++;
}

// Bucket draws of the call: basket, units, remaining after (scratch, as the segments).
const drawBasket: string[] = [''];
const drawUnits: number[] = [0];
const drawLeft: number[] = [0];

// Units priced at each discount step of the call (scratch; -1 = none).
const stepUnits: number[] = [0];

export const NO_DRAWS: readonly BucketDraw[] = Object.freeze([]);
export const NO_STEPS: readonly AppliedDiscountStep[] = Object.freeze([]);
export const NO_PARTS: readonly RatingPart[] = Object.freeze([]);
export const ZERO_USAGE: DiscountUsage = Object.freeze({ units: 0, spendMicros: 0 });
export const NO_CONNECT: ConnectFeeText = Object.freeze({ retail: '0', wholesale: '0' });
const ZERO_INCREMENTS = Object.freeze({ initial: 0, subsequent: 0, minimum: 0 });
export const DENIED_REASON = 'allowance_exhausted' as const;

function rateExact(cdr: RatingCdr, ctx: RatingContext): RatingOutcome {
  const version = ctx.version;
  const line = ctx.line;
  const given = ctx.state;
  // The caller's CDR, line and state are usually not in cache: read from all three before anything else, so
  // the CPU waits for the three memory reads at once rather than one after the other.
  const offerId = line.offerId;
  const partnerId = line.partnerId;
  const givenOfferId = given ? given.offerId : undefined;
  const shape = cdrShapeProblem(cdr);
  if (shape !== undefined) return reject('invalid_cdr', shape);

  let called = cdr.calledNumber;
  if (!isE164Digits(called)) {
    const n = normaliseNumber(called, { countryCode: line.countryCode ?? '' });
    if (!n.ok || !line.countryCode) return reject('invalid_number', `calledNumber ${JSON.stringify(called)} is not E.164 digits${n.ok ? '' : `: ${n.reason}`}`);
    called = n.e164;
  }
  const startMsRaw = parseInstantMs(cdr.startTime);
  if (startMsRaw !== startMsRaw) return reject('invalid_start_time', `startTime ${JSON.stringify(cdr.startTime)} is not ISO-8601 with an offset`);
  const startMs = Math.floor(startMsRaw / 1000) * 1000;

  const c = compileCatalogueVersion(version);
  const l = c.line(offerId, partnerId);
  if (l === null) {
    if (!offerById(version, line.offerId)) return reject('unknown_offer', `offer ${line.offerId} is not in catalogue version ${version.version}`);
    return reject('unknown_partner', `partner ${line.partnerId} is not in catalogue version ${version.version}`);
  }
  const offer = l.offer;
  const zone = zoneInfo(line.timeZone, isValidZone);
  if (!zone.valid) return reject('unknown_time_zone', `time zone ${line.timeZone} is unknown`);

  let state: RatingState;
  if (!given || givenOfferId !== offer.id) state = openPeriod(version, line, startMs);
  else if (startMs >= given.periodEndMs) state = openPeriod(version, line, startMs, given);
  else if (startMs < given.periodStartMs) {
    return reject('state_period_mismatch', `the CDR starts before period ${given.periodKey}; rate it with the state of its own period`);
  } else state = given;

  const table = c.bandTable ?? zone.table!;
  if (!bandSpan(c, table, startMs)) throw OUT_OF_RANGE;
  const startBand = span.band;
  const startBandUntil = span.until;
  const startBandId = c.bandIds[startBand]!;

  const node = c.longestPrefixNode(called);
  const inbound = cdr.direction === 'inbound';
  if (node === 0) {
    if (inbound) return freeEvent(c, l, state, null, null, startBandId, null);
    return reject('unknown_destination', `no destination matches ${called}`);
  }
  const dest = c.destinationOf(node);
  const destination = c.destIds[dest]!;
  const prefix = c.prefixOf(node);
  const service = serviceIndex(cdr.service);

  const route = c.route(l, dest, service, inbound, startBand);
  const startRetail = route.retail;
  if (startRetail === null) {
    if (inbound) return freeEvent(c, l, state, destination, prefix, startBandId, null);
    return reject('no_rate_for_service', `no ${cdr.service} rate for destination ${destination} (band ${startBandId}) in price list ${l.retail}`);
  }
  if (route.wholesale === null) return reject('no_wholesale_rate', `no ${cdr.service} rate for destination ${destination} (band ${startBandId}) in wholesale list ${l.wholesale}`);

  const answered = cdr.disposition === 'answered';
  if (!answered && route.unansweredFree) return freeEvent(c, l, state, destination, prefix, startBandId, route);

  let billed = 0;
  if (answered) {
    // Increments applied once to the whole event, after the minimum (as billedUnits in ./increments.ts).
    const units = cdr.billableUnits;
    if (units > 0) {
      const initial = route.initial;
      const effective = units < route.minimum ? route.minimum : units;
      billed = effective <= initial ? initial : initial + route.subsequent * Math.ceil((effective - initial) / route.subsequent);
    }
  }

  // Closed user group: the line is in the group and the called number is a member.
  let cug: ClosedUserGroup | undefined;
  const lineCugs = line.cugs;
  if (!inbound && lineCugs !== undefined && lineCugs.length > 0) cug = cugFor(c, lineCugs, cdr.service, cdr.callingNumber, called);

  // Bucket draws, in the baskets' order; what is left is overage (or denied), or pay-as-you-go without baskets.
  const baskets = cug === undefined ? route.baskets : NO_BASKETS;
  const buckets0 = state.buckets;
  let drawCount = 0;
  let drawnTotal = 0;
  let left = billed;
  let anyLeft = false;
  for (let i = 0; i < baskets.length; i++) {
    const b = baskets[i]!;
    const balance = buckets0[b];
    const remaining = balance === undefined ? 0 : balance.remaining;
    if (remaining > 0) anyLeft = true;
    if (left <= 0) continue;
    const take = remaining > 0 ? (left < remaining ? left : remaining) : 0;
    if (take <= 0) continue;
    drawBasket[drawCount] = b;
    drawUnits[drawCount] = take;
    drawLeft[drawCount] = remaining - take;
    drawCount++;
    drawnTotal += take;
    left -= take;
  }
  const overageEnabled = (line.overage ?? offer.overage).enabled;
  const deniedUnits = baskets.length > 0 && !overageEnabled ? left : 0;
  const chargedAs = baskets.length === 0 ? PAYG : OVERAGE;

  const discount: CDiscount | null = cug === undefined ? route.discount : null;
  const usage0 = discount === null ? ZERO_USAGE : (state.usage[discount.id] ?? ZERO_USAGE);
  const isVoice = service === 0;
  const splitting = c.split && isVoice;

  // The start's class decides the connect fee: classify the first unit, as if the call had at least one.
  let startSource: number;
  if (cug !== undefined) startSource = CUG;
  else if (billed > 0) startSource = drawnTotal > 0 ? BUCKET : deniedUnits > 0 ? DENIED : chargedAs;
  else startSource = baskets.length === 0 ? PAYG : anyLeft ? BUCKET : overageEnabled ? OVERAGE : DENIED;

  // Walk the billed units in call order, cutting where the bucket, band or discount step changes.
  segCount = 0;
  const startStep = discount === null ? -1 : discount.spend ? stepAt(discount, usage0.spendMicros) : -2;
  let pos = 0;
  let drawIndex = 0;
  let drawEnd = drawCount > 0 ? drawUnits[0]! : 0;
  let band = startBand;
  let bandEndPos = splitting ? Math.ceil((startBandUntil - startMs) / 1000) : Number.POSITIVE_INFINITY;
  while (pos < billed) {
    if (pos >= bandEndPos) {
      if (!bandSpan(c, table, startMs + pos * 1000)) throw OUT_OF_RANGE;
      band = span.band;
      bandEndPos = Math.ceil((span.until - startMs) / 1000);
    }
    let end = billed;
    let source: number;
    let basket: string | undefined;
    let step = -1;
    if (cug !== undefined) source = CUG;
    else if (pos < drawnTotal) {
      while (pos >= drawEnd) drawEnd += drawUnits[++drawIndex]!;
      source = BUCKET;
      basket = drawBasket[drawIndex];
      end = drawEnd;
    } else if (deniedUnits > 0) source = DENIED;
    else {
      source = chargedAs;
      if (discount !== null) {
        if (startStep !== -2) step = startStep;
        else {
          const cumulative = usage0.units + pos;
          step = stepAt(discount, cumulative);
          const next = discount.steps[step + 1];
          if (next !== undefined && pos + (next.from - cumulative) < end) end = pos + (next.from - cumulative);
        }
      }
    }
    if (bandEndPos < end) end = bandEndPos;
    pushSegment(end - pos, source, basket, band, step);
    pos = end;
  }

  // Price the segments as exact rationals of millionths; each becomes a part of the explanation.
  const bundled = l.bundled;
  let rNum = 0;
  let rDen = 1;
  let wNum = 0;
  let wDen = 1;
  if (discount !== null) for (let i = 0; i < discount.steps.length; i++) stepUnits[i] = 0;
  let parts: RatingPart[] | readonly RatingPart[] = NO_PARTS;
  let onlyText = ''; // the retail amount text of a one-part call (equal to the total when no connect fee)
  let onlyWholesaleText = '';
  for (let k = 0; k < segCount; k++) {
    const units = segUnits[k]!;
    const source = segSource[k]!;
    const segBandIndex = segBand[k]!;
    // The rates of the segment's band; a band without its own rate keeps the start's.
    const other = segBandIndex === startBand ? route : c.route(l, dest, service, inbound, segBandIndex);
    const step = segStep[k]!;
    priceSegment(route, other, source, step, cug, isVoice, bundled);
    if (source !== CUG && source !== BUCKET && source !== DENIED && step >= 0) stepUnits[step] = stepUnits[step]! + units;
    const { uNum, uDen, size, uText, wuNum, wSize, wuText } = segmentPrice;
    const aNum = mul(units, uNum);
    const aDen = mul(size, uDen);
    const waNum = mul(units, wuNum);
    // Accumulate retail and wholesale totals over a common denominator.
    if (aNum !== 0) {
      const to = sumDenominator(rNum, rDen, aDen);
      rNum = addOver(rNum, rDen, aNum, aDen, to);
      rDen = to;
    }
    if (waNum !== 0) {
      const to = sumDenominator(wNum, wDen, wSize);
      wNum = addOver(wNum, wDen, waNum, wSize, to);
      wDen = to;
    }
    const amountText = aNum === 0 ? '0' : preciseText(aNum, aDen);
    const wholesaleAmountText = waNum === 0 ? '0' : preciseText(waNum, wSize);
    const bandId = c.bandIds[segBandIndex]!;
    const part: RatingPart =
      source === BUCKET
        ? { units, source: 'bucket', basket: segBasket[k]!, band: bandId, unitPrice: '0', amount: '0', wholesaleUnitPrice: wuText, wholesaleAmount: wholesaleAmountText }
        : step >= 0
          ? {
              units,
              source: SOURCE_TEXT[source]!,
              band: bandId,
              discount: discount!.id,
              discountStep: step,
              unitPrice: uText,
              amount: amountText,
              wholesaleUnitPrice: wuText,
              wholesaleAmount: wholesaleAmountText,
            }
          : { units, source: SOURCE_TEXT[source]!, band: bandId, unitPrice: uText, amount: amountText, wholesaleUnitPrice: wuText, wholesaleAmount: wholesaleAmountText };
    if (k === 0) {
      parts = segCount === 1 ? [part] : new Array<RatingPart>(segCount);
      onlyText = amountText;
      onlyWholesaleText = wholesaleAmountText;
    }
    if (segCount > 1) (parts as RatingPart[])[k] = part;
  }

  // Connect fees belong to the call's start.
  let retailConnect = 0;
  let wholesaleConnect = 0;
  let connectFee = NO_CONNECT;
  if (!answered) {
    retailConnect = route.rConnect;
    wholesaleConnect = route.wConnect;
    connectFee = route.connectCharged;
  } else {
    switch (startSource) {
      case CUG:
        retailConnect = cugConnectMicros(cug!);
        wholesaleConnect = route.wConnect;
        connectFee = { retail: preciseText(retailConnect, 1), wholesale: route.connectCharged.wholesale };
        break;
      case PAYG:
        retailConnect = route.rConnect;
        wholesaleConnect = route.wConnect;
        connectFee = route.connectCharged;
        break;
      case OVERAGE:
        retailConnect = route.rConnect;
        wholesaleConnect = route.wholesaleConnectOverage;
        connectFee = route.connectOverage;
        break;
      case BUCKET:
        wholesaleConnect = bundled ? 0 : route.wConnect;
        connectFee = route.connectBucket;
        break;
      default:
        break;
    }
  }
  if (retailConnect !== 0) rNum = add(rNum, mul(retailConnect, rDen));
  if (wholesaleConnect !== 0) wNum = add(wNum, mul(wholesaleConnect, wDen));

  const rScale = POW10[6 - route.rPrecision]!;
  const retailRounded = roundDiv(rNum, mul(rDen, rScale), route.rMode);
  const wholesaleRounded = roundDiv(wNum, mul(wDen, POW10[6 - route.wPrecision]!), route.wMode);
  // A one-part call without a connect fee: the total is the part's amount, its text already written.
  const retailPrecise = segCount === 1 && retailConnect === 0 ? onlyText : preciseText(rNum, rDen);
  const wholesalePrecise = segCount === 1 && wholesaleConnect === 0 ? onlyWholesaleText : preciseText(wNum, wDen);

  // Steps in step order; a segment has at least one unit, so a step with units is a step applied.
  let discountSteps = NO_STEPS;
  if (discount !== null) {
    for (let i = 0; i < discount.steps.length; i++) {
      if (stepUnits[i]! > 0) {
        if (discountSteps === NO_STEPS) discountSteps = [];
        (discountSteps as AppliedDiscountStep[]).push(appliedStep(discount, i, stepUnits[i]!));
      }
    }
  }

  // New state: buckets drawn, counters of every in-scope discount moved (not for CUG or inbound events).
  let bucketDraws = NO_DRAWS;
  let buckets = buckets0;
  if (drawCount > 0) {
    const draws: BucketDraw[] = new Array(drawCount);
    const next: Record<string, BucketBalance> = { ...buckets0 };
    for (let i = 0; i < drawCount; i++) {
      const b = drawBasket[i]!;
      const before = next[b]!;
      draws[i] = { basket: b, units: drawUnits[i]!, remainingAfter: drawLeft[i]! };
      next[b] = { allowance: before.allowance, carried: before.carried, remaining: drawLeft[i]! };
    }
    bucketDraws = draws;
    buckets = next;
  }
  let usage = state.usage;
  const inScope = route.inScope;
  if (cug === undefined && inScope.length > 0) {
    const next: Record<string, DiscountUsage> = { ...usage };
    const consumed = billed - deniedUnits;
    const spent = mul(retailRounded, rScale);
    for (let i = 0; i < inScope.length; i++) {
      const id = inScope[i]!;
      const u = next[id] ?? ZERO_USAGE;
      next[id] = { units: u.units + consumed, spendMicros: add(u.spendMicros, spent) };
    }
    usage = next;
  }
  const newState: RatingState =
    buckets === buckets0 && usage === state.usage
      ? state
      : { v: 1, offerId: state.offerId, periodKey: state.periodKey, periodEnd: state.periodEnd, periodStartMs: state.periodStartMs, periodEndMs: state.periodEndMs, buckets, usage };

  return {
    kind: 'rated',
    state: newState,
    charge: {
      billedUnits: billed,
      retail: { amount: amountText(retailRounded, route.rPrecision), precise: retailPrecise, currency: route.rCurrency },
      wholesale: { amount: amountText(wholesaleRounded, route.wPrecision), precise: wholesalePrecise, currency: route.wCurrency },
      denied: deniedUnits > 0 ? { units: deniedUnits, reason: DENIED_REASON } : null,
      explanation: {
        catalogueVersion: version.version,
        offer: offer.id,
        period: state.periodKey,
        destination,
        prefix,
        band: startBandId,
        rate: route.explanation,
        increments: route.increments,
        billedUnits: billed,
        connectFee,
        cug: cug === undefined ? null : cug.id,
        parts,
        bucketDraws,
        discountSteps,
      },
    },
  };
}

const NO_BASKETS: readonly string[] = Object.freeze([]);

// Rounded amounts repeat (a few thousand values cover most calls): the texts of small ones are kept and shared.
const AMOUNT_TEXT_LIMIT = 1 << 16;
const amountTexts: ((string | undefined)[] | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined, undefined];

/** fixedText(units, places), shared for small amounts. */
export function amountText(units: number, places: number): string {
  if (units >= AMOUNT_TEXT_LIMIT) return fixedText(units, places);
  let texts = amountTexts[places];
  if (texts === undefined) amountTexts[places] = texts = new Array<string | undefined>(AMOUNT_TEXT_LIMIT).fill(undefined);
  const t = texts[units];
  return t === undefined ? (texts[units] = fixedText(units, places)) : t;
}

/** The line's closed user group that makes a call member-to-member, if any. */
export function cugFor(c: CompiledVersion, lineCugs: readonly string[], service: string, calling: string, called: string): ClosedUserGroup | undefined {
  const groups = c.cugByMember.get(called);
  if (groups === undefined || calling === called) return undefined;
  for (const g of groups) if (lineCugs.includes(g.id) && (g.services as readonly string[]).includes(service)) return g;
  return undefined;
}

const cugPrices = new WeakMap<ClosedUserGroup, { voice: number; other: number; connect: number }>();
function cugMicros(g: ClosedUserGroup): { voice: number; other: number; connect: number } {
  let p = cugPrices.get(g);
  if (!p) {
    p = { voice: decimalTextToMicros(g.pricePerMinute ?? '0'), other: decimalTextToMicros(g.pricePerUnit ?? '0'), connect: decimalTextToMicros(g.connectFee) };
    cugPrices.set(g, p);
  }
  return p;
}
export function cugPriceMicros(g: ClosedUserGroup, voice: boolean): number {
  const p = cugMicros(g);
  return voice ? p.voice : p.other;
}
export function cugConnectMicros(g: ClosedUserGroup): number {
  return cugMicros(g).connect;
}

/** An event that costs nothing and changes no counter (unanswered and free, inbound without a rate). */
export function freeEvent(c: CompiledVersion, l: CLine, state: RatingState, destination: string | null, prefix: string | null, band: string, route: Route | null): RatingOutcome {
  const retail: CRate | null = route === null ? null : route.retail;
  const wholesale: CRate | null = route === null ? null : route.wholesale;
  return {
    kind: 'rated',
    state,
    charge: {
      billedUnits: 0,
      retail: { amount: route === null ? '0.0000' : route.zeroRetail, precise: '0', currency: retail === null ? l.retailCurrency : retail.currency },
      wholesale: { amount: route === null ? '0.0000' : route.zeroWholesale, precise: '0', currency: wholesale === null ? l.wholesaleCurrency : wholesale.currency },
      denied: null,
      explanation: {
        catalogueVersion: c.version.version,
        offer: l.offer.id,
        period: state.periodKey,
        destination,
        prefix,
        band,
        rate: route === null || retail === null || wholesale === null ? null : route.explanation,
        increments: route === null || retail === null ? ZERO_INCREMENTS : route.increments,
        billedUnits: 0,
        connectFee: NO_CONNECT,
        cug: null,
        parts: NO_PARTS,
        bucketDraws: NO_DRAWS,
        discountSteps: NO_STEPS,
      },
    },
  };
}
