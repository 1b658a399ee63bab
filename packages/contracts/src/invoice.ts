import { z } from 'zod';
import { Currency, DecimalString, IsoInstant } from './primitives.js';

/**
 * invoice.events v1 for finance: a CloudEvents-shaped envelope (id, type, source, time, subject)
 * and an idempotency key that stays the same however often the event is re-published.
 * Its JSON Schema is published as packages/contracts/schemas/invoice.events.v1.json (generated from this file).
 */
const envelope = {
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  time: IsoInstant,
  /** The invoice number or account the event is about. */
  subject: z.string().min(1),
  idempotencyKey: z.string().min(1),
  datacontenttype: z.literal('application/json'),
};

const IsoDate = z.iso.date();

export const InvoiceLine = z.object({
  /** usage, adjustment (late usage, hand-written corrections), cost_cap, fee, discount, credit, tax, tax_discount. */
  kind: z.string(),
  description: z.string(),
  quantity: DecimalString,
  unit: z.string(),
  unitPrice: DecimalString,
  /** The exact amount before the line was rounded. */
  precise: DecimalString,
  /** Rounded to the currency's minor unit; negative for discounts and credits. */
  amount: DecimalString,
  service: z.string().optional(),
  destination: z.string().optional(),
  /** payg, included (inside an allowance), overage, cug. */
  chargeType: z.string().optional(),
  /** Late usage: the period it belongs to; fees: the first day of the fee's period. */
  period: z.string().optional(),
  /** The amount before a cost cap or a pre-itemisation discount changed it. */
  listAmount: DecimalString.optional(),
  lineId: z.string().optional(),
  offerId: z.string().optional(),
  discountId: z.string().optional(),
  taxRate: DecimalString.optional(),
});
export type InvoiceLine = z.infer<typeof InvoiceLine>;

export const InvoiceIssuedData = z.object({
  invoiceId: z.string(),
  invoiceNumber: z.string(),
  issuer: z.string(),
  accountId: z.string(),
  periodKey: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  currency: Currency,
  lines: z.array(InvoiceLine),
  net: DecimalString,
  tax: DecimalString,
  total: DecimalString,
  dueDate: z.string(),
  /** invoice: the customer's (retail); partner_invoice: the partner's (wholesale), accountId is then the partner. */
  kind: z.enum(['invoice', 'partner_invoice']).optional(),
  issueDate: IsoDate.optional(),
  /** The customer's reseller (customer invoices of partners' customers). */
  partnerId: z.string().nullable().optional(),
});

const CorrectedData = z.object({
  /** The corrected invoice. */
  invoiceId: z.string(),
  noteNumber: z.string(),
  kind: z.enum(['credit', 'debit']),
  /** The note's total, signed (negative for a credit note). */
  amount: DecimalString,
  lines: z.array(InvoiceLine),
  noteId: z.string().optional(),
  invoiceNumber: z.string().optional(),
  accountId: z.string().optional(),
  currency: Currency.optional(),
  net: DecimalString.optional(),
  tax: DecimalString.optional(),
  reason: z.string().optional(),
  issueDate: IsoDate.optional(),
});

const DunningData = {
  invoiceId: z.string(),
  invoiceNumber: z.string().optional(),
  accountId: z.string().optional(),
  dueDate: IsoDate.optional(),
  /** Still to pay: total and notes less payments. */
  amountDue: DecimalString.optional(),
  currency: Currency.optional(),
  /** The day the dunning run was for. */
  asOf: IsoDate.optional(),
};

const StandingData = z.object({
  accountId: z.string(),
  reason: z.string(),
  /** The unpaid invoices behind it (suspension, termination) or the ones just paid (unsuspension). */
  invoiceIds: z.array(z.string()).optional(),
  asOf: IsoDate.optional(),
});

export const InvoiceEventV1 = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('invoice.issued'), data: InvoiceIssuedData }),
  /** A credit note (less to pay) or a debit note (more to pay) correcting an issued invoice. */
  z.object({ ...envelope, type: z.literal('invoice.corrected'), data: CorrectedData }),
  /** Dunning: a reminder before the due date. */
  z.object({ ...envelope, type: z.literal('invoice.reminder'), data: z.object({ ...DunningData, daysBeforeDue: z.number().int() }) }),
  z.object({ ...envelope, type: z.literal('invoice.overdue'), data: z.object({ ...DunningData, daysOverdue: z.number().int() }) }),
  z.object({
    ...envelope,
    type: z.literal('invoice.paid'),
    data: z.object({ invoiceId: z.string(), invoiceNumber: z.string(), accountId: z.string(), paymentId: z.string(), amount: DecimalString, currency: Currency, paidAt: IsoInstant }),
  }),
  /** Credit control refuses the account's usage from now on. */
  z.object({ ...envelope, type: z.literal('account.suspended'), data: StandingData }),
  z.object({ ...envelope, type: z.literal('account.terminated'), data: StandingData }),
  /** Paid: credit control accepts the account's usage again. */
  z.object({ ...envelope, type: z.literal('account.unsuspended'), data: StandingData }),
]);
export type InvoiceEventV1 = z.infer<typeof InvoiceEventV1>;
export type InvoiceEventType = InvoiceEventV1['type'];
