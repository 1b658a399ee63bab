import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/roles.js';
import { ApiError } from '../http/errors.js';
import { decideOverage, mayReleaseHeld, type OverageEntry } from './overage.js';

const admin = (partnerId: string): Principal => ({ keyId: `k-${partnerId}`, role: 'partner_admin', partnerId, accountId: null });
const sales: Principal = { keyId: 'k-s', role: 'partner_sales', partnerId: 'acme', accountId: null };
const backoffice: Principal = { keyId: 'k-b', role: 'backoffice', partnerId: null, accountId: null };

function outcome(actor: Principal, customerPartner: string | null, current: OverageEntry | undefined, target: string | null): OverageEntry | string {
  try {
    return decideOverage(actor, customerPartner, current, target, 'voice');
  } catch (err) {
    if (err instanceof ApiError) return `${err.status} ${err.code}`;
    throw err;
  }
}

describe('managing overage (seed 001)', () => {
  it.each<[string, Principal, string | null, OverageEntry | undefined, string | null, OverageEntry | string]>([
    ['the first partner to assign a target holds it', admin('acme'), 'acme', undefined, 'sub-1', { target: 'sub-1', heldBy: 'acme' }],
    ['the holder moves it to another target', admin('acme'), 'acme', { target: 'sub-1', heldBy: 'acme' }, 'sub-2', { target: 'sub-2', heldBy: 'acme' }],
    ['the holder sets it to none, releasing it', admin('acme'), 'acme', { target: 'sub-1', heldBy: 'acme' }, null, { target: null, heldBy: null }],
    ['another partner is refused while a target is held', admin('beta'), 'beta', { target: 'sub-1', heldBy: 'acme' }, 'sub-9', '409 overage_held_by_other_partner'],
    ['another partner may not even set none', admin('beta'), 'beta', { target: 'sub-1', heldBy: 'acme' }, null, '409 overage_held_by_other_partner'],
    ['once none, another partner may assign it and holds it', admin('beta'), 'beta', { target: null, heldBy: null }, 'sub-9', { target: 'sub-9', heldBy: 'beta' }],
    ['partner sales may not change it', sales, 'acme', undefined, 'sub-1', '403 overage_partner_admin_only'],
    ["the back-office may not change a partner customer's overage", backoffice, 'acme', undefined, 'sub-1', '403 overage_partner_admin_only'],
    ['the back-office manages a direct customer', backoffice, null, undefined, 'ops-1', { target: 'ops-1', heldBy: null }],
    ['a partner is refused on what the operator holds', admin('acme'), 'acme', { target: 'ops-1', heldBy: null }, 'sub-1', '409 overage_held_by_other_partner'],
  ])('%s', (_name, actor, customerPartner, current, target, expected) => {
    expect(outcome(actor, customerPartner, current, target)).toEqual(expected);
  });

  it('a former partner may only release the target it still holds', () => {
    const held = { target: 'sub-1', heldBy: 'acme' };
    expect(mayReleaseHeld(admin('acme'), held, null)).toBe(true);
    expect(mayReleaseHeld(admin('acme'), held, 'sub-2')).toBe(false);
    expect(mayReleaseHeld(admin('beta'), held, null)).toBe(false);
    expect(mayReleaseHeld({ ...sales }, held, null)).toBe(false);
    expect(mayReleaseHeld(admin('acme'), { target: null, heldBy: null }, null)).toBe(false);
  });
});
