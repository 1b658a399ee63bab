// Managing overage (seed 001): per customer and service, one billing target at a time, or none. The
// partner that set a target first holds it; nobody else may change it until the holder sets it to none.
// Only a partner admin changes it; the operator's back-office does so for the operator's direct customers.
import { forbidden, conflict } from '../http/errors.js';
import type { Principal } from '../auth/roles.js';

export type OverageEntry = { target: string | null; heldBy: string | null };

/** The party acting: a partner id, or null for the operator. */
function partyOf(p: Principal): string | null {
  return p.role === 'backoffice' ? null : p.partnerId;
}

/**
 * The setting after `actor` asks for `target` on a customer of `customerPartner`. Throws a 403 when the
 * role may not manage overage here and a 409 when another party holds the setting.
 */
export function decideOverage(actor: Principal, customerPartner: string | null, current: OverageEntry | undefined, target: string | null, service: string): OverageEntry {
  if (actor.role === 'backoffice' && customerPartner !== null) {
    throw forbidden('overage_partner_admin_only', `overage of a partner's customer is managed by an admin of that partner, not by the back-office`);
  }
  if (actor.role !== 'backoffice' && actor.role !== 'partner_admin') {
    throw forbidden('overage_partner_admin_only', 'only a partner admin may change overage');
  }
  const party = partyOf(actor);
  if (current && current.target !== null && current.heldBy !== party) {
    throw conflict(
      'overage_held_by_other_partner',
      `${service} overage of this customer is assigned by ${current.heldBy === null ? 'the operator' : `partner ${current.heldBy}`}; it must set it to none before anyone else can assign it`,
      { service, heldBy: current.heldBy },
    );
  }
  // Setting none releases the hold: the next partner to assign a target holds it.
  return { target, heldBy: target === null ? null : party };
}

/**
 * A partner that still holds a target on a customer it no longer serves (the customer moved to another
 * partner) may only release it: set it to none. Everything else about that customer stays hidden from it.
 */
export function mayReleaseHeld(actor: Principal, current: OverageEntry | undefined, target: string | null): boolean {
  return actor.role === 'partner_admin' && target === null && current !== undefined && current.target !== null && current.heldBy === actor.partnerId;
}
