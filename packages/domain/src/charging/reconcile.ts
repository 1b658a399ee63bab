// One call, charged once: the switch's terminate commits the reserved call at charging's own price, and the
// rated CDR (the authority on the amount) later posts only the difference; when the CDR comes first it is
// charged in full and the terminate commits nothing. A replayed CDR (a higher revision) posts its difference
// from what the ledger already holds for the call, never a second full charge.
import { dec, type Decimal, type DecimalInput } from '../money.js';

/** What the ledger holds for one call (identified by its CDR's source and record id). */
export interface CallCharge {
  /** Total cost debited for the call so far (positive), over its commit and rated-CDR entries. */
  readonly charged: string;
  /** Whether the switch's terminate (or a one-shot event) committed the call. */
  readonly committed: boolean;
  /** The last cdr.rated revision posted, or null when the rated CDR has not arrived yet. */
  readonly ratedRevision: number | null;
}

export const UNCHARGED_CALL: CallCharge = { charged: '0', committed: false, ratedRevision: null };

/** A ledger amount for the call (signed: negative debits) and the call's charge after it. */
export interface CallPosting {
  readonly amount: string;
  readonly call: CallCharge;
}

/**
 * The commit of a terminated session (or a one-shot event): the cost of its used units, unless the call was
 * committed already (a repeated terminate) or its rated CDR already charged it (the CDR came first).
 */
export function commitCall(call: CallCharge, cost: DecimalInput): CallPosting | null {
  if (call.committed || call.ratedRevision !== null) return null;
  // The usual case, every terminate's: a first commit of a plain positive amount as rating writes it
  // ("0.4200"). At its own scale its negation and the call's new total are the string itself, so no decimal
  // arithmetic is needed (the general path below gives the same strings; reconcile.test.ts checks it).
  if (call.charged === '0' && typeof cost === 'string' && PLAIN_AMOUNT.test(cost) && NON_ZERO.test(cost)) return { amount: `-${cost}`, call: { charged: cost, committed: true, ratedRevision: null } };
  const c = dec(cost);
  const scale = scaleOf(cost, call.charged);
  return { amount: atScale(c.negated(), scale), call: { charged: atScale(dec(call.charged).plus(c), scale), committed: true, ratedRevision: null } };
}

/**
 * A rated CDR revision: it brings the call's total charge to the rated retail amount by posting the
 * difference from what the ledger holds. A revision at or below the last one posted changes nothing.
 */
export function postRatedCall(call: CallCharge, revision: number, retailAmount: DecimalInput): CallPosting | null {
  if (call.ratedRevision !== null && revision <= call.ratedRevision) return null;
  const target = dec(retailAmount);
  const scale = scaleOf(retailAmount, call.charged);
  return { amount: atScale(dec(call.charged).minus(target), scale), call: { charged: atScale(target, scale), committed: call.committed, ratedRevision: revision } };
}

const PLAIN_AMOUNT = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
const NON_ZERO = /[1-9]/;

/** Amounts keep the precision they were rated at ("-0.1000", "0.0000"): the ledger shows what rating showed. */
function scaleOf(...values: DecimalInput[]): number {
  let scale = 0;
  for (const v of values) scale = Math.max(scale, dec(v).decimalPlaces(), typeof v === 'string' && v.includes('.') ? v.length - v.indexOf('.') - 1 : 0);
  return scale;
}

function atScale(value: Decimal, scale: number): string {
  return value.toFixed(scale);
}
