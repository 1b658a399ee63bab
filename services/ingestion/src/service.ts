import { fileURLToPath } from 'node:url';
import type { AccountEventV1 } from '@rcp/contracts';
import { TopicTable } from '@rcp/kafka';
import { createServiceContext, type ServiceContext } from '@rcp/runtime';
import type { IngestionConfig } from './config.js';
import { SwitchKeys } from '@rcp/runtime';
import { registerIngestionRoutes } from './http/routes.js';
import { Intake } from './intake/intake.js';
import { LineDirectory } from './intake/line-directory.js';

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export type IngestionService = { ctx: ServiceContext; intake: Intake; directory: LineDirectory; listen(): Promise<string>; stop(): Promise<void> };

/** Wires ingestion: line directory from account.events, the intake use case, and its HTTP API. */
export async function createIngestionService(config: IngestionConfig): Promise<IngestionService> {
  const bodyLimitBytes = config.RCP_INGEST_BODY_LIMIT_MB * 1024 * 1024;
  const ctx = await createServiceContext({
    name: 'ingestion',
    description: 'Takes CDRs from switches (JSON, NDJSON, FreeSWITCH mod_json_cdr), validates them and publishes them to cdr.raw; refused records go to cdr.rejected with their reasons.',
    config,
    migrationsFolder,
    bodyLimitBytes,
  });
  const directory = new LineDirectory();
  const accounts = new TopicTable<'account.events', AccountEventV1>({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    topic: 'account.events',
    service: 'ingestion',
    logger: ctx.logger,
    producer: ctx.producer,
    metrics: ctx.metrics,
    keyOf: (e) => e.accountId,
    reduce: (e) => {
      directory.apply(e);
      return e.type === 'account.deleted' ? null : e;
    },
  });
  await accounts.start();
  ctx.onStop(() => accounts.stop());
  await accounts.ready();

  const intake = new Intake({ pool: ctx.pool, producer: ctx.producer, directory, logger: ctx.logger, metrics: ctx.metrics });
  registerIngestionRoutes(ctx.app, {
    intake,
    directory,
    keys: new SwitchKeys(config.RCP_SWITCHES),
    chunk: config.RCP_INGEST_CHUNK,
    bodyLimitBytes,
    pool: ctx.pool,
    switches: config.RCP_SWITCHES,
    opsToken: config.RCP_OPS_TOKEN,
  });
  return { ctx, intake, directory, listen: () => ctx.listen(), stop: () => ctx.stop() };
}
