// Billing cycles: how often an account is invoiced. Rating counts allowances per monthly period (anchor day,
// 29-31 on the last day of shorter months); a billing cycle is one, three or twelve of those periods.
// Quarters start in January, April, July and October, years in January, each on the anchor day, so a
// quarterly or yearly cycle always holds whole rating periods and usage is never split between invoices.
import { anchorDayIn, cycleContaining } from '../rating/period.js';
import { civilFromDays, dateDays, daysFromCivil, formatDate } from './dates.js';

export type BillingCycleKind = 'monthly' | 'quarterly' | 'yearly';
/** How often a recurring fee falls due; fee periods are aligned like billing cycles. */
export type FeeRecurrence = 'month' | 'quarter' | 'year';

export interface BillingCycle {
  readonly kind: BillingCycleKind;
  readonly anchorDay: number;
  /** First day (YYYY-MM-DD, customer's zone); also the cycle's period key. */
  readonly start: string;
  /** First day after the cycle. */
  readonly end: string;
  readonly startDays: number;
  readonly endDays: number;
  /** Days in the cycle. */
  readonly days: number;
}

const MONTHS_OF: Record<BillingCycleKind, number> = { monthly: 1, quarterly: 3, yearly: 12 };
const KIND_OF_FEE: Record<FeeRecurrence, BillingCycleKind> = { month: 'monthly', quarter: 'quarterly', year: 'yearly' };

function anchorDate(year: number, month: number, anchorDay: number): number {
  return daysFromCivil(year, month, anchorDayIn(year, month, anchorDay));
}

function make(kind: BillingCycleKind, anchorDay: number, startYear: number, startMonth: number): BillingCycle {
  const startDays = anchorDate(startYear, startMonth, anchorDay);
  const index = startYear * 12 + (startMonth - 1) + MONTHS_OF[kind];
  const endDays = anchorDate(Math.floor(index / 12), (index % 12) + 1, anchorDay);
  return { kind, anchorDay, start: formatDate(startDays), end: formatDate(endDays), startDays, endDays, days: endDays - startDays };
}

function checkAnchor(anchorDay: number): void {
  if (!Number.isInteger(anchorDay) || anchorDay < 1 || anchorDay > 31) throw new RangeError(`anchor day must be 1..31, got ${anchorDay}`);
}

/** The billing cycle of an account that contains a date (YYYY-MM-DD in the customer's zone). */
export function billingCycleContaining(date: string, kind: BillingCycleKind, anchorDay: number): BillingCycle {
  checkAnchor(anchorDay);
  const monthly = cycleContaining(dateDays(date), anchorDay);
  const { year, month } = civilFromDays(monthly.startDays);
  const span = MONTHS_OF[kind];
  const startMonth = month - ((month - 1) % span);
  return make(kind, anchorDay, year, startMonth);
}

/** The cycle that starts on `periodKey`, or null when no cycle of this account starts that day. */
export function billingCycleStartingAt(periodKey: string, kind: BillingCycleKind, anchorDay: number): BillingCycle | null {
  const cycle = billingCycleContaining(periodKey, kind, anchorDay);
  return cycle.start === periodKey ? cycle : null;
}

export function nextBillingCycle(cycle: BillingCycle): BillingCycle {
  return billingCycleContaining(cycle.end, cycle.kind, cycle.anchorDay);
}

export function previousBillingCycle(cycle: BillingCycle): BillingCycle {
  return billingCycleContaining(formatDate(cycle.startDays - 1), cycle.kind, cycle.anchorDay);
}

/** The period of a recurring fee (month, quarter, year at the account's anchor day) containing a date. */
export function feePeriodContaining(date: string, every: FeeRecurrence, anchorDay: number): BillingCycle {
  return billingCycleContaining(date, KIND_OF_FEE[every], anchorDay);
}

/**
 * Fee periods billed with a cycle: those whose last day falls inside it (fees are billed in arrears, for
 * the days they covered). A monthly fee on a quarterly account gives three periods; a quarterly fee on a
 * monthly account one period every third cycle.
 */
export function feePeriodsEndingIn(cycle: BillingCycle, every: FeeRecurrence): BillingCycle[] {
  const periods: BillingCycle[] = [];
  let p = feePeriodContaining(cycle.start, every, cycle.anchorDay);
  while (p.startDays < cycle.endDays) {
    if (p.endDays > cycle.startDays && p.endDays <= cycle.endDays) periods.push(p);
    p = feePeriodContaining(p.end, every, cycle.anchorDay);
  }
  return periods;
}

/** The calendar month (YYYY-MM) a period key belongs to: partner invoices are monthly by it. */
export function monthOf(periodKey: string): string {
  dateDays(periodKey);
  return periodKey.slice(0, 7);
}
