import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '@rcp/db';
import { currencyMinorUnits, DEFAULT_TEMPLATES, followUpDue, renderTemplate, roundToMinorUnit, dec, type BillingConfig, type OfferVariables, type TemplateKind } from '@rcp/domain';
import { BillingError } from '../billing/customer-invoice.js';
import type { TaskDetails } from './checks.js';

export type TaskRow = {
  task_id: string;
  account_id: string;
  period_key: string;
  kind: string;
  check: TemplateKind;
  status: string;
  details: TaskDetails & { offerId?: string; offerSentOn?: string };
  created_on: string;
  offer_id: string | null;
  resolution: string | null;
};
export type OfferRow = { offer_id: string; task_id: string; account_id: string; use: 'offer' | 'followUp'; text: string; sent_on: string; status: string; answered_on: string | null; follows_offer_id: string | null };

const TASK_COLUMNS = `task_id, account_id, period_key, kind, "check", status, details, created_on, offer_id, resolution`;
const OFFER_COLUMNS = `offer_id, task_id, account_id, use, text, sent_on, status, answered_on, follows_offer_id`;

/** A task as the HTTP API shows it. */
export function taskView(t: TaskRow) {
  return { taskId: t.task_id, accountId: t.account_id, periodKey: t.period_key, kind: t.kind, check: t.check, status: t.status, details: t.details, createdOn: t.created_on, offerId: t.offer_id, resolution: t.resolution };
}

/** An offer as the HTTP API shows it. */
export function offerView(o: OfferRow) {
  return { offerId: o.offer_id, taskId: o.task_id, accountId: o.account_id, use: o.use, text: o.text, sentOn: o.sent_on, status: o.status, answeredOn: o.answered_on, followsOfferId: o.follows_offer_id };
}

export async function listTasks(db: pg.Pool, q: { accountId?: string; status?: string; kind?: string }): Promise<TaskRow[]> {
  const { rows } = await db.query<TaskRow>(
    `select ${TASK_COLUMNS} from invoicing.tasks where ($1::text is null or account_id = $1) and ($2::text is null or status = $2) and ($3::text is null or kind = $3)
     order by created_on, account_id, kind limit 1000`,
    [q.accountId ?? null, q.status ?? null, q.kind ?? null],
  );
  return rows;
}

export async function taskById(db: pg.Pool | pg.PoolClient, taskId: string): Promise<TaskRow | undefined> {
  return (await db.query<TaskRow>(`select ${TASK_COLUMNS} from invoicing.tasks where task_id = $1`, [taskId])).rows[0];
}

export async function offerById(db: pg.Pool | pg.PoolClient, offerId: string): Promise<OfferRow | undefined> {
  return (await db.query<OfferRow>(`select ${OFFER_COLUMNS} from invoicing.offers where offer_id = $1`, [offerId])).rows[0];
}

export async function listOffers(db: pg.Pool, q: { accountId?: string; taskId?: string }): Promise<OfferRow[]> {
  return (await db.query<OfferRow>(`select ${OFFER_COLUMNS} from invoicing.offers where ($1::text is null or account_id = $1) and ($2::text is null or task_id = $2) order by sent_on, created_at`, [q.accountId ?? null, q.taskId ?? null])).rows;
}

function money(value: string | undefined, currency: string): string {
  return value === undefined ? '' : roundToMinorUnit(value, currency).toFixed(currencyMinorUnits(currency));
}

function variables(d: TaskDetails, greeting: string, offerDate: string): OfferVariables {
  return {
    greeting,
    tolerancePercent: d.tolerancePercent,
    currentPrice: money(d.currentPrice, d.currency),
    month: d.month,
    minutes: dec(d.minutes).toDecimalPlaces(2).toFixed(),
    calls: String(d.calls),
    referencePrice: d.referencePricePerMinute ?? '',
    newPrice: money(d.newPrice, d.currency),
    offerDate,
    currentCategory: d.category === undefined ? '' : String(d.category),
    proposedCategory: d.proposedCategory === undefined ? '' : d.proposedCategory === 'per_minute' ? 'per-minute billing' : String(d.proposedCategory),
  };
}

/**
 * Sends the customer the offer of a task (or, from a follow-up task, the follow-up message) from the
 * template of its check, with the numbered placeholders filled. A task sends one message; asking again
 * returns it.
 */
export async function sendOffer(pool: pg.Pool, deps: { config: () => Promise<BillingConfig> }, req: { taskId: string; greeting: string; sentOn: string }): Promise<{ offer: OfferRow; status: 'sent' | 'already_sent' }> {
  const config = await deps.config();
  return inTransaction(pool, async (client) => {
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`task:${req.taskId}`]);
    const task = await taskById(client, req.taskId);
    if (!task) throw new BillingError('unknown_task', `no task ${req.taskId}`, 404);
    const sent = await client.query<OfferRow>(`select ${OFFER_COLUMNS} from invoicing.offers where task_id = $1`, [task.task_id]);
    if (sent.rows[0]) return { offer: sent.rows[0], status: 'already_sent' as const };
    if (task.status === 'closed') throw new BillingError('task_closed', `task ${task.task_id} is closed`, 409);
    const use = task.kind === 'follow_up' ? 'followUp' : 'offer';
    const template = config.templates[task.check]?.[use] ?? DEFAULT_TEMPLATES[task.check][use];
    const text = renderTemplate(task.check, use, template, variables(task.details, req.greeting, task.details.offerSentOn ?? req.sentOn));
    const offerId = randomUUID();
    await client.query(
      `insert into invoicing.offers (offer_id, task_id, account_id, use, text, sent_on, status, follows_offer_id) values ($1, $2, $3, $4, $5, $6, 'sent', $7)`,
      [offerId, task.task_id, task.account_id, use, text, req.sentOn, task.offer_id],
    );
    await client.query(`update invoicing.tasks set status = 'offer_sent' where task_id = $1`, [task.task_id]);
    return { offer: (await offerById(client, offerId))!, status: 'sent' as const };
  });
}

/** The customer answered: the offer (and the tasks about it) are settled; no follow-up opens for it any more. */
export async function answerOffer(pool: pg.Pool, req: { offerId: string; accepted: boolean; answeredOn: string }): Promise<OfferRow> {
  return inTransaction(pool, async (client) => {
    const offer = await offerById(client, req.offerId);
    if (!offer) throw new BillingError('unknown_offer', `no offer ${req.offerId}`, 404);
    const original = offer.follows_offer_id ?? offer.offer_id;
    const answer = req.accepted ? 'accepted' : 'declined';
    if (offer.status !== 'sent' && offer.status !== answer) throw new BillingError('offer_answered', `offer ${offer.offer_id} was already ${offer.status}`, 409);
    await client.query(`update invoicing.offers set status = $2, answered_on = $3 where offer_id = any($1) and status = 'sent'`, [[offer.offer_id, original], answer, req.answeredOn]);
    await client.query(`update invoicing.tasks set status = 'closed', resolution = $2 where task_id in (select task_id from invoicing.offers where offer_id = any($1)) or offer_id = $3`, [[offer.offer_id, original], `offer ${answer}`, original]);
    return (await offerById(client, offer.offer_id))!;
  });
}

export async function closeTask(pool: pg.Pool, req: { taskId: string; resolution: string }): Promise<TaskRow> {
  const { rowCount } = await pool.query(`update invoicing.tasks set status = 'closed', resolution = $2 where task_id = $1`, [req.taskId, req.resolution]);
  if (rowCount === 0) throw new BillingError('unknown_task', `no task ${req.taskId}`, 404);
  return (await taskById(pool, req.taskId))!;
}

/**
 * Opens a follow-up task for every offer left unanswered for 7 days (or the billing document's setting) on
 * `asOf`; once per offer.
 */
export async function runFollowUps(pool: pg.Pool, deps: { config: () => Promise<BillingConfig> }, req: { asOf: string }): Promise<string[]> {
  const config = await deps.config();
  const { rows } = await pool.query<OfferRow & { period_key: string; check: TemplateKind; details: TaskDetails }>(
    `select o.offer_id, o.task_id, o.account_id, o.sent_on, o.status, t.period_key, t."check", t.details
     from invoicing.offers o join invoicing.tasks t on t.task_id = o.task_id
     where o.use = 'offer' and o.status = 'sent' and o.sent_on <= $1 order by o.sent_on, o.offer_id`,
    [req.asOf],
  );
  const created: string[] = [];
  for (const o of rows) {
    if (!followUpDue({ sentOn: o.sent_on, asOf: req.asOf, answered: false, afterDays: config.profitability.followUpAfterDays })) continue;
    const inserted = await pool.query<{ task_id: string }>(
      `insert into invoicing.tasks (task_id, account_id, period_key, kind, "check", status, details, created_on, offer_id) values ($1, $2, $3, 'follow_up', $4, 'open', $5, $6, $7)
       on conflict do nothing returning task_id`,
      [randomUUID(), o.account_id, o.period_key, o.check, JSON.stringify({ ...o.details, offerId: o.offer_id, offerSentOn: o.sent_on }), req.asOf, o.offer_id],
    );
    if (inserted.rows[0]) created.push(inserted.rows[0].task_id);
  }
  return created;
}
