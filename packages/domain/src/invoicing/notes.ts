// Corrections of an issued invoice: never reopened, corrected by a credit note (less to pay) or a debit note
// (more to pay) holding the difference line by line between what was billed (the invoice and its earlier
// notes) and what should have been billed.
import { currencyMinorUnits, Decimal, dec, formatPrecise, roundToMinorUnit, sumAmounts } from '../money.js';
import { totalsOf, type InvoiceLine } from './build.js';

export interface CorrectionNote {
  readonly kind: 'credit' | 'debit';
  readonly lines: readonly InvoiceLine[];
  readonly net: string;
  readonly tax: string;
  /** Signed: negative for a credit note. */
  readonly total: string;
}

function keyOf(l: InvoiceLine): string {
  return [l.kind, l.description, l.period ?? '', l.lineId ?? '', l.discountId ?? ''].join('\u0000');
}

/** What was billed so far: the invoice's lines plus every note's, summed per line. */
export function billedLines(invoice: readonly InvoiceLine[], notes: readonly (readonly InvoiceLine[])[]): InvoiceLine[] {
  const sums = new Map<string, InvoiceLine & { _q: Decimal; _p: Decimal; _a: Decimal }>();
  for (const l of [...invoice, ...notes.flat()]) {
    const k = keyOf(l);
    const s = sums.get(k);
    if (s) {
      s._q = s._q.plus(dec(l.quantity));
      s._p = s._p.plus(dec(l.precise));
      s._a = s._a.plus(dec(l.amount));
    } else sums.set(k, { ...l, _q: dec(l.quantity), _p: dec(l.precise), _a: dec(l.amount) });
  }
  return [...sums.values()].map(({ _q, _p, _a, ...l }) => ({ ...l, quantity: _q.toFixed(), precise: formatPrecise(_p), amount: _a.toFixed() }));
}

/**
 * The note that turns `billed` into `recomputed`, or null when nothing changes. Each line that differs
 * appears with the difference of its quantity, precise and rounded amounts; a credit note when the total
 * goes down, a debit note when it goes up.
 */
export function correctionNote(billed: readonly InvoiceLine[], recomputed: readonly InvoiceLine[], currency: string): CorrectionNote | null {
  const minor = currencyMinorUnits(currency);
  const before = new Map(billed.map((l) => [keyOf(l), l]));
  const after = new Map(recomputed.map((l) => [keyOf(l), l]));
  const lines: InvoiceLine[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const a = after.get(key);
    const amount = dec(a?.amount ?? '0').minus(dec(b?.amount ?? '0'));
    const precise = dec(a?.precise ?? '0').minus(dec(b?.precise ?? '0'));
    if (amount.isZero() && precise.isZero()) continue;
    const base = (a ?? b)!;
    const quantity = dec(a?.quantity ?? '0').minus(dec(b?.quantity ?? '0'));
    lines.push({ ...base, quantity: quantity.toFixed(), unitPrice: a?.unitPrice ?? b!.unitPrice, precise: formatPrecise(precise), amount: amount.toFixed(minor), ...(base.listAmount ? { listAmount: undefined } : {}) });
  }
  if (lines.every((l) => dec(l.amount).isZero())) return null;
  const totals = totalsOf(lines, currency);
  return { kind: dec(totals.total).lessThan(0) ? 'credit' : 'debit', lines, ...totals };
}

/** A note written by hand (a goodwill credit, a missed charge): its lines' net and the tax on it. */
export function manualNote(input: { lines: readonly { description: string; amount: string; quantity?: string; unit?: string }[]; taxRate: string; currency: string }): CorrectionNote {
  const minor = currencyMinorUnits(input.currency);
  const lines: InvoiceLine[] = input.lines.map((l) => ({
    kind: 'adjustment',
    description: l.description,
    quantity: l.quantity ?? '1',
    unit: l.unit ?? 'unit',
    unitPrice: dec(l.amount).dividedBy(dec(l.quantity ?? '1')).toDecimalPlaces(6).toFixed(),
    precise: dec(l.amount).toFixed(),
    amount: roundToMinorUnit(l.amount, input.currency).toFixed(minor),
  }));
  const net = sumAmounts(lines.map((l) => l.amount));
  const taxPrecise = net.times(dec(input.taxRate));
  const tax = roundToMinorUnit(taxPrecise, input.currency);
  const all: InvoiceLine[] = [...lines, { kind: 'tax', description: `tax ${dec(input.taxRate).times(100).toFixed()}%`, quantity: net.toFixed(minor), unit: 'net', unitPrice: dec(input.taxRate).toFixed(), precise: formatPrecise(taxPrecise), amount: tax.toFixed(minor), taxRate: dec(input.taxRate).toFixed() }];
  const totals = totalsOf(all, input.currency);
  return { kind: dec(totals.total).lessThan(0) ? 'credit' : 'debit', lines: all, ...totals };
}
