import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INVOICE_EVENTS_SCHEMA_PATH, invoiceEventsJsonSchema, invoiceEventsJsonSchemaText } from './json-schema.js';

describe('the published JSON Schema of invoice.events', () => {
  it('is up to date with the zod contract (regenerate: npm run schema:invoice-events -w @rcp/invoicing)', () => {
    const path = fileURLToPath(INVOICE_EVENTS_SCHEMA_PATH);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(invoiceEventsJsonSchemaText());
  });

  it('describes every event type with the envelope and its idempotency key', () => {
    const schema = invoiceEventsJsonSchema() as { oneOf?: { properties: Record<string, { const?: string }>; required: string[] }[]; anyOf?: unknown[] };
    const variants = (schema.oneOf ?? schema.anyOf) as { properties: Record<string, { const?: string }>; required: string[] }[];
    expect(variants.map((v) => v.properties.type!.const).sort()).toEqual(
      ['account.suspended', 'account.terminated', 'account.unsuspended', 'invoice.corrected', 'invoice.issued', 'invoice.overdue', 'invoice.paid', 'invoice.reminder'].sort(),
    );
    for (const v of variants) expect(v.required).toEqual(expect.arrayContaining(['specversion', 'id', 'type', 'source', 'time', 'subject', 'idempotencyKey', 'data']));
  });
});
