import type pg from 'pg';
import { inTransaction } from '@rcp/db';
import { accountStanding, dec, dunningPolicyFor, dunningStepsDue, type BillingConfig, type DunningStanding } from '@rcp/domain';
import { enqueueInvoiceEvents, invoiceEvent } from '../events/invoice-events.js';
import { amountDue } from '../invoices/issue.js';

export type DunningAction = { accountId: string; invoiceId?: string; invoiceNumber?: string; action: string };

type OpenInvoice = { invoice_id: string; invoice_number: string; due_date: string; currency: string; due: string };

/** The account's issued customer invoices that still ask for money, with what is due. */
async function openInvoices(client: pg.PoolClient, accountId: string): Promise<OpenInvoice[]> {
  const { rows } = await client.query<{ invoice_id: string; invoice_number: string; due_date: string; currency: string }>(
    // Prepaid statements were paid from credit: nothing to chase.
    `select invoice_id, invoice_number, due_date, currency from invoicing.invoices
     where account_id = $1 and kind = 'invoice' and status = 'issued' and coalesce(details->>'settledBy', '') <> 'prepaid_credit'
     order by due_date, invoice_number`,
    [accountId],
  );
  const out: OpenInvoice[] = [];
  for (const r of rows) out.push({ ...r, due: await amountDue(client, r.invoice_id) });
  return out;
}

async function standingOf(client: pg.PoolClient, accountId: string): Promise<{ standing: DunningStanding; version: number }> {
  const { rows } = await client.query<{ standing: DunningStanding; version: number }>(`select standing, version from invoicing.account_standing where account_id = $1 for update`, [accountId]);
  return rows[0] ?? { standing: 'active', version: 0 };
}

const STANDING_EVENT = { suspended: 'account.suspended', terminated: 'account.terminated', active: 'account.unsuspended' } as const;

/**
 * Moves an account to where its invoices put it on `asOf` and tells credit control (account.suspended,
 * account.terminated, account.unsuspended on invoice.events). Nothing is published when nothing changes.
 */
export async function settleStanding(
  client: pg.PoolClient,
  accountId: string,
  config: BillingConfig,
  asOf: string,
  reasonIfActive: string,
  now: Date,
  opts: { onlyUnsuspend?: boolean } = {},
): Promise<DunningAction[]> {
  const current = await standingOf(client, accountId);
  const open = await openInvoices(client, accountId);
  const policy = dunningPolicyFor(config, accountId);
  const next = accountStanding({ current: current.standing, invoices: open.map((i) => ({ dueDate: i.due_date, amountDue: i.due })), asOf, policy });
  if (next === current.standing) return [];
  // A payment only ever unblocks; blocking is the dunning run's.
  if (opts.onlyUnsuspend && !(current.standing === 'suspended' && next === 'active')) return [];
  const overdue = open.filter((i) => dec(i.due).greaterThan(0)).map((i) => i.invoice_id);
  const reason =
    next === 'suspended'
      ? `unpaid for ${policy.suspendAfterDays} days or more after the due date`
      : next === 'terminated'
        ? `unpaid for ${policy.terminateAfterDays} days or more after the due date`
        : reasonIfActive;
  const version = current.version + 1;
  await client.query(
    `insert into invoicing.account_standing (account_id, standing, since, reason, version) values ($1, $2, $3, $4, $5)
     on conflict (account_id) do update set standing = excluded.standing, since = excluded.since, reason = excluded.reason, version = excluded.version`,
    [accountId, next, asOf, reason, version],
  );
  const type = STANDING_EVENT[next];
  await enqueueInvoiceEvents(client, accountId, [
    invoiceEvent(type, { subject: accountId, idempotencyKey: `${type}:${accountId}:${version}`, time: now, data: { accountId, reason, invoiceIds: overdue, asOf } }),
  ]);
  return [{ accountId, action: type }];
}

/**
 * A dunning run for `asOf` (a date; the scheduler passes today, tests any day they like): reminders before
 * the due date, overdue notices after it, suspension after N unpaid days, termination after M. Each step
 * of each invoice happens once however often the run is repeated.
 */
export async function runDunning(pool: pg.Pool, deps: { config: () => Promise<BillingConfig> }, req: { asOf: string; accountIds?: string[]; now?: Date }): Promise<DunningAction[]> {
  const now = req.now ?? new Date();
  const config = await deps.config();
  const { rows } = await pool.query<{ account_id: string }>(
    `select distinct account_id from invoicing.invoices where kind = 'invoice' and status = 'issued' and ($1::text[] is null or account_id = any($1))
     union select account_id from invoicing.account_standing where standing = 'suspended' and ($1::text[] is null or account_id = any($1))
     order by 1`,
    [req.accountIds ?? null],
  );
  const actions: DunningAction[] = [];
  for (const { account_id: accountId } of rows) {
    actions.push(
      ...(await inTransaction(pool, async (client) => {
        await client.query('select pg_advisory_xact_lock(hashtext($1))', [`standing:${accountId}`]);
        const done: DunningAction[] = [];
        const policy = dunningPolicyFor(config, accountId);
        for (const inv of await openInvoices(client, accountId)) {
          for (const step of dunningStepsDue({ dueDate: inv.due_date, asOf: req.asOf, amountDue: inv.due, policy })) {
            const fresh = await client.query(`insert into invoicing.dunning_steps (invoice_id, step, as_of) values ($1, $2, $3) on conflict do nothing returning step`, [inv.invoice_id, step.key, req.asOf]);
            if (fresh.rowCount === 0) continue;
            const common = { invoiceId: inv.invoice_id, invoiceNumber: inv.invoice_number, accountId, dueDate: inv.due_date, amountDue: dec(inv.due).toFixed(), currency: inv.currency, asOf: req.asOf };
            if (step.kind === 'reminder') {
              await enqueueInvoiceEvents(client, accountId, [invoiceEvent('invoice.reminder', { subject: inv.invoice_number, idempotencyKey: `invoice.reminder:${inv.invoice_id}:${step.key}`, time: now, data: { ...common, daysBeforeDue: step.daysBeforeDue } })]);
            } else if (step.kind === 'overdue') {
              await enqueueInvoiceEvents(client, accountId, [invoiceEvent('invoice.overdue', { subject: inv.invoice_number, idempotencyKey: `invoice.overdue:${inv.invoice_id}`, time: now, data: { ...common, daysOverdue: step.daysOverdue } })]);
            }
            done.push({ accountId, invoiceId: inv.invoice_id, invoiceNumber: inv.invoice_number, action: step.key });
          }
        }
        done.push(...(await settleStanding(client, accountId, config, req.asOf, 'paid', now)));
        return done;
      })),
    );
  }
  return actions;
}
