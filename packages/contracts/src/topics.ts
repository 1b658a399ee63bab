import type { z } from 'zod';
import { AccountEventV1 } from './account.js';
import { BalanceEventV1 } from './balance.js';
import { CdrRawV1 } from './cdr.js';
import { InvoiceEventV1 } from './invoice.js';
import { CdrRatedV1 } from './rated.js';
import { CdrRejectedV1 } from './rejected.js';
import { CatalogueEventV1 } from './catalogue.js';

/**
 * The topics of the platform and the one schema per topic and version that is the single source of
 * each message type. A message carries its version in its `v` field (invoice events in `specversion`
 * of the envelope and the type name); a new version is added here beside the old one, never in place.
 */
export const topics = {
  'cdr.raw': { version: 1, schema: CdrRawV1, key: 'accountId', description: 'validated CDRs from ingestion' },
  'cdr.rejected': { version: 1, schema: CdrRejectedV1, key: 'accountId', description: 'records refused, with reasons' },
  'cdr.rated': { version: 1, schema: CdrRatedV1, key: 'accountId', description: 'priced CDRs with their explanation' },
  'balance.events': { version: 1, schema: BalanceEventV1, key: 'accountId', description: 'ledger and credit state changes' },
  'invoice.events': { version: 1, schema: InvoiceEventV1, key: 'accountId', description: 'invoices and dunning for finance' },
  'account.events': { version: 1, schema: AccountEventV1, key: 'accountId', description: 'partners, customers, lines (compacted)' },
  'catalogue.events': { version: 1, schema: CatalogueEventV1, key: 'catalogueId', description: 'catalogue documents applied by billing ops (compacted)' },
} as const;

export type TopicName = keyof typeof topics;
export type MessageOf<T extends TopicName> = z.infer<(typeof topics)[T]['schema']>;

/** Dead-letter topic for a topic: messages that failed their contract or their handler for good. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Topics that keep only the latest message per key. */
export const compactedTopics: ReadonlySet<TopicName> = new Set(['account.events', 'catalogue.events']);
