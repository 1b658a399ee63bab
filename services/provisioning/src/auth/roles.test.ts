import { describe, expect, it } from 'vitest';
import { mayIssue, roleMay, seesCustomer, seesPartner, type Action, type Principal, type Role } from './roles.js';

const p = (role: Role, partnerId: string | null = null, accountId: string | null = null): Principal => ({ keyId: 'k', role, partnerId, accountId });

// B = back-office, A = partner admin, S = partner sales, C = customer: who may do each action.
const TABLE: Record<Action, string> = {
  'partner.create': 'B',
  'partner.read': 'BAS',
  'credential.manage': 'BA',
  'customer.create': 'BAS',
  'customer.read': 'BASC',
  'customer.update': 'BA',
  'customer.transfer': 'B',
  'line.create': 'BAS',
  'line.read': 'BASC',
  'line.modify': 'BA',
  'topup.create': 'BA',
  'overage.read': 'BAS',
  'overage.update': 'BA',
  'prices.read': 'BAS',
  'prices.update': 'BA',
  'invoices.read': 'BASC',
  'reports.read': 'BASC',
};
const LETTER: Record<Role, string> = { backoffice: 'B', partner_admin: 'A', partner_sales: 'S', customer: 'C' };

describe('roles', () => {
  for (const [action, who] of Object.entries(TABLE) as [Action, string][]) {
    it(`${action}: ${who}`, () => {
      for (const role of Object.keys(LETTER) as Role[]) expect(roleMay(role, action), `${role} ${action}`).toBe(who.includes(LETTER[role]));
    });
  }

  it('scopes a customer to its partner, or to itself', () => {
    const acmeCustomer = { accountId: 'ACC-1', partnerId: 'acme' };
    const direct = { accountId: 'ACC-D', partnerId: null };
    expect(seesCustomer(p('backoffice'), acmeCustomer)).toBe(true);
    expect(seesCustomer(p('partner_admin', 'acme'), acmeCustomer)).toBe(true);
    expect(seesCustomer(p('partner_sales', 'beta'), acmeCustomer)).toBe(false);
    expect(seesCustomer(p('partner_admin', 'acme'), direct)).toBe(false);
    expect(seesCustomer(p('customer', null, 'ACC-1'), acmeCustomer)).toBe(true);
    expect(seesCustomer(p('customer', null, 'ACC-2'), acmeCustomer)).toBe(false);
  });

  it('scopes a partner to itself', () => {
    expect(seesPartner(p('partner_sales', 'acme'), 'acme')).toBe(true);
    expect(seesPartner(p('partner_admin', 'acme'), 'beta')).toBe(false);
    expect(seesPartner(p('customer', null, 'ACC-1'), 'acme')).toBe(false);
  });

  it('a partner admin issues credentials for its own partner only, never a back-office one', () => {
    expect(mayIssue(p('partner_admin', 'acme'), { role: 'partner_sales', partnerId: 'acme' })).toBe(true);
    expect(mayIssue(p('partner_admin', 'acme'), { role: 'partner_admin', partnerId: 'beta' })).toBe(false);
    expect(mayIssue(p('partner_admin', 'acme'), { role: 'backoffice', partnerId: null })).toBe(false);
    expect(mayIssue(p('partner_sales', 'acme'), { role: 'customer', partnerId: 'acme' })).toBe(false);
  });
});
