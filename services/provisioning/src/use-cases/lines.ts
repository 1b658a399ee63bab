import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { inTransaction } from '@rcp/db';
import { normaliseNumber, partnerById, type CatalogueVersion } from '@rcp/domain';
import { Identifier, type LineState } from '@rcp/contracts';
import type { Principal } from '../auth/roles.js';
import { ApiError, conflict, forbidden, notFound, refused } from '../http/errors.js';
import { lineStateOf, periodInForce, type StoredCustomer, type StoredLine, type StoredPeriod } from '../rules/account-state.js';
import { effectiveInstant, localDate } from '../rules/effective.js';
import { checkNumbersFit, needsBackoffice, offerOrRefuse, planActivation, planModify, planOfferChange, type Package, type PackageChange } from '../rules/packages.js';
import { loadLines, publishAccount } from '../store/accounts.js';
import { Id } from './partners.js';
import { accountOfLine, scopedCustomer, uniqueViolation, type Deps } from './context.js';

const Channels = z.number().int().min(1).max(10_000);
const NumberInput = z.string().min(3).max(32);
/** A date (YYYY-MM-DD, the customer's zone) or an ISO instant with offset; absent: now. */
const EffectiveFrom = z.string().min(10).max(40).optional();

export const CreateLine = z
  .object({
    lineId: Id.optional(),
    /** E.164 ("+39 06 1234567", "390612345678") or national numbers of the customer's country. */
    numbers: z.array(NumberInput).min(1).max(1000),
    accountCodes: z.array(Identifier(64)).max(100).default([]),
    /** Absent: the catalogue's pay-as-you-go offer with its default channels (seed 000's advice for a new line). */
    offerId: Id.optional(),
    channels: Channels.optional(),
    activeFrom: EffectiveFrom,
    closedUserGroups: z.array(Id).max(100).default([]),
  })
  .strict();

export const ModifyLine = z
  .object({
    /** Turn a flat on (onto this offer) or off (null: back to the line's pay-as-you-go offer). */
    flat: z.object({ offerId: Id }).strict().nullable().optional(),
    /** With flat: null, the pay-as-you-go offer to go back to when the line never had one. */
    paygOfferId: Id.optional(),
    channels: Channels.optional(),
    effectiveFrom: EffectiveFrom,
  })
  .strict();

export const ChangeOffer = z.object({ offerId: Id, channels: Channels.optional(), effectiveFrom: EffectiveFrom }).strict();
export const AddNumber = z.object({ number: NumberInput }).strict();
export const CloseLine = z.object({ effectiveFrom: EffectiveFrom }).strict();

export type LineView = LineState & { accountId: string; closed: boolean; history: HistoryEntry[] };
type HistoryEntry = { offerId: string; channels: number; effectiveFrom: Date; effectiveTo: Date | null; change: string; status: string; requestedBy: string; requestedAt: Date };
export type PackageChangeResult = { line: LineView; change: PackageChange; effectiveFrom: string; cancelled: { offerId: string; channels: number; effectiveFrom: string }[] };

/** A line if its customer exists for the actor (else "no line", so nothing about it leaks), then the role check. */
async function scopedLine(db: pg.Pool | pg.PoolClient, actor: Principal, lineId: string, action: 'line.read' | 'line.modify', lock?: pg.PoolClient): Promise<StoredCustomer> {
  const accountId = await accountOfLine(db, lineId);
  try {
    return await scopedCustomer(db, actor, accountId, action, lock);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'customer_not_found') throw notFound('line', lineId);
    throw err;
  }
}

/**
 * Numbers as people write them: "+39 06 1234567" or "0039..." (international), "06 1234567" (national,
 * with its leading 0, in the customer's country), or bare E.164 digits "390612345678" as account.events
 * carries them. A national number without a leading 0 (an Italian mobile, 347...) needs its +39.
 */
function normalise(numbers: readonly string[], country: string): string[] {
  const out = numbers.map((raw) => {
    const bare = /^[1-9]\d*$/.test(raw.trim().replace(/[\s\-./()]/g, ''));
    const n = normaliseNumber(raw, { countryCode: country, bareDigits: bare ? 'international' : 'national' });
    if (!n.ok) throw refused('invalid_number', `${JSON.stringify(raw)} is not a phone number: ${n.reason}`, { number: raw });
    return n.e164;
  });
  const dup = out.find((n, i) => out.indexOf(n) !== i);
  if (dup) throw refused('duplicate_number', `number ${dup} is given twice`);
  return out;
}

/** Numbers and account codes are unique across all lines: ingestion finds a CDR's line by them. */
function mapUniqueViolation(err: unknown): never {
  const constraint = uniqueViolation(err);
  if (constraint === 'line_numbers_pkey') {
    const number = /\(number\)=\((\d+)\)/.exec((err as { detail?: string }).detail ?? '')?.[1];
    throw conflict('number_in_use', number ? `number ${number} is already assigned to a line` : 'a number is already assigned to a line', { number });
  }
  if (constraint === 'line_account_codes_pkey') throw conflict('account_code_in_use', 'an account code is already assigned to a line');
  if (constraint === 'lines_pkey') throw conflict('line_exists', 'a line with this id already exists');
  throw err;
}

function checkAccount(version: CatalogueVersion, customer: StoredCustomer, closedUserGroups: readonly string[]): void {
  if (customer.partnerId !== null && !partnerById(version, customer.partnerId)) {
    throw refused('partner_not_in_catalogue', `partner ${customer.partnerId} is not in catalogue version ${version.version}`);
  }
  const currency = version.priceLists[0]?.currency;
  if (currency && currency !== customer.currency) {
    throw refused('currency_mismatch', `the customer is billed in ${customer.currency}, catalogue version ${version.version} prices in ${currency}`);
  }
  for (const id of closedUserGroups) {
    if (!version.closedUserGroups.some((g) => g.id === id)) throw refused('unknown_closed_user_group', `closed user group ${id} is not in catalogue version ${version.version}`);
  }
}

export async function createLine(deps: Deps, actor: Principal, accountId: string, input: z.output<typeof CreateLine>): Promise<LineView> {
  const lineId = input.lineId ?? `L-${randomUUID()}`;
  await inTransaction(deps.pool, async (client) => {
    const customer = await scopedCustomer(client, actor, accountId, 'line.create', client);
    // Read after the account's lock: changes to one account then get instants in their commit order.
    const now = deps.now();
    const numbers = normalise(input.numbers, customer.country);
    // The back-office may record a line active since a past date (taking over existing lines); a partner's
    // new line starts now or later, so no allowance or fee is backdated.
    const from = effectiveInstant(input.activeFrom, now, customer.timezone, { allowPast: actor.role === 'backoffice' });
    const version = deps.catalogue.versionAt(from);
    checkAccount(version, customer, input.closedUserGroups);
    const pkg = planActivation(version, input, numbers.length);
    try {
      await client.query(
        `insert into provisioning.lines (line_id, account_id, activated_at, active_from, closed_user_groups, payg_offer_id, created_by) values ($1, $2, $3, $4, $5, $6, $7)`,
        [lineId, accountId, from, localDate(from, customer.timezone), input.closedUserGroups, pkg.offer.kind === 'payg' ? pkg.offer.id : null, actor.keyId],
      );
      await client.query(`insert into provisioning.line_numbers (number, line_id) select unnest($1::text[]), $2`, [numbers, lineId]);
      await client.query(`insert into provisioning.line_account_codes (code, line_id) select unnest($1::text[]), $2`, [input.accountCodes, lineId]);
    } catch (err) {
      mapUniqueViolation(err);
    }
    await insertPeriod(client, lineId, pkg, from, 'activation', actor);
    await publishAccount(client, accountId, now);
  });
  deps.afterCommit();
  return getLine(deps, actor, lineId);
}

async function insertPeriod(client: pg.PoolClient, lineId: string, pkg: Package, from: Date, change: PackageChange, actor: Principal): Promise<void> {
  await client.query(
    `insert into provisioning.line_offer_periods (line_id, offer_id, channels, effective_from, change, requested_by) values ($1, $2, $3, $4, $5, $6)`,
    [lineId, pkg.offer.id, pkg.channels, from, change, actor.keyId],
  );
}

export async function getLine(deps: Deps, actor: Principal, lineId: string): Promise<LineView> {
  const customer = await scopedLine(deps.pool, actor, lineId, 'line.read');
  return lineView(deps, customer, lineId);
}

export async function listLines(deps: Deps, actor: Principal, accountId: string): Promise<LineView[]> {
  const customer = await scopedCustomer(deps.pool, actor, accountId, 'line.read');
  const lines = await loadLines(deps.pool, accountId);
  return Promise.all(lines.map((l) => lineView(deps, customer, l.lineId, l)));
}

async function lineView(deps: Deps, customer: StoredCustomer, lineId: string, loaded?: StoredLine): Promise<LineView> {
  const line = loaded ?? (await loadLines(deps.pool, customer.accountId, [lineId]))[0]!;
  const { rows } = await deps.pool.query<HistoryEntry>(
    `select offer_id as "offerId", channels, effective_from as "effectiveFrom", effective_to as "effectiveTo", change, status, requested_by as "requestedBy", requested_at as "requestedAt"
     from provisioning.line_offer_periods where line_id = $1 order by period_id`,
    [lineId],
  );
  return { ...lineStateOf(line, deps.now()), accountId: customer.accountId, closed: line.activeTo !== null, history: rows };
}

type LockedLine = { customer: StoredCustomer; line: StoredLine; paygOfferId: string | null };

async function lockLine(client: pg.PoolClient, actor: Principal, lineId: string): Promise<LockedLine> {
  const customer = await scopedLine(client, actor, lineId, 'line.modify', client);
  const line = (await loadLines(client, customer.accountId, [lineId]))[0]!;
  if (line.activeTo !== null) throw conflict('line_closed', `line ${lineId} was closed on ${line.activeTo}`);
  const { rows } = await client.query<{ payg_offer_id: string | null }>('select payg_offer_id from provisioning.lines where line_id = $1', [lineId]);
  return { customer, line, paygOfferId: rows[0]!.payg_offer_id };
}

/**
 * Puts a new package on the line from `from`: the period then in force ends there, periods scheduled at or
 * after it are cancelled (kept, marked), and the new one is published as the line's package from `from`.
 */
async function applyPackage(client: pg.PoolClient, locked: LockedLine, pkg: Package, change: PackageChange, from: Date, actor: Principal, now: Date): Promise<PackageChangeResult['cancelled']> {
  const lineId = locked.line.lineId;
  const cancelled = await client.query<{ offer_id: string; channels: number; effective_from: Date }>(
    `update provisioning.line_offer_periods set status = 'cancelled' where line_id = $1 and status = 'active' and effective_from >= $2
     returning offer_id, channels, effective_from`,
    [lineId, from],
  );
  await client.query(
    `update provisioning.line_offer_periods set effective_to = $2
     where period_id = (select period_id from provisioning.line_offer_periods where line_id = $1 and status = 'active' and effective_from < $2 order by effective_from desc, period_id desc limit 1)`,
    [lineId, from],
  );
  await insertPeriod(client, lineId, pkg, from, change, actor);
  if (pkg.offer.kind === 'payg') await client.query('update provisioning.lines set payg_offer_id = $2 where line_id = $1', [lineId, pkg.offer.id]);
  await publishAccount(client, locked.customer.accountId, now);
  return cancelled.rows.map((r) => ({ offerId: r.offer_id, channels: r.channels, effectiveFrom: r.effective_from.toISOString() }));
}

async function changePackage(
  deps: Deps,
  actor: Principal,
  lineId: string,
  effectiveFrom: string | undefined,
  plan: (version: CatalogueVersion, current: Package, locked: LockedLine) => Package & { change: PackageChange },
): Promise<PackageChangeResult> {
  const result = await inTransaction(deps.pool, async (client) => {
    const locked = await lockLine(client, actor, lineId);
    // "Now" is read once the account is locked: a request that waited for another must not take effect
    // before it (it would cancel the change just committed as if it were scheduled later).
    const now = deps.now();
    let from = effectiveInstant(effectiveFrom, now, locked.customer.timezone);
    const activation = locked.line.periods[0]!.effectiveFrom;
    if (from < activation) {
      // A line activated later: "now" means from its activation; an earlier explicit date is a mistake.
      if (effectiveFrom !== undefined) throw refused('change_before_activation', `line ${lineId} is activated from ${activation.toISOString()}; a change cannot take effect before`);
      from = activation;
    }
    const inForce = periodInForce(locked.line.periods, from);
    // A change for "now" comes after the one in force, even one committed in the same millisecond.
    if (inForce && inForce.effectiveFrom.getTime() === from.getTime() && from.getTime() <= now.getTime()) {
      from = new Date(from.getTime() + 1);
    }
    const version = deps.catalogue.versionAt(from);
    const currentPeriod = periodInForce(locked.line.periods, from)!;
    // The offer in force may have left the catalogue; then the line is judged as if it had none to keep.
    const current: Package = { offer: offerOrCurrent(version, currentPeriod), channels: currentPeriod.channels };
    const next = plan(version, current, locked);
    if (needsBackoffice(current.offer, next.change) && actor.role !== 'backoffice') {
      throw forbidden('flat_downgrade_backoffice_only', `line ${lineId} is on FLAT Business offer ${current.offer.id}; downgrading it to ${next.offer.id} is done by the back-office`);
    }
    // Replacing the package of a line not yet active: its first period is still its activation.
    const change = from.getTime() === activation.getTime() ? 'activation' : next.change;
    const cancelled = await applyPackage(client, locked, next, change, from, actor, now);
    return { change, effectiveFrom: from.toISOString(), cancelled };
  });
  deps.afterCommit();
  return { ...result, line: await getLine(deps, actor, lineId) };
}

function offerOrCurrent(version: CatalogueVersion, period: StoredPeriod) {
  try {
    return offerOrRefuse(version, period.offerId);
  } catch {
    throw refused('current_offer_not_in_catalogue', `the line's offer ${period.offerId} is not in catalogue version ${version.version}; ask the back-office`);
  }
}

/** Seed 000's "modify": flat on/off and channels. */
export function modifyLine(deps: Deps, actor: Principal, lineId: string, input: z.output<typeof ModifyLine>): Promise<PackageChangeResult> {
  return changePackage(deps, actor, lineId, input.effectiveFrom, (version, current, locked) =>
    planModify(version, current, input, { paygOfferId: locked.paygOfferId, numberCount: locked.line.numbers.length }),
  );
}

/** Assigning a package: upgrade, downgrade or sideways, now or from an effective date. */
export function changeOffer(deps: Deps, actor: Principal, lineId: string, input: z.output<typeof ChangeOffer>): Promise<PackageChangeResult> {
  return changePackage(deps, actor, lineId, input.effectiveFrom, (version, current, locked) => planOfferChange(version, current, input, locked.line.numbers.length));
}

/** Offers the line has now or later (a scheduled change): each must accept the line's numbers. */
function offersFromNow(line: StoredLine, now: Date): { offerId: string; at: Date }[] {
  const current = periodInForce(line.periods, now);
  return line.periods.filter((p) => p === current || p.effectiveFrom.getTime() > now.getTime()).map((p) => ({ offerId: p.offerId, at: p.effectiveFrom < now ? now : p.effectiveFrom }));
}

export async function addNumber(deps: Deps, actor: Principal, lineId: string, input: z.output<typeof AddNumber>): Promise<LineView> {
  await inTransaction(deps.pool, async (client) => {
    const locked = await lockLine(client, actor, lineId);
    const now = deps.now();
    const [number] = normalise([input.number], locked.customer.country);
    for (const { offerId, at } of offersFromNow(locked.line, now)) {
      const offer = deps.catalogue.versionAt(at).offers.find((o) => o.id === offerId);
      if (offer) checkNumbersFit(offer, locked.line.numbers.length + 1);
    }
    try {
      await client.query(`insert into provisioning.line_numbers (number, line_id) values ($1, $2)`, [number, lineId]);
    } catch (err) {
      mapUniqueViolation(err);
    }
    await publishAccount(client, locked.customer.accountId, now);
  });
  deps.afterCommit();
  return getLine(deps, actor, lineId);
}

export async function removeNumber(deps: Deps, actor: Principal, lineId: string, raw: string): Promise<LineView> {
  await inTransaction(deps.pool, async (client) => {
    const locked = await lockLine(client, actor, lineId);
    const now = deps.now();
    const [number] = normalise([raw], locked.customer.country);
    if (!locked.line.numbers.includes(number!)) throw new ApiError(404, 'number_not_on_line', `number ${number} is not on line ${lineId}`);
    if (locked.line.numbers.length === 1) throw refused('line_needs_a_number', `number ${number} is the line's only number; close the line instead`);
    await client.query(`delete from provisioning.line_numbers where number = $1 and line_id = $2`, [number, lineId]);
    await publishAccount(client, locked.customer.accountId, now);
  });
  deps.afterCommit();
  return getLine(deps, actor, lineId);
}

/**
 * Closes a line from an instant (now by default): its package ends there, later scheduled ones are
 * cancelled, and it stays in the account state with activeTo so invoicing can prorate its last cycle.
 * Its numbers stay reserved to it (ingestion does not yet look at activeTo).
 */
export async function closeLine(deps: Deps, actor: Principal, lineId: string, input: z.output<typeof CloseLine>): Promise<LineView> {
  await inTransaction(deps.pool, async (client) => {
    const locked = await lockLine(client, actor, lineId);
    const now = deps.now();
    const at = effectiveInstant(input.effectiveFrom, now, locked.customer.timezone);
    if (at.getTime() <= locked.line.periods[0]!.effectiveFrom.getTime()) throw refused('close_before_activation', `line ${lineId} cannot close before it is activated`);
    await client.query(`update provisioning.line_offer_periods set status = 'cancelled' where line_id = $1 and status = 'active' and effective_from >= $2`, [lineId, at]);
    await client.query(
      `update provisioning.line_offer_periods set effective_to = $2
       where period_id = (select period_id from provisioning.line_offer_periods where line_id = $1 and status = 'active' order by effective_from desc, period_id desc limit 1)`,
      [lineId, at],
    );
    await client.query(`update provisioning.lines set closed_at = $2, active_to = $3 where line_id = $1`, [lineId, at, localDate(at, locked.customer.timezone)]);
    await publishAccount(client, locked.customer.accountId, now);
  });
  deps.afterCommit();
  return getLine(deps, actor, lineId);
}
