import { describe, expect, it } from 'vitest';
import { AccountEventV1 } from '@rcp/contracts';
import { accountStateOf, type StoredCustomer, type StoredLine } from './account-state.js';

const customer: StoredCustomer = {
  accountId: 'ACC-1',
  partnerId: 'acme',
  name: 'Studio Rossi',
  country: '39',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
  credit: { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '0' },
  revision: 7,
};

const d = (s: string) => new Date(s);
const line: StoredLine = {
  lineId: 'L1',
  activeFrom: '2026-10-01',
  activeTo: null,
  closedUserGroups: [],
  numbers: ['390611110002', '390611110001'],
  accountCodes: [],
  periods: [
    { offerId: 'payg', channels: 4, effectiveFrom: d('2026-09-30T22:00:00Z'), effectiveTo: d('2026-10-15T08:00:00Z'), change: 'activation' },
    { offerId: 'flat-per-use', channels: 4, effectiveFrom: d('2026-10-15T08:00:00Z'), effectiveTo: d('2026-10-31T23:00:00Z'), change: 'upgrade' },
    { offerId: 'payg', channels: 8, effectiveFrom: d('2026-10-31T23:00:00Z'), effectiveTo: null, change: 'downgrade' },
  ],
};

describe('the account state on account.events', () => {
  it('keeps its contract and carries the package in force at publication at top level', () => {
    const state = accountStateOf(customer, [line], [{ service: 'voice', target: 'sub-1', heldBy: 'acme', updatedAt: d('2026-10-02T00:00:00Z') }], d('2026-10-20T00:00:00Z'));
    expect(AccountEventV1.safeParse(state).success).toBe(true);
    expect(state).toMatchObject({ eventId: 'ACC-1:7', accountId: 'ACC-1', partnerId: 'acme', overage: [{ service: 'voice', target: 'sub-1', heldBy: 'acme' }] });
    expect(state.lines[0]).toMatchObject({ offerId: 'flat-per-use', channels: 4, activeFrom: '2026-10-01', numbers: ['390611110001', '390611110002'] });
    expect(state.lines[0]!.offerPeriods!.map((p) => [p.offerId, p.from, p.to, p.change])).toEqual([
      ['payg', '2026-09-30T22:00:00.000Z', '2026-10-15T08:00:00.000Z', 'activation'],
      ['flat-per-use', '2026-10-15T08:00:00.000Z', '2026-10-31T23:00:00.000Z', 'upgrade'],
      ['payg', '2026-10-31T23:00:00.000Z', null, 'downgrade'],
    ]);
  });

  it('a scheduled change shows at top level once it is in force', () => {
    expect(accountStateOf(customer, [line], [], d('2026-11-01T00:00:00Z')).lines[0]).toMatchObject({ offerId: 'payg', channels: 8 });
  });

  it('a line activated later shows its first package', () => {
    expect(accountStateOf(customer, [line], [], d('2026-09-01T00:00:00Z')).lines[0]).toMatchObject({ offerId: 'payg', channels: 4 });
  });
});
