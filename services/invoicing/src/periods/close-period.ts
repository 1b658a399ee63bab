import type pg from 'pg';
import type { AccountUpserted } from '@rcp/contracts';
import { inTransaction } from '@rcp/db';
import { addMonths, FeeCurrencyError, monthOf, type BillingConfig } from '@rcp/domain';
import { accountBilling, BillingError, buildFromSnapshot, customerInvoiceSnapshot, cycleOf } from '../billing/customer-invoice.js';
import { lineSegments } from '../accounts/line-history.js';
import { closePartnerMonth, type ClosedPartnerInvoice } from './close-partner.js';
import { insertDraft, issueDraft } from '../invoices/issue.js';
import { recordProfitabilityTasks } from '../profitability/checks.js';
import type { CatalogueView } from '../read-models/catalogue.js';
import { USAGE_COLUMNS, usageEvent, type UsageRow } from './record-usage.js';

export type ClosedInvoice = {
  accountId: string;
  invoiceId: string;
  invoiceNumber: string | null;
  total: string;
  currency: string;
  status: 'issued' | 'already_issued' | 'draft';
  tasks?: string[];
};
export type SkippedAccount = { accountId: string; code: string; message: string };

export type CloseDeps = {
  pool: pg.Pool;
  account: (id: string) => AccountUpserted | undefined;
  accounts: () => Iterable<AccountUpserted>;
  catalogue: CatalogueView;
  config: (client: pg.PoolClient) => Promise<BillingConfig>;
  operatorIssuer: string;
};

export type CloseRequest = {
  periodKey: string;
  accountIds?: string[];
  /** The business date of issue (YYYY-MM-DD); today when absent. */
  issueDate?: string;
  /** false: leave drafts to review and issue later. */
  issue?: boolean;
  /** Also close the partners' wholesale invoices of the period's month. */
  partners?: boolean;
  now?: Date;
};

/**
 * Closes one billing cycle (keyed by its first day) for every account whose cycle starts that day (or the
 * ones named): the customer's invoice with usage, late usage, fees, discounts, cost cap, credit and taxes,
 * the profitability checks, and (unless told not to) the partners' wholesale invoices of that month. One
 * transaction per account; closing again finds the invoice issued and issues nothing new, and a draft is
 * rebuilt from the current data.
 */
export async function closePeriod(deps: CloseDeps, req: CloseRequest): Promise<{ invoices: ClosedInvoice[]; partnerInvoices: ClosedPartnerInvoice[]; skipped: SkippedAccount[] }> {
  const now = req.now ?? new Date();
  const issueDate = req.issueDate ?? now.toISOString().slice(0, 10);
  const { rows: withUsage } = await deps.pool.query<{ account_id: string }>(
    `select distinct account_id from invoicing.usage where period_key >= $1 and period_key < $2 and invoice_id is null`,
    [req.periodKey, addMonths(req.periodKey, 12)],
  );
  const candidates = req.accountIds ?? [...new Set([...[...deps.accounts()].map((a) => a.accountId), ...withUsage.map((r) => r.account_id)])].sort();
  const invoices: ClosedInvoice[] = [];
  const skipped: SkippedAccount[] = [];
  for (const accountId of candidates) {
    try {
      const closed = await inTransaction(deps.pool, (client) => closeAccount(client, deps, accountId, { ...req, issueDate, now }));
      if (closed) invoices.push(closed);
      else if (req.accountIds) skipped.push({ accountId, code: 'nothing_to_bill', message: `no usage, fees or adjustments for ${accountId} in the cycle starting ${req.periodKey}` });
    } catch (err) {
      if (err instanceof FeeCurrencyError) {
        // One account's broken fees must not stop everyone else's invoices.
        skipped.push({ accountId, code: err.code, message: err.message });
        continue;
      }
      if (!(err instanceof BillingError)) throw err;
      // Closing everything: an account whose cycle does not start that day is simply not due.
      if (req.accountIds || err.code !== 'not_a_cycle_start') skipped.push({ accountId, code: err.code, message: err.message });
    }
  }
  const partnerInvoices: ClosedPartnerInvoice[] = [];
  if (req.partners !== false) {
    const partners = new Set<string>();
    for (const id of candidates) {
      const p = deps.account(id)?.partnerId;
      if (p) partners.add(p);
    }
    for (const partnerId of [...partners].sort()) {
      const closed = await closePartnerMonth(deps, { partnerId, month: monthOf(req.periodKey), issueDate, issue: req.issue !== false, now });
      if (closed) partnerInvoices.push(closed);
    }
  }
  return { invoices, partnerInvoices, skipped };
}

async function closeAccount(client: pg.PoolClient, deps: CloseDeps, accountId: string, req: CloseRequest & { issueDate: string; now: Date }): Promise<ClosedInvoice | null> {
  // Serialises closers of the same account and period (two ops clicking "close" at once).
  await client.query('select pg_advisory_xact_lock(hashtext($1))', [`close:${accountId}:${req.periodKey}`]);
  const existing = await client.query<{ invoice_id: string; invoice_number: string | null; total: string; currency: string; status: string }>(
    `select invoice_id, invoice_number, total::text, currency, status from invoicing.invoices where account_id = $1 and period_key = $2 and kind = 'invoice'`,
    [accountId, req.periodKey],
  );
  const found = existing.rows[0];
  if (found && found.status !== 'draft') return { accountId, invoiceId: found.invoice_id, invoiceNumber: found.invoice_number, total: found.total, currency: found.currency, status: 'already_issued' };
  if (found) {
    // A draft is rebuilt from what is known now.
    await client.query(`update invoicing.usage set invoice_id = null where invoice_id = $1`, [found.invoice_id]);
    await client.query(`delete from invoicing.invoices where invoice_id = $1`, [found.invoice_id]);
  }

  const account = deps.account(accountId);
  const billing = accountBilling(account, req.periodKey, 'EUR');
  const cycle = cycleOf(billing, req.periodKey);
  const { rows } = await client.query<UsageRow>(
    `select ${USAGE_COLUMNS} from invoicing.usage u
     where u.account_id = $1 and u.invoice_id is null and u.period_key < $3
       and (u.period_key >= $2
            or exists (select 1 from invoicing.invoices i where i.account_id = u.account_id and i.kind = 'invoice' and i.status <> 'draft'
                       and i.period_start <= u.period_key and u.period_key < i.period_end))
     order by u.start_time, u.rated_id
     for update of u`,
    [accountId, cycle.start, cycle.end],
  );
  if (!account && rows[0]) billing.currency = rows[0].currency;
  const config = await deps.config(client);
  const snapshot = await customerInvoiceSnapshot(client, { accountId, account, billing, cycle, config, catalogue: deps.catalogue, events: rows.map(usageEvent) });
  const built = buildFromSnapshot(snapshot, rows);
  const billable = built.lines.some((l) => l.kind !== 'tax' && l.kind !== 'tax_discount');
  if (!billable) return null;

  // A prepaid customer's invoice is a statement: its usage was paid from the credit it topped up.
  const settledBy = account?.credit.mode === 'prepaid' ? 'prepaid_credit' : null;
  const invoiceId = await insertCustomerDraft(client, { accountId, periodKey: req.periodKey, issuer: billing.partnerId ?? deps.operatorIssuer, partnerId: billing.partnerId, built, snapshot, settledBy });
  if (rows.length > 0) await client.query(`update invoicing.usage set invoice_id = $1 where rated_id = any($2)`, [invoiceId, rows.map((r) => r.rated_id)]);
  const tasks = await recordProfitabilityTasks(client, {
    accountId,
    cycle,
    currency: billing.currency,
    timeZone: billing.timeZone,
    config,
    catalogue: deps.catalogue,
    events: rows.filter((r) => r.period_key >= cycle.start).map(usageEvent),
    segments: await lineSegments(client, accountId),
    costCap: built.costCap,
    createdOn: req.issueDate,
  });
  if (req.issue === false) return { accountId, invoiceId, invoiceNumber: null, total: built.total, currency: built.currency, status: 'draft', tasks };
  const issued = await issueDraft(client, invoiceId, { issueDate: req.issueDate, paymentTermDays: billing.paymentTermDays, now: req.now });
  return { accountId, invoiceId, invoiceNumber: issued.invoice_number, total: issued.total, currency: issued.currency, status: 'issued', tasks };
}

async function insertCustomerDraft(
  client: pg.PoolClient,
  d: { accountId: string; periodKey: string; issuer: string; partnerId: string | null; built: ReturnType<typeof buildFromSnapshot>; snapshot: unknown; settledBy: string | null },
): Promise<string> {
  return insertDraft(client, {
    issuer: d.issuer,
    accountId: d.accountId,
    periodKey: d.periodKey,
    kind: 'invoice',
    currency: d.built.currency,
    net: d.built.net,
    tax: d.built.tax,
    total: d.built.total,
    lines: d.built.lines,
    periodStart: d.built.cycle.start,
    periodEnd: d.built.cycle.end,
    partnerId: d.partnerId,
    details: { inputs: d.snapshot, outcome: { costCap: d.built.costCap, freeCredit: d.built.freeCredit }, settledBy: d.settledBy },
  });
}
