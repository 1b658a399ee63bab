import type { FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import { createPool, migrateService, ping } from '@rcp/db';
import { ContractProducer, createKafka, ensureTopics } from '@rcp/kafka';
import { createHttpServer } from './http.js';
import { createLogger, safeUrl } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';

export type BaseServiceConfig = {
  KAFKA_BROKERS: string[];
  DATABASE_URL: string;
  HOST: string;
  PORT: number;
  LOG_LEVEL: string;
  RCP_TOPIC_PREFIX: string;
};

/** What every service is made of: logger, metrics, database, Kafka producer, HTTP server. */
export type ServiceContext = {
  name: string;
  config: BaseServiceConfig;
  logger: Logger;
  metrics: Metrics;
  pool: pg.Pool;
  kafka: Kafka;
  producer: ContractProducer;
  app: FastifyInstance;
  /** Registered in start order; run in reverse on stop. */
  onStop(fn: () => Promise<void>): void;
  listen(): Promise<string>;
  stop(): Promise<void>;
};

/**
 * Brings up the parts every service shares, in the order that lets it fail early and clearly: database
 * (migrated), Kafka (topics ensured, producer connected), then the HTTP server with readiness checks on both.
 */
export async function createServiceContext(opts: {
  name: string;
  description: string;
  config: BaseServiceConfig;
  migrationsFolder?: string;
  logger?: Logger;
  bodyLimitBytes?: number;
}): Promise<ServiceContext> {
  const { name, config } = opts;
  const logger = opts.logger ?? createLogger(name, config.LOG_LEVEL);
  const metrics = createMetrics(name);
  const stops: (() => Promise<void>)[] = [];

  const { postgres, kafka: broker } = dependencyNames(config);

  const pool = createPool(config.DATABASE_URL, { logger, applicationName: name, max: 10 });
  stops.push(() => pool.end());
  if (opts.migrationsFolder) await withDependencyNamed(postgres, () => migrateService(pool, name, opts.migrationsFolder!));

  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `rcp-${name}`, logger });
  await withDependencyNamed(broker, () => ensureTopics(kafka, config.RCP_TOPIC_PREFIX));
  const producer = new ContractProducer(kafka, config.RCP_TOPIC_PREFIX, logger, metrics.produced);
  await withDependencyNamed(broker, () => producer.connect());
  stops.push(() => producer.disconnect());

  const admin = kafka.admin();
  await withDependencyNamed(broker, () => admin.connect());
  stops.push(() => admin.disconnect());

  const app = await createHttpServer({
    service: name,
    description: opts.description,
    logger,
    metrics,
    bodyLimitBytes: opts.bodyLimitBytes,
    readiness: {
      postgres: () => ping(pool),
      kafka: async () => {
        await admin.describeCluster();
      },
    },
  });
  stops.push(() => app.close());

  let stopped = false;
  return {
    name,
    config,
    logger,
    metrics,
    pool,
    kafka,
    producer,
    app,
    onStop: (fn) => stops.push(fn),
    listen: async () => {
      const address = await app.listen({ host: config.HOST, port: config.PORT });
      logger.info({ address }, `${name} listening`);
      return address;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Reverse order: HTTP first (no new work), then consumers, producer, database.
      for (const fn of stops.reverse()) {
        try {
          await fn();
        } catch (err) {
          logger.warn({ err }, 'error while stopping');
        }
      }
      logger.info(`${name} stopped`);
    },
  };
}

/** PostgreSQL and Kafka as an error names them: with the setting that points at each, and no password. */
export function dependencyNames(config: { DATABASE_URL: string; KAFKA_BROKERS: string[] }): { postgres: string; kafka: string } {
  return { postgres: `PostgreSQL at ${safeUrl(config.DATABASE_URL)} (DATABASE_URL)`, kafka: `Kafka at ${config.KAFKA_BROKERS.join(',')} (KAFKA_BROKERS)` };
}

/** Runs a step that needs a dependency; its failure says which dependency failed (the original error is its cause). */
export async function withDependencyNamed<T>(dependency: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new Error(`${dependency}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
