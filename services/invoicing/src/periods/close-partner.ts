import type pg from 'pg';
import type { AccountUpserted } from '@rcp/contracts';
import { inTransaction } from '@rcp/db';
import { addMonths, buildPartnerInvoice, type BillingConfig, type InvoiceTotals } from '@rcp/domain';
import { insertDraft, issueDraft } from '../invoices/issue.js';
import type { CatalogueView } from '../read-models/catalogue.js';
import { USAGE_COLUMNS, usageEvent, type UsageRow } from './record-usage.js';

export type ClosedPartnerInvoice = { partnerId: string; invoiceId: string; invoiceNumber: string | null; total: string; currency: string; status: 'issued' | 'already_issued' | 'draft' };

export type PartnerSnapshot = { currency: string; discountPercent: string; taxRate: string; monthStart: string; destinationNames: Record<string, string> };

type Deps = {
  pool: pg.Pool;
  accounts: () => Iterable<AccountUpserted>;
  catalogue: CatalogueView;
  config: (client: pg.PoolClient) => Promise<BillingConfig>;
  operatorIssuer: string;
};

/** The partner's customers as account.events has them (a partner only ever sees its own). */
export function partnerAccounts(accounts: Iterable<AccountUpserted>, partnerId: string): string[] {
  return [...accounts].filter((a) => a.partnerId === partnerId).map((a) => a.accountId).sort();
}

/** Builds a partner invoice from its snapshot and rows (rows of earlier months are adjustments). */
export function buildPartnerFromSnapshot(snapshot: PartnerSnapshot, rows: UsageRow[]): InvoiceTotals {
  return buildPartnerInvoice({
    currency: snapshot.currency,
    timeZone: 'UTC',
    events: rows.filter((r) => r.period_key >= snapshot.monthStart).map(usageEvent),
    lateEvents: rows.filter((r) => r.period_key < snapshot.monthStart).map(usageEvent),
    destinationName: (id) => snapshot.destinationNames[id] ?? id,
    discountPercent: snapshot.discountPercent,
    taxRate: snapshot.taxRate,
  });
}

/**
 * The partner's wholesale invoice for a calendar month (usage whose rating period starts in it): its
 * customers' traffic at wholesale amounts, overage without the partner discount, the partner's tax. Usage
 * of earlier months not yet on a partner invoice comes as adjustments. Issued by the operator; once per
 * partner and month.
 */
export async function closePartnerMonth(deps: Deps, req: { partnerId: string; month: string; issueDate: string; issue: boolean; now: Date }): Promise<ClosedPartnerInvoice | null> {
  const monthStart = `${req.month}-01`;
  const monthEnd = addMonths(monthStart, 1);
  const accountIds = partnerAccounts(deps.accounts(), req.partnerId);
  return inTransaction(deps.pool, async (client) => {
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`close-partner:${req.partnerId}:${monthStart}`]);
    const existing = await client.query<{ invoice_id: string; invoice_number: string | null; total: string; currency: string; status: string }>(
      `select invoice_id, invoice_number, total::text, currency, status from invoicing.invoices where account_id = $1 and period_key = $2 and kind = 'partner_invoice'`,
      [req.partnerId, monthStart],
    );
    const found = existing.rows[0];
    if (found && found.status !== 'draft') return { partnerId: req.partnerId, invoiceId: found.invoice_id, invoiceNumber: found.invoice_number, total: found.total, currency: found.currency, status: 'already_issued' as const };
    if (found) {
      await client.query(`update invoicing.usage set partner_invoice_id = null where partner_invoice_id = $1`, [found.invoice_id]);
      await client.query(`delete from invoicing.invoices where invoice_id = $1`, [found.invoice_id]);
    }
    const { rows } = await client.query<UsageRow>(
      `select ${USAGE_COLUMNS} from invoicing.usage where account_id = any($1) and partner_invoice_id is null and period_key < $2 order by start_time, rated_id for update`,
      [accountIds, monthEnd],
    );
    if (rows.length === 0) return null;
    const config = await deps.config(client);
    const partner = config.partners.find((p) => p.partnerId === req.partnerId);
    const snapshot: PartnerSnapshot = {
      currency: rows[0]!.currency,
      discountPercent: partner?.discountPercent ?? '0',
      taxRate: partner?.taxRate ?? '0',
      monthStart,
      destinationNames: deps.catalogue.destinationNames(monthStart, 'UTC'),
    };
    const built = buildPartnerFromSnapshot(snapshot, rows);
    const invoiceId = await insertDraft(client, {
      issuer: deps.operatorIssuer,
      accountId: req.partnerId,
      periodKey: monthStart,
      kind: 'partner_invoice',
      currency: built.currency,
      net: built.net,
      tax: built.tax,
      total: built.total,
      lines: built.lines,
      periodStart: monthStart,
      periodEnd: monthEnd,
      details: { inputs: snapshot },
    });
    await client.query(`update invoicing.usage set partner_invoice_id = $1 where rated_id = any($2)`, [invoiceId, rows.map((r) => r.rated_id)]);
    if (!req.issue) return { partnerId: req.partnerId, invoiceId, invoiceNumber: null, total: built.total, currency: built.currency, status: 'draft' as const };
    const issued = await issueDraft(client, invoiceId, { issueDate: req.issueDate, paymentTermDays: partner?.paymentTermDays ?? 30, now: req.now });
    return { partnerId: req.partnerId, invoiceId, invoiceNumber: issued.invoice_number, total: issued.total, currency: issued.currency, status: 'issued' as const };
  });
}
