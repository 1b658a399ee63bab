import { describe, expect, it } from 'vitest';
import type { AccountUpserted } from '@rcp/contracts';
import { lineProfileOf, overageOf } from '@rcp/domain';

const account: AccountUpserted = {
  v: 1,
  type: 'account.upserted',
  eventId: 'e',
  at: '2026-10-20T00:00:00Z',
  accountId: 'ACC-1',
  partnerId: 'acme',
  name: 'n',
  country: '39',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
  credit: { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '0' },
  overage: [
    { service: 'voice', target: 'sub-1', heldBy: 'acme', since: '2026-10-01T00:00:00Z' },
    { service: 'sms', target: null, heldBy: null, since: '2026-10-01T00:00:00Z' },
  ],
  lines: [
    {
      lineId: 'L1',
      numbers: ['390611110001'],
      accountCodes: [],
      offerId: 'flat',
      channels: 2,
      activeFrom: '2026-09-01',
      activeTo: null,
      closedUserGroups: [],
      offerPeriods: [
        { offerId: 'payg', channels: 4, from: '2026-08-31T22:00:00Z', to: '2026-10-14T22:30:00Z', change: 'activation' },
        // 00:30 on 15 October in Rome: the flat's allowance is prorated from that local day.
        { offerId: 'flat', channels: 4, from: '2026-10-14T22:30:00Z', to: '2026-10-18T08:00:00Z', change: 'upgrade' },
        { offerId: 'flat', channels: 2, from: '2026-10-18T08:00:00Z', to: null, change: 'modify' },
      ],
    },
  ],
};
const line = account.lines[0]!;

describe('the line profile from an account state', () => {
  it('takes the package in force at the event, with the day the line went onto that offer', () => {
    expect(lineProfileOf(account, line, { startTime: '2026-10-10T10:00:00+02:00', service: 'voice' })).toMatchObject({ offerId: 'payg', subscriptionStart: '2026-09-01' });
    // A channels-only modify does not restart the offer: its allowance stays prorated from 15 October.
    expect(lineProfileOf(account, line, { startTime: '2026-10-20T10:00:00+02:00', service: 'voice' })).toMatchObject({ offerId: 'flat', subscriptionStart: '2026-10-15' });
  });

  it("maps the customer's overage per service: a target enables it, none disables it, no entry leaves the offer's", () => {
    const at = '2026-10-20T10:00:00+02:00';
    expect(lineProfileOf(account, line, { startTime: at, service: 'voice' }).overage).toEqual({ enabled: true, target: 'sub-1' });
    expect(lineProfileOf(account, line, { startTime: at, service: 'sms' }).overage).toEqual({ enabled: false, target: null });
    expect(lineProfileOf(account, line, { startTime: at, service: 'data' }).overage).toBeNull();
    expect(overageOf({ ...account, overage: undefined }, 'voice')).toBeNull();
  });

  it('without the event: the package in force now and the voice overage', () => {
    expect(lineProfileOf(account, line)).toMatchObject({ offerId: 'flat', overage: { enabled: true, target: 'sub-1' } });
  });

  it('a state without package history keeps the behaviour from before it', () => {
    const { offerPeriods: _p, ...plain } = line;
    expect(lineProfileOf({ ...account, overage: undefined }, plain, { startTime: '2026-10-20T10:00:00+02:00', service: 'voice' })).toEqual({
      offerId: 'flat',
      partnerId: 'acme',
      timeZone: 'Europe/Rome',
      countryCode: '39',
      subscriptionStart: '2026-09-01',
      cycleAnchorDay: 1,
      cugs: [],
      overage: null,
    });
  });
});
