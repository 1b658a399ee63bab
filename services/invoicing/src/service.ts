import { fileURLToPath } from 'node:url';
import type { AccountEventV1, AccountUpserted, CatalogueEventV1 } from '@rcp/contracts';
import { drainOutbox } from '@rcp/db';
import { runContractConsumer, TopicTable } from '@rcp/kafka';
import { createServiceContext, type ServiceContext } from '@rcp/runtime';
import { recordAccountStates } from './accounts/line-history.js';
import { BillingConfigStore } from './billing/config-store.js';
import type { InvoicingConfig } from './config.js';
import { runDunning } from './dunning/run.js';
import { registerInvoicingRoutes } from './http/routes.js';
import { recordUsage } from './periods/record-usage.js';
import { runFollowUps } from './profitability/offers.js';
import { CatalogueView, type AppliedCatalogue } from './read-models/catalogue.js';

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export type InvoicingService = { ctx: ServiceContext; listen(): Promise<string>; stop(): Promise<void>; drain(): Promise<number> };

/**
 * Wires invoicing: rated usage from cdr.rated, accounts and their line-offer history from account.events,
 * the catalogue (fees, names) from catalogue.events, the billing document, period close, dunning and
 * profitability control over HTTP, invoice.events through the outbox.
 */
export async function createInvoicingService(config: InvoicingConfig): Promise<InvoicingService> {
  const ctx = await createServiceContext({
    name: 'invoicing',
    description: 'Closes billing cycles: invoices with usage, fees, discounts, cost caps and taxes, credit and debit notes, partner invoices and reports, dunning, profitability control; publishes invoice.events for finance.',
    config,
    migrationsFolder,
  });
  const common = { kafka: ctx.kafka, prefix: config.RCP_TOPIC_PREFIX, service: 'invoicing', logger: ctx.logger, producer: ctx.producer, metrics: ctx.metrics };
  const accounts = new TopicTable<'account.events', AccountUpserted>({
    ...common,
    topic: 'account.events',
    keyOf: (e: AccountEventV1) => e.accountId,
    reduce: (e: AccountEventV1) => (e.type === 'account.deleted' ? null : e),
  });
  const catalogue = new CatalogueView(ctx.logger);
  const catalogues = new TopicTable<'catalogue.events', AppliedCatalogue>({
    ...common,
    topic: 'catalogue.events',
    keyOf: (e: CatalogueEventV1) => e.catalogueId,
    reduce: (e: CatalogueEventV1) => catalogue.apply(e),
  });
  await accounts.start();
  ctx.onStop(() => accounts.stop());
  await catalogues.start();
  ctx.onStop(() => catalogues.stop());
  await Promise.all([accounts.ready(), catalogues.ready()]);

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
    ...common,
    groupId: 'invoicing',
    topic: 'cdr.rated',
    handleBatch: async (messages) => recordUsage(ctx.pool, messages.map((m) => m.value)),
  });
  ctx.onStop(() => rated.stop());
  const lineHistory = await runContractConsumer({
    ...common,
    groupId: 'invoicing.line-history',
    topic: 'account.events',
    handleBatch: async (messages) => recordAccountStates(ctx.pool, messages),
  });
  ctx.onStop(() => lineHistory.stop());

  const billing = new BillingConfigStore(ctx.pool);
  const billingConfig = async () => (await billing.current()).config;

  // Dunning and follow-ups for today, now and then; both are idempotent per day and step.
  if (config.RCP_DAILY_RUN_INTERVAL_MS > 0) {
    const daily = setInterval(() => {
      const asOf = new Date().toISOString().slice(0, 10);
      void (async () => {
        const actions = await runDunning(ctx.pool, { config: billingConfig }, { asOf });
        const followUps = await runFollowUps(ctx.pool, { config: billingConfig }, { asOf });
        if (actions.length + followUps.length > 0) ctx.logger.info({ asOf, actions: actions.length, followUps: followUps.length }, 'daily run');
        await drain();
      })().catch((err) => ctx.logger.warn({ err }, 'daily run failed; will retry'));
    }, config.RCP_DAILY_RUN_INTERVAL_MS);
    ctx.onStop(async () => clearInterval(daily));
  }

  registerInvoicingRoutes(ctx.app, {
    pool: ctx.pool,
    account: (id) => accounts.get(id),
    accounts: () => accounts.values(),
    catalogue,
    billing,
    operatorIssuer: config.RCP_OPERATOR_ISSUER,
    opsToken: config.RCP_OPS_TOKEN,
    afterCommit: async () => void (await drain()),
  });
  return { ctx, listen: () => ctx.listen(), stop: () => ctx.stop(), drain };
}
