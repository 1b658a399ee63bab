import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { catalogueVersionAt, parseCatalogue, type Catalogue } from '@rcp/domain';
import type { Principal } from '../auth/roles.js';
import { ApiError, notFound } from '../http/errors.js';
import { effectiveInstant } from '../rules/effective.js';
import { catalogueWithPartnerRates, partnerOwnRates, RetailRateEdit } from '../rules/retail-prices.js';
import { requireUpstream, type Upstream } from '../upstream/clients.js';
import { withAdvisoryLock } from '../store/accounts.js';
import { findPartner } from './partners.js';
import { Reply, scopedPartner, type Deps } from './context.js';

export const EditRetailPrices = z
  .object({
    /** A date (the partner's zone) or an instant; absent: now. */
    effectiveFrom: z.string().min(10).max(40).optional(),
    rates: z.array(RetailRateEdit).min(1).max(5000),
  })
  .strict();

type ChangeRow = { changeId: number; effectiveFrom: Date; rates: unknown; status: string; catalogueRevision: number | null; submittedBy: string; submittedAt: Date; publishedAt: Date | null };
const CHANGE_COLUMNS = `change_id as "changeId", effective_from as "effectiveFrom", rates, status, catalogue_revision as "catalogueRevision", submitted_by as "submittedBy", submitted_at as "submittedAt", published_at as "publishedAt"`;

/** The partner's own retail rates in force now (from the catalogue) and every edit it made. */
export async function getRetailPrices(deps: Deps, actor: Principal, partnerId: string) {
  scopedPartner(actor, partnerId, 'prices.read');
  if (!(await findPartner(deps, partnerId))) throw notFound('partner', partnerId);
  const now = deps.now();
  const version = deps.catalogue.versionAt(now);
  const { rows } = await deps.pool.query<ChangeRow>(`select ${CHANGE_COLUMNS} from provisioning.retail_price_changes where partner_id = $1 order by change_id`, [partnerId]);
  return { partnerId, catalogueRevision: deps.catalogue.current()?.revision ?? null, version: version.version, ...partnerOwnRates(version, partnerId), changes: rows };
}

/**
 * A partner's edit of its retail list. The edit is checked against rating's catalogue (the one in force
 * there), recorded, and applied to rating as a new catalogue version from its effective instant; rating
 * stores it and publishes it on catalogue.events. If rating cannot be reached the edit stays pending and
 * is applied by the next tick; nothing is recorded when the edit is refused.
 */
export async function editRetailPrices(deps: Deps, actor: Principal, partnerId: string, input: z.output<typeof EditRetailPrices>) {
  scopedPartner(actor, partnerId, 'prices.update');
  const partner = await findPartner(deps, partnerId);
  if (!partner) throw notFound('partner', partnerId);
  const rating = requireUpstream(deps.upstream.rating, 'rating');
  const from = effectiveInstant(input.effectiveFrom, deps.now(), partner.timezone);
  const versionId = `${partnerId}.prices.${from.toISOString().slice(0, 10)}.${randomBytes(3).toString('hex')}`;
  // Refused here (422) before anything is stored, against the catalogue rating has now.
  const base = await ratingCatalogue(rating);
  catalogueWithPartnerRates(base.catalogue, partnerId, input.rates, from, versionId);

  const { rows } = await deps.pool.query<ChangeRow>(
    `insert into provisioning.retail_price_changes (partner_id, effective_from, rates, submitted_by) values ($1, $2, $3, $4) returning ${CHANGE_COLUMNS}`,
    [partnerId, from, JSON.stringify({ versionId, edits: input.rates }), actor.keyId],
  );
  const change = rows[0]!;
  try {
    const revision = await publishPriceChange(deps, rating, change.changeId);
    return new Reply(200, { partnerId, changeId: change.changeId, status: 'published', catalogueRevision: revision, version: versionId, effectiveFrom: from.toISOString() });
  } catch (err) {
    if (err instanceof ApiError && err.status >= 500) {
      deps.logger.warn({ err: err.message, changeId: change.changeId }, 'retail price change stays pending; rating will be retried');
      return new Reply(202, { partnerId, changeId: change.changeId, status: 'pending', catalogueRevision: null, version: versionId, effectiveFrom: from.toISOString() });
    }
    throw err;
  }
}

async function ratingCatalogue(rating: Upstream): Promise<{ revision: number; catalogue: Catalogue }> {
  const answer = await rating.call<{ revision: number; catalogue: unknown }>('GET', '/v1/catalogue');
  if (answer.status === 404) throw new ApiError(503, 'no_catalogue', 'rating has no catalogue yet');
  if (answer.status !== 200) throw new ApiError(502, 'rating_refused', `rating answered ${answer.status} for its catalogue`);
  return { revision: answer.body.revision, catalogue: parseCatalogue(answer.body.catalogue) };
}

/**
 * Applies one recorded change to rating: re-derived from rating's latest catalogue, so edits made in the
 * meantime (by billing ops or other partners) are kept. A change whose version rating already has was
 * applied before (the answer was lost): it is only marked published.
 */
export function publishPriceChange(deps: Deps, rating: Upstream, changeId: number): Promise<number> {
  return withAdvisoryLock(deps.pool, 'provisioning:retail-prices', () => publishLocked(deps, rating, changeId));
}

async function publishLocked(deps: Deps, rating: Upstream, changeId: number): Promise<number> {
  const { rows } = await deps.pool.query<{ partner_id: string; effective_from: Date; rates: { versionId: string; edits: z.output<typeof RetailRateEdit>[] }; status: string }>(
    'select partner_id, effective_from, rates, status from provisioning.retail_price_changes where change_id = $1',
    [changeId],
  );
  const row = rows[0]!;
  if (row.status !== 'pending') return (await deps.pool.query<{ r: number }>('select catalogue_revision as r from provisioning.retail_price_changes where change_id = $1', [changeId])).rows[0]!.r;
  let revision: number;
  // Read, change, apply over the revision read (If-Match): if billing ops or another instance applied a
  // catalogue in between, rating answers 412 and the change is derived again from the newer one.
  for (let attempt = 1; ; attempt++) {
    const base = await ratingCatalogue(rating);
    revision = base.revision;
    if (base.catalogue.versions.some((v) => v.version === row.rates.versionId)) break;
    // An effective instant that has passed while pending takes effect now instead (never in the past).
    const from = row.effective_from.getTime() < deps.now().getTime() ? deps.now() : row.effective_from;
    if (!catalogueVersionAt(base.catalogue, from.toISOString())) throw new ApiError(422, 'no_catalogue_version', `no catalogue version is in force at ${from.toISOString()}`);
    const next = catalogueWithPartnerRates(base.catalogue, row.partner_id, row.rates.edits, from, row.rates.versionId);
    const applied = await rating.call<{ revision: number; error?: string }>('PUT', '/v1/catalogue', next, { 'if-match': `"${base.revision}"` });
    if (applied.status === 412 && attempt < 5) continue;
    if (applied.status !== 201) throw new ApiError(applied.status >= 500 || applied.status === 412 ? 503 : 502, 'rating_refused', `rating refused the catalogue with the partner's prices: ${applied.status} ${applied.body?.error ?? ''}`.trim());
    revision = applied.body.revision;
    break;
  }
  await deps.pool.query(`update provisioning.retail_price_changes set status = 'published', catalogue_revision = $2, published_at = now() where change_id = $1`, [changeId, revision]);
  return revision;
}

/** Applies the changes still pending (rating was away when they were made), oldest first. */
export async function publishPendingPriceChanges(deps: Deps): Promise<number> {
  const rating = deps.upstream.rating;
  if (!rating) return 0;
  const { rows } = await deps.pool.query<{ change_id: number }>(`select change_id from provisioning.retail_price_changes where status = 'pending' order by change_id limit 20`);
  let n = 0;
  for (const r of rows) {
    try {
      await publishPriceChange(deps, rating, r.change_id);
      n++;
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) {
        // The catalogue moved on so that the edit no longer fits: kept as refused, with the reason.
        await deps.pool.query(`update provisioning.retail_price_changes set status = 'refused' where change_id = $1`, [r.change_id]);
        deps.logger.warn({ changeId: r.change_id, code: err.code, message: err.message }, 'pending retail price change refused');
        continue;
      }
      break;
    }
  }
  return n;
}
