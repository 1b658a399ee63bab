// Rated usage as invoicing sees it: each rated CDR with its retail and wholesale amounts and how it splits
// between an allowance (included), overage beyond it, pay-as-you-go and calling-circle prices. The split
// decides the invoice lines (included minutes show at their price, 0 for a flat) and the partner view
// (overage carries no partner discount).
import { dec, roundAmount, sumAmounts, type Decimal, type RoundingMode } from '../money.js';

export type ChargeType = 'payg' | 'included' | 'overage' | 'cug';
export const CHARGE_TYPES: readonly ChargeType[] = ['payg', 'included', 'overage', 'cug'];

/** One rated CDR (its latest revision) as stored by invoicing. */
export interface UsageEvent {
  readonly ratedId: string;
  readonly lineId: string;
  readonly offerId?: string | null;
  readonly service: string;
  /** Destination id from the rating explanation, or the service when there is none. */
  readonly destination: string;
  readonly startTime: string;
  /** The rating period the CDR belongs to (its first day). */
  readonly periodKey: string;
  /** Billed units: seconds for voice, messages, pages, e-mails or bytes otherwise. */
  readonly units: number;
  /** Rounded event amounts. */
  readonly retail: string;
  readonly wholesale: string;
  /** 'bundle' when a basket covers the destination (units split into included and overage). */
  readonly pricing: UsagePricing;
  readonly includedUnits: number;
  readonly overageUnits: number;
  /** The overage part of the rounded amounts (the rest of a bundle event is the included part). */
  readonly overageRetail: string;
  readonly overageWholesale: string;
}

export type UsagePricing = 'payg' | 'bundle' | 'cug';

export interface UsageSplit {
  readonly pricing: UsagePricing;
  readonly includedUnits: number;
  readonly overageUnits: number;
  readonly overageRetail: string;
  readonly overageWholesale: string;
}

/** One priced piece of an event on one side (retail or wholesale). */
export interface ChargeItem {
  readonly chargeType: ChargeType;
  readonly units: number;
  readonly amount: string;
}

type Part = { units?: unknown; source?: unknown; amount?: unknown; wholesaleAmount?: unknown };

function decimalsOf(amount: string): number {
  const dot = amount.indexOf('.');
  return dot < 0 ? 0 : amount.length - dot - 1;
}

/**
 * Splits a rated CDR by the parts of its rating explanation. The overage share of each side is the exact sum
 * of its overage parts (plus the connect fee when the call started in overage), rounded like the event; the
 * included share is the rest, so the two always add up to the event's rounded amount.
 */
export function splitRatedUsage(rated: {
  readonly billedUnits: number;
  readonly retail: { readonly amount: string };
  readonly wholesale: { readonly amount: string };
  readonly explanation: unknown;
}): UsageSplit {
  const ex = (rated.explanation ?? {}) as {
    parts?: Part[];
    cug?: unknown;
    connectFee?: { retail?: unknown; wholesale?: unknown };
    rate?: { rounding?: { mode?: RoundingMode }; wholesaleRounding?: { mode?: RoundingMode } } | null;
  };
  const parts = Array.isArray(ex.parts) ? ex.parts : [];
  if (typeof ex.cug === 'string' && ex.cug.length > 0) return { pricing: 'cug', includedUnits: 0, overageUnits: 0, overageRetail: '0', overageWholesale: '0' };
  const bundled = parts.some((p) => p.source === 'bucket' || p.source === 'overage');
  if (!bundled) return { pricing: 'payg', includedUnits: 0, overageUnits: 0, overageRetail: '0', overageWholesale: '0' };
  const units = (source: string) => parts.filter((p) => p.source === source).reduce((n, p) => n + (typeof p.units === 'number' ? p.units : 0), 0);
  const includedUnits = units('bucket');
  const overageUnits = units('overage');
  const startsInOverage = parts.find((p) => p.source !== 'denied')?.source === 'overage';
  const share = (side: 'amount' | 'wholesaleAmount', eventAmount: string, connectFee: unknown, mode: RoundingMode | undefined): string => {
    if (overageUnits === 0 && !startsInOverage) return dec(0).toFixed(decimalsOf(eventAmount));
    if (includedUnits === 0) return eventAmount;
    const exact = sumAmounts(parts.filter((p) => p.source === 'overage').map((p) => String(p[side] ?? '0'))).plus(startsInOverage ? dec(String(connectFee ?? '0')) : 0);
    return roundAmount(exact, { precision: decimalsOf(eventAmount), mode: mode ?? 'half_up' }).toFixed(decimalsOf(eventAmount));
  };
  return {
    pricing: 'bundle',
    includedUnits,
    overageUnits,
    overageRetail: share('amount', rated.retail.amount, ex.connectFee?.retail, ex.rate?.rounding?.mode),
    overageWholesale: share('wholesaleAmount', rated.wholesale.amount, ex.connectFee?.wholesale, ex.rate?.wholesaleRounding?.mode),
  };
}

/** The priced pieces of an event on one side: a bundle event gives an included and/or an overage piece. */
export function chargeItems(event: UsageEvent, side: 'retail' | 'wholesale'): ChargeItem[] {
  const amount = side === 'retail' ? event.retail : event.wholesale;
  if (event.pricing !== 'bundle') return [{ chargeType: event.pricing, units: event.units, amount }];
  const overage = dec(side === 'retail' ? event.overageRetail : event.overageWholesale);
  const items: ChargeItem[] = [];
  const included = dec(amount).minus(overage);
  if (event.includedUnits > 0 || (!included.isZero() && event.overageUnits === 0)) items.push({ chargeType: 'included', units: event.includedUnits, amount: included.toFixed() });
  if (event.overageUnits > 0 || !overage.isZero()) items.push({ chargeType: 'overage', units: event.overageUnits, amount: overage.toFixed() });
  if (items.length === 0) items.push({ chargeType: 'included', units: event.units, amount });
  return items;
}

/** Usage in its invoice unit: voice seconds as minutes, the rest as counted. */
export function invoiceQuantity(service: string, units: number): Decimal {
  return service === 'voice' ? dec(units).dividedBy(60) : dec(units);
}

export const UNIT_OF_SERVICE: Readonly<Record<string, string>> = { voice: 'min', sms: 'msg', fax: 'page', email: 'msg', data: 'byte' };

/** A voice event with billed time, or any other event with units: what "calls" and "events" count. */
export function isHandledCall(event: Pick<UsageEvent, 'service' | 'units'>): boolean {
  return event.service === 'voice' && event.units > 0;
}
