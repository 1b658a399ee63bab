// The decimal reference rating engine: written for clarity, not speed. Every billed unit is classified on
// its own (bucket, band, discount step...), equal neighbours are grouped into parts, amounts are computed
// with decimal.js. The fast engine (./engine.ts) must produce exactly the same outcome; a test compares them.
import { DateTime, IANAZone } from 'luxon';
import type { CatalogueVersion, ClosedUserGroup, Discount, Offer, Service } from '../catalogue/schema.js';
import { WEEKDAYS } from '../catalogue/schema.js';
import {
  closedUserGroupFor,
  offerById,
  partnerBillingOf,
  partnerById,
  priceListsForPartner,
  resolveRate,
  type ResolvedRate,
} from '../catalogue/lookup.js';
import { Decimal, formatAmount, formatPrecise, roundAmount } from '../money.js';
import { isE164Digits, normaliseNumber } from '../numbers/normalise.js';
import { parseInstantMs } from '../time/instant.js';
import { basketsCovering, consumeBuckets, overageSettingOf } from './allowance.js';
import { billedUnits } from './increments.js';
import { openPeriod } from './period.js';
import { cdrShapeProblem } from './validate.js';
import type {
  AppliedDiscountStep,
  BucketBalance,
  DiscountUsage,
  PartSource,
  RatedCharge,
  RatingCdr,
  RatingContext,
  RatingOutcome,
  RatingPart,
  RatingState,
  RejectionCode,
  RateExplanation,
} from './types.js';

const reject = (code: RejectionCode, message: string): RatingOutcome => ({ kind: 'rejected', code, message });

/** Longest matching prefix by a plain scan (the reference for the fast trie). */
function longestPrefix(version: CatalogueVersion, number: string): { destination: string; prefix: string } | undefined {
  let best: { destination: string; prefix: string } | undefined;
  for (const d of version.destinations) {
    for (const p of d.prefixes) {
      if (number.startsWith(p) && (!best || p.length > best.prefix.length)) best = { destination: d.id, prefix: p };
    }
  }
  return best;
}

/** The band in force at an instant, read with luxon in the schedule's zone. */
function bandAtReference(version: CatalogueVersion, lineZone: string, ms: number): string {
  const tb = version.timeBands;
  const local = DateTime.fromMillis(ms, { zone: tb.timeZone ?? lineZone });
  const date = local.toISODate()!;
  const holiday = tb.holidays.find((h) => h.date === date || h.date === `--${date.slice(5)}`);
  if (holiday) return holiday.band;
  const day = WEEKDAYS[local.weekday - 1]!;
  const minute = local.hour * 60 + local.minute;
  for (const band of tb.bands) {
    for (const w of band.windows) {
      const from = Number(w.from.slice(0, 2)) * 60 + Number(w.from.slice(3));
      const to = Number(w.to.slice(0, 2)) * 60 + Number(w.to.slice(3));
      if (w.days.includes(day) && minute >= from && minute < to) return band.id;
    }
  }
  throw new Error('time bands do not cover the week (the catalogue checks forbid this)');
}

function discountInScope(d: Discount, service: Service, destination: string): boolean {
  return d.services.includes(service) && (d.destinations === undefined || d.destinations.includes(destination));
}

/** The step in force at a cumulative usage (minutes thresholds counted in seconds), or -1 below the first. */
function stepAt(d: Discount, cumulative: Decimal): number {
  const scale = d.basis === 'minutes' ? 60 : 1;
  let found = -1;
  d.steps.forEach((s, i) => {
    if (cumulative.greaterThanOrEqualTo(new Decimal(s.threshold).times(scale))) found = i;
  });
  return found;
}

function discountedPrice(price: Decimal, d: Discount | undefined, step: number): Decimal {
  if (!d || step < 0) return price;
  const s = d.steps[step]!;
  if (s.percentage !== undefined) return price.times(new Decimal(100).minus(s.percentage)).dividedBy(100);
  const reduced = price.minus(s.amount ?? '0');
  return reduced.isNegative() ? new Decimal(0) : reduced;
}

interface UnitClass {
  source: PartSource;
  basket: string | undefined;
  band: string;
  discountStep: number;
}

export function rateCdrReference(cdr: RatingCdr, ctx: RatingContext): RatingOutcome {
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

  const offer = offerById(version, line.offerId);
  if (!offer) return reject('unknown_offer', `offer ${line.offerId} is not in catalogue version ${version.version}`);
  const partner = line.partnerId ? partnerById(version, line.partnerId) : undefined;
  if (line.partnerId && !partner) return reject('unknown_partner', `partner ${line.partnerId} is not in catalogue version ${version.version}`);
  if (!IANAZone.isValidZone(line.timeZone)) return reject('unknown_time_zone', `time zone ${line.timeZone} is unknown`);

  let state: RatingState;
  const given = ctx.state;
  if (!given || given.offerId !== offer.id) state = openPeriod(version, line, startMs);
  else if (startMs >= given.periodEndMs) state = openPeriod(version, line, startMs, given);
  else if (startMs < given.periodStartMs) {
    return reject('state_period_mismatch', `the CDR starts before period ${given.periodKey}; rate it with the state of its own period`);
  } else state = given;

  const match = longestPrefix(version, called);
  const lists = priceListsForPartner(version, partner);
  const startBand = bandAtReference(version, line.timeZone, startMs);

  const rateKey = (band: string) => ({ destination: match?.destination ?? '', service: cdr.service, direction: cdr.direction, band });
  const retailAt = new Map<string, ResolvedRate | undefined>();
  const wholesaleAt = new Map<string, ResolvedRate | undefined>();
  const listAt = new Map<string, ResolvedRate | undefined>();
  const cached = (m: Map<string, ResolvedRate | undefined>, listId: string, band: string) => {
    if (!m.has(band)) m.set(band, resolveRate(version, listId, rateKey(band)));
    return m.get(band);
  };
  const retail = (band: string) => cached(retailAt, lists.retail, band);
  const wholesale = (band: string) => cached(wholesaleAt, lists.wholesale, band);
  const listRate = (band: string) => cached(listAt, lists.list, band) ?? retail(band);

  if (!match) {
    if (cdr.direction === 'inbound') return freeEvent(version, offer, state, null, null, startBand);
    return reject('unknown_destination', `no destination matches ${called}`);
  }
  const startRetail = retail(startBand);
  if (!startRetail) {
    if (cdr.direction === 'inbound') return freeEvent(version, offer, state, match.destination, match.prefix, startBand);
    return reject('no_rate_for_service', `no ${cdr.service} rate for destination ${match.destination} (band ${startBand}) in price list ${lists.retail}`);
  }
  const startWholesale = wholesale(startBand);
  if (!startWholesale) return reject('no_wholesale_rate', `no ${cdr.service} rate for destination ${match.destination} (band ${startBand}) in wholesale list ${lists.wholesale}`);

  const rateExplanation = explainRate(startRetail, startWholesale);
  const increments = { initial: startRetail.increments.initial, subsequent: startRetail.increments.subsequent, minimum: startRetail.minimumDuration };
  const retailCurrency = startRetail.currency;
  const wholesaleCurrency = startWholesale.currency;

  const answered = cdr.disposition === 'answered';
  if (!answered && startRetail.unanswered === 'free') {
    return freeEvent(version, offer, state, match.destination, match.prefix, startBand, rateExplanation, increments, retailCurrency, wholesaleCurrency);
  }

  const billed = answered ? billedUnits(cdr.billableUnits, startRetail.increments, startRetail.minimumDuration) : 0;
  const inbound = cdr.direction === 'inbound';
  const cug: ClosedUserGroup | undefined = inbound ? undefined : closedUserGroupFor(version, line.cugs, cdr.service, cdr.callingNumber, called);
  const baskets = inbound || cug ? [] : basketsCovering(offer, cdr.service, match.destination);
  const overage = overageSettingOf(offer, line.overage);
  const split = consumeBuckets(
    baskets.map((b) => ({ basket: b.id, remaining: state.buckets[b.id]?.remaining ?? 0 })),
    billed,
    overage.enabled,
  );
  const discount = inbound || cug ? undefined : offer.discounts.map((id) => version.discounts.find((d) => d.id === id)!).find((d) => discountInScope(d, cdr.service, match.destination));
  const usage0 = discount ? (state.usage[discount.id] ?? { units: 0, spendMicros: 0 }) : undefined;
  const bundled = partnerBillingOf(offer) === 'bundled';

  // Classify every billed unit in call order.
  const bandByMinute = new Map<number, string>();
  const bandOfUnit = (i: number): string => {
    if (!version.timeBands.splitAtBoundary || cdr.service !== 'voice') return startBand;
    const minute = Math.floor((startMs + i * 1000) / 60000);
    let b = bandByMinute.get(minute);
    if (b === undefined) {
      b = bandAtReference(version, line.timeZone, minute * 60000);
      bandByMinute.set(minute, b);
    }
    return b;
  };
  const drawnBasketOfUnit: (string | undefined)[] = [];
  for (const d of split.draws) for (let k = 0; k < d.units; k++) drawnBasketOfUnit.push(d.basket);
  const classify = (i: number): UnitClass => {
    const band = bandOfUnit(i);
    if (cug) return { source: 'cug', basket: undefined, band, discountStep: -1 };
    if (i < drawnBasketOfUnit.length) return { source: 'bucket', basket: drawnBasketOfUnit[i], band, discountStep: -1 };
    if (split.deniedUnits > 0) return { source: 'denied', basket: undefined, band, discountStep: -1 };
    let step = -1;
    if (discount && usage0) {
      step = discount.basis === 'spend' ? stepAt(discount, new Decimal(usage0.spendMicros).dividedBy(1e6)) : stepAt(discount, new Decimal(usage0.units + i));
    }
    return { source: split.chargedAs, basket: undefined, band, discountStep: step };
  };

  // The start's class decides the connect fee: classify the first unit, as if the call had at least one.
  const startClass =
    billed > 0
      ? classify(0)
      : ((): UnitClass => {
          const one = consumeBuckets(baskets.map((b) => ({ basket: b.id, remaining: state.buckets[b.id]?.remaining ?? 0 })), 1, overage.enabled);
          const source: PartSource = cug ? 'cug' : one.draws.length > 0 ? 'bucket' : one.deniedUnits > 0 ? 'denied' : one.chargedAs;
          return { source, basket: undefined, band: startBand, discountStep: -1 };
        })();

  const parts: RatingPart[] = [];
  let retailTotal = new Decimal(0);
  let wholesaleTotal = new Decimal(0);
  const stepUnits = new Map<number, number>();
  let i = 0;
  while (i < billed) {
    const c = classify(i);
    let j = i + 1;
    while (j < billed) {
      const n = classify(j);
      if (n.source !== c.source || n.basket !== c.basket || n.band !== c.band || n.discountStep !== c.discountStep) break;
      j++;
    }
    const units = j - i;
    const r = retail(c.band) ?? startRetail;
    const w = wholesale(c.band) ?? startWholesale;
    const l = listRate(c.band) ?? r;
    const basePrice = new Decimal(r.price);
    let unitPrice: Decimal;
    let wholesaleUnitPrice: Decimal;
    switch (c.source) {
      case 'cug':
        unitPrice = new Decimal((cdr.service === 'voice' ? cug!.pricePerMinute : cug!.pricePerUnit) ?? '0');
        wholesaleUnitPrice = new Decimal(w.price);
        break;
      case 'bucket':
        unitPrice = new Decimal(0);
        wholesaleUnitPrice = bundled ? new Decimal(0) : new Decimal(w.price);
        break;
      case 'denied':
        unitPrice = new Decimal(0);
        wholesaleUnitPrice = new Decimal(0);
        break;
      case 'overage':
        unitPrice = discountedPrice(basePrice, discount, c.discountStep);
        wholesaleUnitPrice = new Decimal(l.price);
        break;
      default:
        unitPrice = discountedPrice(basePrice, discount, c.discountStep);
        wholesaleUnitPrice = new Decimal(w.price);
    }
    // A CUG price is per minute for voice and per unit otherwise; list rates are per their unitSize.
    const retailSize = c.source === 'cug' ? (cdr.service === 'voice' ? 60 : 1) : r.unitSize;
    const amount = unitPrice.times(units).dividedBy(retailSize);
    const wholesaleSize = c.source === 'overage' ? l.unitSize : w.unitSize;
    const wholesaleAmount = wholesaleUnitPrice.times(units).dividedBy(wholesaleSize);
    retailTotal = retailTotal.plus(amount);
    wholesaleTotal = wholesaleTotal.plus(wholesaleAmount);
    const part: RatingPart = {
      units,
      source: c.source,
      ...(c.basket !== undefined ? { basket: c.basket } : {}),
      band: c.band,
      ...(c.discountStep >= 0 && discount ? { discount: discount.id, discountStep: c.discountStep } : {}),
      unitPrice: formatPrecise(unitPrice),
      amount: formatPrecise(amount),
      wholesaleUnitPrice: formatPrecise(wholesaleUnitPrice),
      wholesaleAmount: formatPrecise(wholesaleAmount),
    };
    parts.push(part);
    if (c.discountStep >= 0) stepUnits.set(c.discountStep, (stepUnits.get(c.discountStep) ?? 0) + units);
    i = j;
  }

  // Connect fees belong to the call's start.
  let retailConnect = new Decimal(0);
  let wholesaleConnect = new Decimal(0);
  if (!answered) {
    retailConnect = new Decimal(startRetail.connectFee);
    wholesaleConnect = new Decimal(startWholesale.connectFee);
  } else {
    switch (startClass.source) {
      case 'cug':
        retailConnect = new Decimal(cug!.connectFee);
        wholesaleConnect = new Decimal(startWholesale.connectFee);
        break;
      case 'payg':
        retailConnect = new Decimal(startRetail.connectFee);
        wholesaleConnect = new Decimal(startWholesale.connectFee);
        break;
      case 'overage':
        retailConnect = new Decimal(startRetail.connectFee);
        wholesaleConnect = new Decimal((listRate(startBand) ?? startRetail).connectFee);
        break;
      case 'bucket':
        wholesaleConnect = bundled ? new Decimal(0) : new Decimal(startWholesale.connectFee);
        break;
      case 'denied':
        break;
    }
  }
  retailTotal = retailTotal.plus(retailConnect);
  wholesaleTotal = wholesaleTotal.plus(wholesaleConnect);
  const retailRounded = roundAmount(retailTotal, startRetail.rounding);

  const discountSteps: AppliedDiscountStep[] = [];
  if (discount) {
    for (const [step, units] of [...stepUnits.entries()].sort((a, b) => a[0] - b[0])) {
      const s = discount.steps[step]!;
      discountSteps.push({
        discount: discount.id,
        step,
        threshold: s.threshold,
        ...(s.percentage !== undefined ? { percentage: s.percentage } : {}),
        ...(s.amount !== undefined ? { amount: s.amount } : {}),
        units,
      });
    }
  }

  // New state: buckets drawn, discount counters of every in-scope discount of the offer advanced.
  const buckets: Record<string, BucketBalance> = { ...state.buckets };
  for (const d of split.draws) buckets[d.basket] = { ...buckets[d.basket]!, remaining: d.remainingAfter };
  const usage: Record<string, DiscountUsage> = { ...state.usage };
  if (!inbound && !cug) {
    const consumed = billed - split.deniedUnits;
    const spent = Number(retailRounded.times(1e6).toFixed(0));
    for (const id of offer.discounts) {
      const d = version.discounts.find((x) => x.id === id)!;
      if (!discountInScope(d, cdr.service, match.destination)) continue;
      const u = usage[id] ?? { units: 0, spendMicros: 0 };
      usage[id] = { units: u.units + consumed, spendMicros: u.spendMicros + spent };
    }
  }
  const newState: RatingState = { ...state, buckets, usage };

  const charge: RatedCharge = {
    billedUnits: billed,
    retail: { amount: formatAmount(retailTotal, startRetail.rounding), precise: formatPrecise(retailTotal), currency: retailCurrency },
    wholesale: { amount: formatAmount(wholesaleTotal, startWholesale.rounding), precise: formatPrecise(wholesaleTotal), currency: wholesaleCurrency },
    denied: split.deniedUnits > 0 ? { units: split.deniedUnits, reason: 'allowance_exhausted' } : null,
    explanation: {
      catalogueVersion: version.version,
      offer: offer.id,
      period: state.periodKey,
      destination: match.destination,
      prefix: match.prefix,
      band: startBand,
      rate: rateExplanation,
      increments,
      billedUnits: billed,
      connectFee: { retail: formatPrecise(retailConnect), wholesale: formatPrecise(wholesaleConnect) },
      cug: cug?.id ?? null,
      parts,
      bucketDraws: split.draws,
      discountSteps,
    },
  };
  return { kind: 'rated', charge, state: newState };
}

function explainRate(r: ResolvedRate, w: ResolvedRate): RateExplanation {
  return {
    retailPriceList: r.priceList,
    wholesalePriceList: w.priceList,
    per: r.per,
    unitSize: r.unitSize,
    price: r.price,
    connectFee: r.connectFee,
    wholesalePrice: w.price,
    wholesaleConnectFee: w.connectFee,
    rounding: r.rounding,
    wholesaleRounding: w.rounding,
  };
}

/** An event that costs nothing and changes no counter (unanswered and free, inbound without a rate). */
function freeEvent(
  version: CatalogueVersion,
  offer: Offer,
  state: RatingState,
  destination: string | null,
  prefix: string | null,
  band: string | null,
  rate: RateExplanation | null = null,
  increments = { initial: 0, subsequent: 0, minimum: 0 },
  retailCurrency?: string,
  wholesaleCurrency?: string,
): RatingOutcome {
  const currency = (id: string) => version.priceLists.find((l) => l.id === id)?.currency ?? '';
  const rc = retailCurrency ?? currency(version.defaults.retailPriceList);
  const wc = wholesaleCurrency ?? currency(version.defaults.wholesalePriceList);
  const rounding = rate?.rounding ?? { precision: 4, mode: 'half_up' as const };
  const wRounding = rate?.wholesaleRounding ?? rounding;
  return {
    kind: 'rated',
    state,
    charge: {
      billedUnits: 0,
      retail: { amount: formatAmount(0, rounding), precise: '0', currency: rc },
      wholesale: { amount: formatAmount(0, wRounding), precise: '0', currency: wc },
      denied: null,
      explanation: {
        catalogueVersion: version.version,
        offer: offer.id,
        period: state.periodKey,
        destination,
        prefix,
        band,
        rate,
        increments,
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
