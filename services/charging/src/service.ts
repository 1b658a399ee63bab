import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Gauge } from 'prom-client';
import { createPool, drainOutbox } from '@rcp/db';
import { runContractConsumer } from '@rcp/kafka';
import { createServiceContext, type ServiceContext } from '@rcp/runtime';
import type { ChargingConfig } from './config.js';
import { chargeRatedCdrs } from './consumers/rated.js';
import { applyStandingEvents } from './consumers/standing.js';
import { expireLapsedReservations } from './credit-control/calls.js';
import { CreditControl } from './credit-control/control.js';
import { AccountStore } from './credit-control/store.js';
import { latestStandings } from './consumers/standing.js';
import { postOwned } from './ledger/posting.js';
import { registerCreditControlRoutes } from './http/credit-control.js';
import { registerChargingRoutes } from './http/routes.js';
import { SwitchKeys } from '@rcp/runtime';
import { Accounts, Catalogues } from './read-models.js';

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export type ChargingService = {
  ctx: ServiceContext;
  accounts: Accounts;
  catalogues: Catalogues;
  control: CreditControl;
  store: AccountStore;
  listen(): Promise<string>;
  stop(): Promise<void>;
  /** Publishes the pending balance events now; resolves with how many. */
  drain(): Promise<number>;
  /** Marks lapsed reservations expired now; resolves with how many. */
  expire(): Promise<number>;
};

/**
 * Wires charging: account terms and lines from account.events, prices from catalogue.events, account standing
 * from invoice.events (dunning), cdr.rated -> ledger (reconciled with the calls' reservations), the balance
 * API and the real-time credit-control API for switches; balance events leave through the outbox.
 */
export async function createChargingService(config: ChargingConfig): Promise<ChargingService> {
  const ctx = await createServiceContext({
    name: 'charging',
    description:
      'Balance and credit control: the ledger, prepaid credit, top-ups and auto-recharge, postpaid fallback and credit limits, and the real-time API switches call to authorize, update and terminate calls and charge one-shot events.',
    config,
    migrationsFolder,
  });
  // How long work waited for the event loop since the previous scrape (a blocked loop: a long synchronous task,
  // a garbage-collection pause), beside the requests' own processing time: where a switch's latency comes from.
  const LOOP_SAMPLE_MS = 10;
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loopDelay.enable();
  ctx.onStop(async () => {
    loopDelay.disable();
  });
  new Gauge({
    name: 'rcp_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape, by quantile (max: the longest stall)',
    labelNames: ['quantile'],
    registers: [ctx.metrics.registry],
    collect() {
      // The histogram holds the intervals between the sampling timer's runs: the delay is what exceeds the period.
      for (const [q, v] of [['0.5', loopDelay.percentile(50)], ['0.99', loopDelay.percentile(99)], ['0.999', loopDelay.percentile(99.9)], ['max', loopDelay.max]] as const) {
        this.set({ quantile: q }, Math.max(0, v / 1e6 - LOOP_SAMPLE_MS) / 1000);
      }
      loopDelay.reset();
    },
  });
  // Garbage-collection pauses since the previous scrape (the longest, and their total), to tell a collector's
  // stall from the machine not giving the process a core.
  let gcMaxMs = 0;
  let gcTotalMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as PerformanceEntry[]) {
      gcTotalMs += e.duration;
      if (e.duration > gcMaxMs) gcMaxMs = e.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  ctx.onStop(async () => {
    gc.disconnect();
  });
  new Gauge({
    name: 'rcp_gc_pause_seconds',
    help: 'Garbage-collection pauses since the previous scrape: the longest (max) and their sum (total)',
    labelNames: ['stat'],
    registers: [ctx.metrics.registry],
    collect() {
      this.set({ stat: 'max' }, gcMaxMs / 1000);
      this.set({ stat: 'total' }, gcTotalMs / 1000);
      gcMaxMs = 0;
      gcTotalMs = 0;
    },
  });
  const accounts = new Accounts(ctx, config.RCP_TOPIC_PREFIX);
  const catalogues = new Catalogues(ctx, config.RCP_TOPIC_PREFIX, ctx.logger);
  await Promise.all([accounts.table.start(), catalogues.table.start()]);
  ctx.onStop(() => accounts.table.stop());
  ctx.onStop(() => catalogues.table.stop());
  await Promise.all([accounts.table.ready(), catalogues.table.ready()]);

  // The real-time owner: takes the lease (waiting while another instance holds it) before any consumer or
  // request can change an account. Registered before them, so it stops after them and writes what is pending.
  const realtimePool = createPool(config.DATABASE_URL, { logger: ctx.logger, applicationName: 'charging-realtime', max: config.RCP_DB_POOL_MAX });
  ctx.onStop(() => realtimePool.end());
  const store = new AccountStore({
    databaseUrl: config.DATABASE_URL,
    pool: realtimePool,
    logger: ctx.logger,
    termsOf: (id, currency) => accounts.termsOf(id, currency),
    linesOf: (id) => accounts.get(id)?.lines.map((l) => l.lineId) ?? [],
    unratedHoldHours: config.RCP_UNRATED_HOLD_HOURS,
    groupCommitDelayMs: config.RCP_GROUP_COMMIT_DELAY_MS,
    // Balance events a commit wrote to the outbox are published soon (kick is defined below; no commit comes before).
    afterEvents: () => kick(),
  });
  await store.start();
  ctx.onStop(() => store.stop());

  // One drain at a time in this process; whoever asks while one runs shares the single run queued after it
  // (so rows committed meanwhile are published too). The advisory lock covers other instances.
  let current: Promise<number> | null = null;
  let next: Promise<number> | null = null;
  const drain = (): Promise<number> => {
    if (!current) {
      current = drainOutbox(ctx.pool, 'charging', async (rows) => {
        await ctx.producer.publish('balance.events', rows.map((r) => ({ key: r.key, value: r.payload as never })));
      }).finally(() => {
        current = null;
      });
      return current;
    }
    next ??= current
      .catch(() => 0)
      .then(() => {
        next = null;
        return drain();
      });
    return next;
  };
  /**
   * After a real-time commit: publish soon, without holding the switch's answer for Kafka. Commits within a few
   * milliseconds of each other share one drain (a drain costs four statements and a Kafka round trip).
   */
  let kicked: NodeJS.Timeout | null = null;
  const kick = () => {
    kicked ??= setTimeout(() => {
      kicked = null;
      void drain().catch((err) => ctx.logger.warn({ err }, 'outbox drain failed; will retry'));
    }, 20);
  };
  ctx.onStop(async () => {
    if (kicked) clearTimeout(kicked);
  });
  await drain();
  const timer = setInterval(kick, 1000);
  ctx.onStop(async () => clearInterval(timer));

  const sweep = setInterval(() => {
    const inMemory = store.expireLapsed();
    if (inMemory > 0) ctx.logger.info({ expired: inMemory }, 'lapsed reservations released');
    // Rows of accounts not loaded here yet (left open by a previous owner).
    void expireLapsedReservations(ctx.pool)
      .then((n) => n > 0 && ctx.logger.info({ expired: n }, 'lapsed reservations released'))
      .catch((err) => ctx.logger.warn({ err }, 'expiry sweep failed; will retry'));
  }, config.RCP_EXPIRY_SWEEP_MS);
  ctx.onStop(async () => clearInterval(sweep));

  const rated = await runContractConsumer({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    groupId: 'charging',
    topic: 'cdr.rated',
    logger: ctx.logger,
    producer: ctx.producer,
    metrics: ctx.metrics,
    handleBatch: async (messages) => {
      await store.whenOwner();
      const result = await chargeRatedCdrs(store, messages.map((m) => m.value), (id, currency) => accounts.termsOf(id, currency));
      ctx.logger.debug(result, 'charged rated CDRs');
      await drain();
    },
  });
  ctx.onStop(() => rated.stop());

  const standing = await runContractConsumer({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    groupId: 'charging.standing',
    topic: 'invoice.events',
    logger: ctx.logger,
    producer: ctx.producer,
    metrics: ctx.metrics,
    handleBatch: async (messages) => {
      await store.whenOwner();
      const events = messages.map((m) => m.value);
      const changed = await applyStandingEvents(ctx.pool, events);
      // The owner's loaded accounts take the new standing at once (an account not loaded reads it at load).
      for (const c of latestStandings(events)) {
        const s = await store.settled(c.accountId);
        if (s && s.standing?.standing !== 'terminated') s.standing = { standing: c.standing, reason: c.reason };
      }
      if (changed > 0) ctx.logger.info({ changed }, 'account standing from dunning applied');
    },
  });
  ctx.onStop(() => standing.stop());

  const control = new CreditControl({
    store,
    logger: ctx.logger,
    accounts,
    catalogues,
    settings: { maxGrantSeconds: config.RCP_MAX_GRANT_SECONDS, graceSeconds: config.RCP_GRANT_GRACE_SECONDS, unratedHoldHours: config.RCP_UNRATED_HOLD_HOURS },
  });
  if (config.RCP_SWITCHES.length === 0) ctx.logger.warn('RCP_SWITCHES is empty: the real-time credit-control API answers 401 to every request');
  registerCreditControlRoutes(ctx.app, { control, keys: new SwitchKeys(config.RCP_SWITCHES), metrics: ctx.metrics });
  registerChargingRoutes(ctx.app, {
    pool: ctx.pool,
    terms: (id) => (accounts.get(id) ? accounts.termsOf(id) : undefined),
    post: (posting, terms) => postOwned(store, realtimePool, posting, terms),
    flushed: () => store.flushed(),
    afterCommit: async () => {
      await drain();
    },
    opsToken: config.RCP_OPS_TOKEN,
  });
  if (!config.RCP_OPS_TOKEN) ctx.logger.warn('RCP_OPS_TOKEN is not set: top-ups and adjustments answer 401');
  return {
    ctx,
    accounts,
    catalogues,
    control,
    store,
    listen: () => ctx.listen(),
    stop: () => ctx.stop(),
    drain,
    expire: async () => {
      const n = store.expireLapsed();
      await store.flushed();
      return n + (await expireLapsedReservations(ctx.pool));
    },
  };
}
