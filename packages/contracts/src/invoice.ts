import { z } from 'zod';
import { Currency, DecimalString, IsoInstant } from './primitives.js';

/**
 * invoice.events v1 for finance: a CloudEvents-shaped envelope (id, type, source, time, subject)
 * and an idempotency key that stays the same however often the event is re-published.
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

export const InvoiceLine = z.object({
  kind: z.string(),
  description: z.string(),
  quantity: DecimalString,
  unit: z.string(),
  unitPrice: DecimalString,
  precise: DecimalString,
  amount: DecimalString,
});

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
});

export const InvoiceEventV1 = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('invoice.issued'), data: InvoiceIssuedData }),
  z.object({
    ...envelope,
    type: z.literal('invoice.corrected'),
    data: z.object({ invoiceId: z.string(), noteNumber: z.string(), kind: z.enum(['credit', 'debit']), amount: DecimalString, lines: z.array(InvoiceLine) }),
  }),
  z.object({ ...envelope, type: z.literal('invoice.overdue'), data: z.object({ invoiceId: z.string(), daysOverdue: z.number().int() }) }),
  z.object({ ...envelope, type: z.literal('account.suspended'), data: z.object({ accountId: z.string(), reason: z.string() }) }),
  z.object({ ...envelope, type: z.literal('account.terminated'), data: z.object({ accountId: z.string(), reason: z.string() }) }),
]);
export type InvoiceEventV1 = z.infer<typeof InvoiceEventV1>;
