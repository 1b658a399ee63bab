// The simplest invoice: a period's rated usage and the tax on it (kept for callers that have nothing else
// to bill). Lines sum rounded event amounts and are rounded once more to the currency's minor unit; tax is
// computed per tax rate on the invoice's rounded net (DOMAIN.md, "Rounding"). The rules are the full
// builder's (./build.ts).
import { taxLines, totalsOf, usageLines, type InvoiceLine } from './build.js';

export interface UsageItem {
  readonly service: string;
  /** Destination name from the rating explanation, or the service when there is none. */
  readonly destination: string;
  readonly units: number;
  /** The rated event's rounded retail amount. */
  readonly amount: string;
}

export type InvoiceLineDraft = InvoiceLine;

export interface InvoiceDraft {
  readonly currency: string;
  readonly lines: readonly InvoiceLineDraft[];
  readonly net: string;
  readonly tax: string;
  readonly total: string;
}

/** One usage line per service and destination, in a stable order, then the tax line ("0.22" for 22%). */
export function buildUsageInvoice(input: { currency: string; usage: readonly UsageItem[]; taxRate: string }): InvoiceDraft {
  const items = input.usage.map((u, i) => ({ ratedId: String(i), service: u.service, destination: u.destination, chargeType: 'payg' as const, startTime: '', date: '', units: u.units, amount: u.amount }));
  const lines = usageLines(items, { currency: input.currency, kind: 'usage' });
  const all = [...lines, ...taxLines(lines, { rate: input.taxRate }, input.currency)];
  return { currency: input.currency, lines: all, ...totalsOf(all, input.currency) };
}
