import { fileURLToPath } from 'node:url';
import type { AccountEventV1, AccountUpserted } from '@rcp/contracts';
import { drainOutbox } from '@rcp/db';
import { runContractConsumer, TopicTable } from '@rcp/kafka';
import { createServiceContext, type ServiceContext } from '@rcp/runtime';
import type { InvoicingConfig } from './config.js';
import { registerInvoicingRoutes } from './http/routes.js';
import { recordUsage } from './periods/record-usage.js';

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export type InvoicingService = { ctx: ServiceContext; listen(): Promise<string>; stop(): Promise<void>; drain(): Promise<number> };

/** Wires invoicing: rated usage from cdr.rated, period close, invoice.events through the outbox. */
export async function createInvoicingService(config: InvoicingConfig): Promise<InvoicingService> {
  const ctx = await createServiceContext({
    name: 'invoicing',
    description: 'Closes billing periods: invoices with usage, fees, discounts and taxes; publishes invoice.events for finance.',
    config,
    migrationsFolder,
  });
  const accounts = new TopicTable<'account.events', AccountUpserted>({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    topic: 'account.events',
    service: 'invoicing',
    logger: ctx.logger,
    producer: ctx.producer,
    metrics: ctx.metrics,
    keyOf: (e: AccountEventV1) => e.accountId,
    reduce: (e: AccountEventV1) => (e.type === 'account.deleted' ? null : e),
  });
  await accounts.start();
  ctx.onStop(() => accounts.stop());
  await accounts.ready();

  let draining: Promise<number> | null = null;
  const drain = async (): Promise<number> => {
    while (draining) await draining.catch(() => 0);
    draining = drainOutbox(ctx.pool, 'invoicing', async (rows) => {
      await ctx.producer.publish('invoice.events', rows.map((r) => ({ key: r.key, value: r.payload as never })));
    }).finally(() => {
      draining = null;
    });
    return draining;
  };
  await drain();
  const timer = setInterval(() => void drain().catch((err) => ctx.logger.warn({ err }, 'outbox drain failed; will retry')), 1000);
  ctx.onStop(async () => clearInterval(timer));

  const rated = await runContractConsumer({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    groupId: 'invoicing',
    topic: 'cdr.rated',
    logger: ctx.logger,
    producer: ctx.producer,
    metrics: ctx.metrics,
    handleBatch: async (messages) => recordUsage(ctx.pool, messages.map((m) => m.value)),
  });
  ctx.onStop(() => rated.stop());

  registerInvoicingRoutes(ctx.app, { pool: ctx.pool, account: (id) => accounts.get(id), afterCommit: async () => void (await drain()) });
  return { ctx, listen: () => ctx.listen(), stop: () => ctx.stop(), drain };
}
