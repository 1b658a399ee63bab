import { fileURLToPath } from 'node:url';
import type { AccountEventV1, AccountUpserted } from '@rcp/contracts';
import { drainOutbox } from '@rcp/db';
import { runContractConsumer, TopicTable } from '@rcp/kafka';
import { createServiceContext, type ServiceContext } from '@rcp/runtime';
import { CatalogueStore } from './catalogue/store.js';
import type { RatingConfig } from './config.js';
import { registerRatingRoutes } from './http/routes.js';
import { rateBatch } from './rating/rate-batch.js';
import type { RatingOutcomeMessage } from './rating/rate-sequence.js';

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export type RatingService = { ctx: ServiceContext; catalogue: CatalogueStore; listen(): Promise<string>; stop(): Promise<void> };

/** Wires rating: the catalogue, lines from account.events, cdr.raw -> rateBatch -> outbox -> cdr.rated. */
export async function createRatingService(config: RatingConfig): Promise<RatingService> {
  const ctx = await createServiceContext({
    name: 'rating',
    description: 'Rates CDRs against the effective-dated catalogue: destinations, time bands, increments, buckets, overage, discounts; publishes cdr.rated.',
    config,
    migrationsFolder,
  });
  const catalogue = new CatalogueStore(ctx.pool);
  await catalogue.refresh();
  const accounts = new TopicTable<'account.events', AccountUpserted>({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    topic: 'account.events',
    service: 'rating',
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
    draining = drainOutbox(ctx.pool, 'rating', async (rows) => {
      // In outbox order per topic; the topics are independent of one another.
      for (const topic of ['catalogue.events', 'cdr.rated', 'cdr.rejected'] as const) {
        await ctx.producer.publish(topic, rows.filter((r) => r.topic === topic).map((r) => ({ key: r.key, value: r.payload as never })));
      }
    }).finally(() => {
      draining = null;
    });
    return draining;
  };
  await drain();
  const timer = setInterval(() => {
    void drain().catch((err) => ctx.logger.warn({ err }, 'outbox drain failed; will retry'));
    void catalogue.refresh().catch((err) => ctx.logger.warn({ err }, 'catalogue refresh failed'));
  }, 1000);
  ctx.onStop(async () => clearInterval(timer));

  const publishOutcomes = async (outcomes: RatingOutcomeMessage[]) => {
    await ctx.producer.publish('cdr.rated', outcomes.flatMap((o) => (o.kind === 'rated' ? [{ key: o.message.accountId, value: o.message, text: o.text }] : [])));
    await ctx.producer.publish('cdr.rejected', outcomes.flatMap((o) => (o.kind === 'rejected' ? [{ key: o.message.accountId ?? o.message.source ?? '', value: o.message, text: o.text }] : [])));
  };

  const consumer = await runContractConsumer({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    groupId: 'rating',
    topic: 'cdr.raw',
    logger: ctx.logger,
    producer: ctx.producer,
    metrics: ctx.metrics,
    handleBatch: async (messages) => {
      const result = await rateBatch(
        { pool: ctx.pool, catalogue, logger: ctx.logger, account: (id) => accounts.waitFor(id, config.RCP_ACCOUNT_WAIT_MS) },
        messages.map((m) => m.value),
      );
      ctx.logger.debug({ rated: result.rated, rejected: result.rejected, skipped: result.skipped }, 'rated batch');
      // After the commit, before the offsets: see rateBatch.
      await publishOutcomes(result.toPublish);
    },
  });
  ctx.onStop(() => consumer.stop());

  registerRatingRoutes(ctx.app, { catalogue, opsToken: config.RCP_OPS_TOKEN, afterApply: drain });
  return { ctx, catalogue, listen: () => ctx.listen(), stop: () => ctx.stop() };
}
