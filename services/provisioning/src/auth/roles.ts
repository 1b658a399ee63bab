// Who may do what. Four roles (seed 001's admin agent / sales agent / global admin, plus the end customer):
// the operator's back-office sees everything; a partner's admin and sales see only their partner's
// customers; a customer sees only itself. Scope decides *whether a thing exists for you* (404 otherwise, so
// another partner's customer ids leak nothing); the role then decides what you may do with it (403).

export const ROLES = ['backoffice', 'partner_admin', 'partner_sales', 'customer'] as const;
export type Role = (typeof ROLES)[number];

export type Principal = {
  keyId: string;
  role: Role;
  /** The partner a partner role belongs to; the customer's partner (or null) for a customer. */
  partnerId: string | null;
  /** The customer account of a customer role. */
  accountId: string | null;
};

export type Action =
  | 'partner.create'
  | 'partner.read'
  | 'credential.manage'
  | 'customer.create'
  | 'customer.read'
  | 'customer.update'
  | 'customer.transfer'
  | 'line.create'
  | 'line.read'
  | 'line.modify'
  | 'topup.create'
  | 'overage.read'
  | 'overage.update'
  | 'prices.read'
  | 'prices.update'
  | 'invoices.read'
  | 'reports.read';

/**
 * The permission table. Partner sales is read-mostly: it may sign up a customer and its first lines (a
 * sale), nothing that changes what an existing line costs. Overage is changed only by a partner admin
 * (seed 001); the back-office does it for the operator's own direct customers, checked in the use case.
 */
const ALLOWED: Readonly<Record<Role, ReadonlySet<Action>>> = {
  backoffice: new Set<Action>([
    'partner.create', 'partner.read', 'credential.manage', 'customer.create', 'customer.read', 'customer.update', 'customer.transfer',
    'line.create', 'line.read', 'line.modify', 'topup.create', 'overage.read', 'overage.update', 'prices.read', 'prices.update',
    'invoices.read', 'reports.read',
  ]),
  partner_admin: new Set<Action>([
    'partner.read', 'credential.manage', 'customer.create', 'customer.read', 'customer.update', 'line.create', 'line.read', 'line.modify',
    'topup.create', 'overage.read', 'overage.update', 'prices.read', 'prices.update', 'invoices.read', 'reports.read',
  ]),
  partner_sales: new Set<Action>(['partner.read', 'customer.create', 'customer.read', 'line.create', 'line.read', 'overage.read', 'prices.read', 'invoices.read', 'reports.read']),
  customer: new Set<Action>(['customer.read', 'line.read', 'invoices.read', 'reports.read']),
};

export function roleMay(role: Role, action: Action): boolean {
  return ALLOWED[role].has(action);
}

/** Whether a customer exists for the principal at all (else it is answered as not found). */
export function seesCustomer(p: Principal, customer: { accountId: string; partnerId: string | null }): boolean {
  switch (p.role) {
    case 'backoffice':
      return true;
    case 'partner_admin':
    case 'partner_sales':
      return customer.partnerId !== null && customer.partnerId === p.partnerId;
    case 'customer':
      return customer.accountId === p.accountId;
  }
}

/** Whether a partner (its prices, reports, credentials) exists for the principal. */
export function seesPartner(p: Principal, partnerId: string): boolean {
  if (p.role === 'backoffice') return true;
  if (p.role === 'customer') return false;
  return p.partnerId === partnerId;
}

/** Whether a principal may hand out a credential of this kind (never more than it has, never elsewhere). */
export function mayIssue(p: Principal, wanted: { role: Role; partnerId: string | null }): boolean {
  if (p.role === 'backoffice') return true;
  if (p.role !== 'partner_admin') return false;
  return wanted.role !== 'backoffice' && wanted.partnerId === p.partnerId;
}
