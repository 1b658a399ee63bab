// Building an invoice from a period's rated usage: lines that sum rounded event amounts, rounded once more
// to the currency's minor unit; tax per tax rate on the invoice's rounded net (DOMAIN.md, "Rounding").
import { currencyMinorUnits, dec, roundToMinorUnit, sumAmounts, type Decimal } from '../money.js';

export interface UsageItem {
  readonly service: string;
  /** Destination name from the rating explanation, or the service when there is none. */
  readonly destination: string;
  readonly units: number;
  /** The rated event's rounded retail amount. */
  readonly amount: string;
}

export interface InvoiceLineDraft {
  readonly kind: 'usage' | 'fee' | 'discount' | 'tax' | 'adjustment';
  readonly description: string;
  readonly quantity: string;
  readonly unit: string;
  readonly unitPrice: string;
  /** Sum of the items before the line is rounded to the minor unit. */
  readonly precise: string;
  readonly amount: string;
}

export interface InvoiceDraft {
  readonly currency: string;
  readonly lines: readonly InvoiceLineDraft[];
  readonly net: string;
  readonly tax: string;
  readonly total: string;
}

const UNIT_OF_SERVICE: Readonly<Record<string, string>> = { voice: 'min', sms: 'msg', fax: 'page', email: 'msg', data: 'byte' };

/** Usage in its invoice unit: voice seconds are shown as minutes, the rest as counted. */
function invoiceQuantity(service: string, units: number): Decimal {
  return service === 'voice' ? dec(units).dividedBy(60) : dec(units);
}

/**
 * One usage line per service and destination, in a stable order, then the tax line.
 * `taxRate` is a fraction ("0.22" for 22%); an exempt customer has "0".
 */
export function buildUsageInvoice(input: { currency: string; usage: readonly UsageItem[]; taxRate: string; taxLabel?: string }): InvoiceDraft {
  const minor = currencyMinorUnits(input.currency);
  const groups = new Map<string, { service: string; destination: string; units: number; amounts: string[] }>();
  for (const u of input.usage) {
    const key = `${u.service}\u0000${u.destination}`;
    const g = groups.get(key) ?? { service: u.service, destination: u.destination, units: 0, amounts: [] };
    g.units += u.units;
    g.amounts.push(u.amount);
    groups.set(key, g);
  }
  const lines: InvoiceLineDraft[] = [...groups.values()]
    .sort((a, b) => (a.service === b.service ? a.destination.localeCompare(b.destination) : a.service.localeCompare(b.service)))
    .map((g) => {
      const precise = sumAmounts(g.amounts);
      const amount = roundToMinorUnit(precise, input.currency);
      const quantity = invoiceQuantity(g.service, g.units);
      return {
        kind: 'usage',
        description: `${g.service} ${g.destination}`,
        quantity: quantity.toDecimalPlaces(4).toFixed(),
        unit: UNIT_OF_SERVICE[g.service] ?? 'unit',
        unitPrice: quantity.isZero() ? '0' : precise.dividedBy(quantity).toDecimalPlaces(6).toFixed(),
        precise: precise.toFixed(),
        amount: amount.toFixed(minor),
      } satisfies InvoiceLineDraft;
    });
  const net = roundToMinorUnit(sumAmounts(lines.map((l) => l.amount)), input.currency);
  const taxPrecise = net.times(dec(input.taxRate));
  const tax = roundToMinorUnit(taxPrecise, input.currency);
  const taxLine: InvoiceLineDraft = {
    kind: 'tax',
    description: input.taxLabel ?? `tax ${dec(input.taxRate).times(100).toFixed()}%`,
    quantity: '1',
    unit: 'unit',
    unitPrice: tax.toFixed(minor),
    precise: taxPrecise.toFixed(),
    amount: tax.toFixed(minor),
  };
  return { currency: input.currency, lines: [...lines, taxLine], net: net.toFixed(minor), tax: tax.toFixed(minor), total: net.plus(tax).toFixed(minor) };
}
