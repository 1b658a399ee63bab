import type { InvoiceEventV1 } from '@rcp/contracts';
import { enqueueOutbox } from '@rcp/db';
import type pg from 'pg';

export const EVENT_SOURCE = 'rcp/invoicing';

type DataOf<T extends InvoiceEventV1['type']> = Extract<InvoiceEventV1, { type: T }>['data'];

/**
 * An invoice.events message: the CloudEvents-shaped envelope around `data`. The id is derived from the
 * idempotency key, so a re-published event (outbox replay) is recognisably the same event.
 */
export function invoiceEvent<T extends InvoiceEventV1['type']>(type: T, input: { subject: string; idempotencyKey: string; data: DataOf<T>; time?: Date }): InvoiceEventV1 {
  return {
    specversion: '1.0',
    id: input.idempotencyKey,
    type,
    source: EVENT_SOURCE,
    time: (input.time ?? new Date()).toISOString(),
    subject: input.subject,
    idempotencyKey: input.idempotencyKey,
    datacontenttype: 'application/json',
    data: input.data,
  } as InvoiceEventV1;
}

/** Queues events for invoice.events in the caller's transaction, keyed by account (or partner). */
export async function enqueueInvoiceEvents(client: pg.PoolClient, key: string, events: InvoiceEventV1[]): Promise<void> {
  await enqueueOutbox(client, 'invoicing', events.map((payload) => ({ topic: 'invoice.events', key, payload })));
}
