import { describe, expect, it } from 'vitest';
import { lineProfileOf, overageOf, type ProfiledAccount, type ProfiledLine } from './line-profile.js';

const account: ProfiledAccount = {
  partnerId: 'acme',
  country: '39',
  timezone: 'Europe/Rome',
  billing: { anchorDay: 1 },
  overage: [
    { service: 'voice', target: 'sub-1' },
    { service: 'sms', target: null },
  ],
};
const line: ProfiledLine = {
  offerId: 'flat',
  activeFrom: '2026-09-01',
  closedUserGroups: [],
  offerPeriods: [
    { offerId: 'payg', from: '2026-08-31T22:00:00Z', to: '2026-10-14T22:30:00Z' },
    // 00:30 on 15 October in Rome: the flat's allowance is prorated from that local day.
    { offerId: 'flat', from: '2026-10-14T22:30:00Z', to: '2026-10-18T08:00:00Z' },
    { offerId: 'flat', from: '2026-10-18T08:00:00Z', to: null },
  ],
};

describe('lineProfileOf', () => {
  it('takes the package in force at the event, with the day the line went onto that offer', () => {
    expect(lineProfileOf(account, line, { startTime: '2026-10-10T10:00:00+02:00', service: 'voice' })).toMatchObject({ offerId: 'payg', subscriptionStart: '2026-09-01' });
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
