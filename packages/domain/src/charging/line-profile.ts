// What the rating engine needs to know about a line, from the account as account.events carries it. Credit
// control prices a call exactly as rating will price its CDR, so both build the profile with this one mapping.
import type { Service } from '../catalogue/schema.js';
import type { LineProfile, OverageSetting } from '../rating/types.js';

/** One stretch of a line's package (account.events LineOfferPeriod). */
export interface ProfiledOfferPeriod {
  readonly offerId: string;
  readonly from: string;
  readonly to: string | null;
}

/** The parts of an account.events account state the profile is made from. */
export interface ProfiledAccount {
  readonly partnerId: string | null;
  readonly timezone: string;
  readonly country: string;
  readonly billing: { readonly anchorDay: number };
  readonly overage?: readonly { readonly service: string; readonly target: string | null }[];
}

export interface ProfiledLine {
  readonly offerId: string;
  readonly activeFrom: string;
  readonly closedUserGroups: readonly string[];
  readonly offerPeriods?: readonly ProfiledOfferPeriod[];
}

/** The event being priced, when the caller has it: it picks the package in force and the service's overage. */
export interface ProfiledEvent {
  readonly startTime: string;
  readonly service: Service;
}

/**
 * The offer is the one the line's package history has in force at the event's start (a late CDR from before a
 * package change is rated with the package it was made under), and the overage setting is the customer's for
 * the event's service. Without the event: the package in force now and the customer's voice overage.
 */
export function lineProfileOf(account: ProfiledAccount, line: ProfiledLine, event?: ProfiledEvent): LineProfile {
  const period = offerPeriodAt(line, event?.startTime ?? new Date().toISOString());
  return {
    offerId: period?.offerId ?? line.offerId,
    partnerId: account.partnerId,
    timeZone: account.timezone,
    countryCode: account.country,
    // Allowances of the first cycle on an offer are prorated from the day the line went onto it.
    subscriptionStart: period ? localDate(offerSince(line, period), account.timezone) : line.activeFrom.slice(0, 10),
    cycleAnchorDay: account.billing.anchorDay,
    cugs: line.closedUserGroups,
    overage: overageOf(account, event?.service ?? 'voice'),
  };
}

/** The customer's overage for a service: a target (on), none (off), or no entry (the offer decides). */
export function overageOf(account: ProfiledAccount, service: Service): OverageSetting | null {
  const entry = account.overage?.find((o) => o.service === service);
  if (!entry) return null;
  return entry.target === null ? { enabled: false, target: null } : { enabled: true, target: entry.target };
}

function offerPeriodAt(line: ProfiledLine, at: string): ProfiledOfferPeriod | undefined {
  const periods = line.offerPeriods;
  if (!periods || periods.length === 0) return undefined;
  const ms = Date.parse(at);
  // Before the first period (an event older than the line): the first package is the best account of it.
  let found = periods[0];
  for (const p of periods) if (Date.parse(p.from) <= ms) found = p;
  return found;
}

/** When the line went onto the period's offer: a channels-only modify does not restart the offer. */
function offerSince(line: ProfiledLine, period: ProfiledOfferPeriod): string {
  const periods = line.offerPeriods!;
  let i = periods.indexOf(period);
  while (i > 0 && periods[i - 1]!.offerId === period.offerId && periods[i - 1]!.to === periods[i]!.from) i--;
  return periods[i]!.from;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
function localDate(instant: string, timeZone: string): string {
  let f = dateFormats.get(timeZone);
  if (!f) dateFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f.format(new Date(instant));
}
