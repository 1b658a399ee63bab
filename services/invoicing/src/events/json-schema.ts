import { z } from 'zod';
import { InvoiceEventV1 } from '@rcp/contracts';

export const INVOICE_EVENTS_SCHEMA_PATH = new URL('../../../../packages/contracts/schemas/invoice.events.v1.json', import.meta.url);

/** The published JSON Schema of invoice.events v1, generated from the zod contract (its single source). */
export function invoiceEventsJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(InvoiceEventV1, { io: 'output', unrepresentable: 'throw' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://rcp.example/schemas/invoice.events.v1.json',
    title: 'invoice.events v1',
    description:
      'Events for finance on the invoice.events topic (keyed by account): a CloudEvents-shaped envelope (specversion, id, type, source, time, subject, datacontenttype) with an idempotencyKey that stays the same however often the event is re-published. Generated from packages/contracts/src/invoice.ts; do not edit by hand (npm run schema:invoice-events -w @rcp/invoicing).',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

export function invoiceEventsJsonSchemaText(): string {
  return `${JSON.stringify(invoiceEventsJsonSchema(), null, 2)}\n`;
}
