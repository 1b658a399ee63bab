// Writes packages/contracts/schemas/invoice.events.v1.json from the zod contract.
// npm run schema:invoice-events -w @rcp/invoicing
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INVOICE_EVENTS_SCHEMA_PATH, invoiceEventsJsonSchemaText } from '../src/events/json-schema.js';

const path = fileURLToPath(INVOICE_EVENTS_SCHEMA_PATH);
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, invoiceEventsJsonSchemaText());
process.stdout.write(`wrote ${path}\n`);
