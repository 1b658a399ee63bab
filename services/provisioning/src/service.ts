import { fileURLToPath } from 'node:url';
import type { CatalogueEventV1 } from '@rcp/contracts';
import { drainOutbox } from '@rcp/db';
import { TopicTable } from '@rcp/kafka';
import { createServiceContext, type ServiceContext } from '@rcp/runtime';
import { VerifiedTokenCache } from './auth/credentials.js';
import type { Principal } from './auth/roles.js';
import { CatalogueView } from './catalogue/catalogue-view.js';
import type { ProvisioningConfig } from './config.js';
import { registerProvisioningRoutes } from './http/routes.js';
import { Upstream } from './upstream/clients.js';
import type { Deps } from './use-cases/context.js';
import { installBootstrapCredential } from './use-cases/credentials.js';
import { publishPendingPriceChanges } from './use-cases/prices.js';
import { publishDueChanges } from './use-cases/schedule.js';

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export type ProvisioningService = { ctx: ServiceContext; deps: Deps; listen(): Promise<string>; stop(): Promise<void>; drain(): Promise<number>; tick(): Promise<void> };

/**
 * Wires provisioning: its database (the source of truth), the catalogue from catalogue.events (to check
 * offers), the outbox to account.events, the scheduler of package changes, and the HTTP API with roles.
 */
export async function createProvisioningService(config: ProvisioningConfig, opts: { now?: () => Date } = {}): Promise<ProvisioningService> {
  const ctx = await createServiceContext({
    name: 'provisioning',
    description: 'Partners, customers, lines and numbers with roles (back-office, partner admin, partner sales, customer); every change published on account.events.',
    config,
    migrationsFolder,
  });
  if (config.RCP_BOOTSTRAP_BACKOFFICE) {
    const boot = await installBootstrapCredential(ctx.pool, config.RCP_BOOTSTRAP_BACKOFFICE);
    ctx.logger.info({ keyId: boot.keyId, installed: boot.installed }, 'bootstrap back-office credential from configuration');
  } else {
    ctx.logger.warn('RCP_BOOTSTRAP_BACKOFFICE is not set: only credentials already in the database can sign in');
  }

  const catalogueTable = new TopicTable<'catalogue.events', CatalogueEventV1>({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    topic: 'catalogue.events',
    service: 'provisioning',
    logger: ctx.logger,
    producer: ctx.producer,
    metrics: ctx.metrics,
    keyOf: (e) => e.catalogueId,
    reduce: (e, previous) => (previous && previous.revision > e.revision ? previous : e),
  });
  await catalogueTable.start();
  ctx.onStop(() => catalogueTable.stop());
  await catalogueTable.ready();

  let draining: Promise<number> | null = null;
  const drain = async (): Promise<number> => {
    while (draining) await draining.catch(() => 0);
    draining = drainOutbox(ctx.pool, 'provisioning', async (rows) => {
      await ctx.producer.publish('account.events', rows.map((r) => ({ key: r.key, value: r.payload as never })));
    }).finally(() => {
      draining = null;
    });
    return draining;
  };

  const deps: Deps = {
    pool: ctx.pool,
    catalogue: new CatalogueView(catalogueTable, ctx.logger),
    upstream: {
      charging: config.RCP_CHARGING_URL
        ? new Upstream('charging', config.RCP_CHARGING_URL, config.RCP_CHARGING_OPS_SECRET ? { authorization: `Bearer ${config.RCP_CHARGING_OPS_SECRET}` } : {})
        : null,
      invoicing: config.RCP_INVOICING_URL ? new Upstream('invoicing', config.RCP_INVOICING_URL) : null,
      rating:
        config.RCP_RATING_URL && config.RCP_RATING_OPS_SECRET
          ? new Upstream('rating', config.RCP_RATING_URL, { authorization: `Bearer ${config.RCP_RATING_OPS_SECRET}` })
          : null,
    },
    logger: ctx.logger,
    now: opts.now ?? (() => new Date()),
    afterCommit: () => void drain().catch((err) => ctx.logger.warn({ err }, 'outbox drain failed; the tick retries')),
  };

  // The tick: scheduled package changes that came into force, price edits rating missed, and the outbox
  // (a drain after each commit is the fast path; this one catches a drain that failed).
  const tick = async () => {
    await publishDueChanges(deps);
    await publishPendingPriceChanges(deps);
    await drain();
  };
  await drain();
  const timer = setInterval(() => void tick().catch((err) => ctx.logger.warn({ err }, 'tick failed; will retry')), config.RCP_TICK_MS);
  ctx.onStop(async () => {
    clearInterval(timer);
    await draining?.catch(() => 0);
  });

  const cache = new VerifiedTokenCache<Principal>(config.RCP_CREDENTIAL_CACHE_MS);
  registerProvisioningRoutes(ctx.app, deps, { cache, topUpWaitMs: config.RCP_UPSTREAM_WAIT_MS });
  return { ctx, deps, drain, tick, listen: () => ctx.listen(), stop: () => ctx.stop() };
}
