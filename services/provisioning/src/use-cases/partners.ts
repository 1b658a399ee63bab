import { z } from 'zod';
import { IANAZone } from 'luxon';
import { partnerById } from '@rcp/domain';
import type { Principal } from '../auth/roles.js';
import { conflict, forbidden, notFound, refused } from '../http/errors.js';
import { requireRole, scopedPartner, uniqueViolation, type Deps } from './context.js';

export const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'must be an identifier: letters, digits, _ . : - (at most 100)');

export const CreatePartner = z
  .object({
    partnerId: Id,
    name: z.string().min(1).max(200),
    /** The zone a date-only effective date of the partner's price edits is read in. */
    timezone: z.string().refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as "Europe/Rome"').default('UTC'),
  })
  .strict();

export type PartnerView = { partnerId: string; name: string; timezone: string; createdAt: Date };

const COLUMNS = `partner_id as "partnerId", name, timezone, created_at as "createdAt"`;

/**
 * A partner is created by the back-office once billing ops have put it in the catalogue (its wholesale
 * list): rating refuses CDRs of a partner the catalogue does not know, so the order is catalogue first.
 */
export async function createPartner(deps: Deps, actor: Principal, input: z.output<typeof CreatePartner>): Promise<PartnerView> {
  requireRole(actor, 'partner.create');
  const version = deps.catalogue.versionAt(deps.now());
  if (!partnerById(version, input.partnerId)) {
    throw refused('partner_not_in_catalogue', `partner ${input.partnerId} is not in catalogue version ${version.version}; billing ops add its price lists first`);
  }
  try {
    const { rows } = await deps.pool.query<PartnerView>(
      `insert into provisioning.partners (partner_id, name, timezone, created_by) values ($1, $2, $3, $4) returning ${COLUMNS}`,
      [input.partnerId, input.name, input.timezone, actor.keyId],
    );
    return rows[0]!;
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('partner_exists', `partner ${input.partnerId} already exists`);
    throw err;
  }
}

export async function listPartners(deps: Deps, actor: Principal): Promise<PartnerView[]> {
  requireRole(actor, 'partner.read');
  const { rows } = await deps.pool.query<PartnerView>(
    `select ${COLUMNS} from provisioning.partners where $1::text is null or partner_id = $1 order by partner_id`,
    [actor.role === 'backoffice' ? null : actor.partnerId],
  );
  return rows;
}

export async function getPartner(deps: Deps, actor: Principal, partnerId: string): Promise<PartnerView> {
  scopedPartner(actor, partnerId, 'partner.read');
  const partner = await findPartner(deps, partnerId);
  if (!partner) throw notFound('partner', partnerId);
  return partner;
}

export async function findPartner(deps: Pick<Deps, 'pool'>, partnerId: string): Promise<PartnerView | undefined> {
  const { rows } = await deps.pool.query<PartnerView>(`select ${COLUMNS} from provisioning.partners where partner_id = $1`, [partnerId]);
  return rows[0];
}

/** The partner a new customer goes under: a partner role's own; the back-office names one or none (direct). */
export function partnerForNewCustomer(actor: Principal, asked: string | null | undefined): string | null {
  if (actor.role === 'backoffice') return asked ?? null;
  if (actor.role === 'customer') throw forbidden('role_forbidden', 'the customer role may not create customers');
  if (asked !== undefined && asked !== actor.partnerId) throw notFound('partner', String(asked));
  return actor.partnerId;
}
