// The account as account.events carries it: the full current state of one customer, built from what the
// provisioning database holds. Pure, so the event is a function of the stored rows and the instant.
import type { AccountUpserted, LineOfferPeriod, LineState, OverageAssignment } from '@rcp/contracts';

export type StoredCustomer = {
  accountId: string;
  partnerId: string | null;
  name: string;
  country: string;
  timezone: string;
  currency: string;
  billing: AccountUpserted['billing'];
  credit: AccountUpserted['credit'];
  revision: number;
};

export type StoredPeriod = { offerId: string; channels: number; effectiveFrom: Date; effectiveTo: Date | null; change: LineOfferPeriod['change'] };

export type StoredLine = {
  lineId: string;
  activeFrom: string;
  activeTo: string | null;
  closedUserGroups: string[];
  numbers: string[];
  accountCodes: string[];
  /** The line's active periods, oldest first (cancelled ones are kept in the database, not published). */
  periods: StoredPeriod[];
};

export type StoredOverage = { service: OverageAssignment['service']; target: string | null; heldBy: string | null; updatedAt: Date };

/** The period in force at an instant: the last that has begun, else the first (a line activated later). */
export function periodInForce<P extends { effectiveFrom: Date }>(periods: readonly P[], at: Date): P | undefined {
  let found = periods[0];
  for (const p of periods) if (p.effectiveFrom.getTime() <= at.getTime()) found = p;
  return found;
}

export function lineStateOf(line: StoredLine, now: Date): LineState {
  const current = periodInForce(line.periods, now);
  if (!current) throw new Error(`line ${line.lineId} has no package`);
  return {
    lineId: line.lineId,
    numbers: [...line.numbers].sort(),
    accountCodes: [...line.accountCodes].sort(),
    offerId: current.offerId,
    channels: current.channels,
    activeFrom: line.activeFrom,
    activeTo: line.activeTo,
    closedUserGroups: line.closedUserGroups,
    offerPeriods: line.periods.map((p) => ({
      offerId: p.offerId,
      channels: p.channels,
      from: p.effectiveFrom.toISOString(),
      to: p.effectiveTo ? p.effectiveTo.toISOString() : null,
      change: p.change,
    })),
  };
}

export function accountStateOf(customer: StoredCustomer, lines: readonly StoredLine[], overage: readonly StoredOverage[], now: Date): AccountUpserted {
  return {
    v: 1,
    type: 'account.upserted',
    eventId: `${customer.accountId}:${customer.revision}`,
    at: now.toISOString(),
    accountId: customer.accountId,
    partnerId: customer.partnerId,
    name: customer.name,
    country: customer.country,
    timezone: customer.timezone,
    currency: customer.currency,
    billing: customer.billing,
    credit: customer.credit,
    lines: [...lines].sort((a, b) => (a.lineId < b.lineId ? -1 : 1)).map((l) => lineStateOf(l, now)),
    overage: [...overage]
      .sort((a, b) => (a.service < b.service ? -1 : 1))
      .map((o) => ({ service: o.service, target: o.target, heldBy: o.heldBy, since: o.updatedAt.toISOString() })),
  };
}
