// @rcp/infra: real Kafka and PostgreSQL for dev and tests, without Docker.
//
//   const infra = await startInfra({ ephemeral: true });
//   infra.kafka.brokers        // ['127.0.0.1:40123']
//   infra.postgres.url         // 'postgres://postgres:postgres@127.0.0.1:40567/postgres'
//   await infra.kafka.restart() // same ports, same data
//   await infra.stop();
//
// KAFKA_BROKERS / DATABASE_URL, when set, are used instead of starting anything.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KafkaHandle, type KafkaOptions, startKafka } from './kafka.js';
import { type PostgresHandle, type PostgresOptions, startPostgres, redact } from './postgres.js';
import { ensureDir, runDir } from './util.js';

export {
  KAFKA_VERSION,
  attachKafka,
  checkJava,
  kafkaLibDir,
  provisionKafka,
  restartKafka,
  startKafka,
  stopKafkaInstance,
  kafkaPid,
  waitForKafka,
  type KafkaHandle,
  type KafkaOptions,
} from './kafka.js';
export {
  attachPostgres,
  restartPostgres,
  startPostgres,
  stopPostgresInstance,
  postgresPid,
  waitForPostgres,
  type PostgresHandle,
  type PostgresOptions,
} from './postgres.js';
export { InfraError, cacheDir, runDir, findFreePort, type Logger } from './util.js';
export { processCpuSeconds, treeCpuSeconds } from './cpu.js';

export interface InfraOptions {
  kafka?: KafkaOptions;
  postgres?: PostgresOptions;
  /** Applied to both: tmp dirs removed on stop(). */
  ephemeral?: boolean;
  /** Applied to both: keep running after this process exits. */
  detach?: boolean;
  log?: KafkaOptions['log'];
}

export interface Infra {
  kafka: KafkaHandle;
  postgres: PostgresHandle;
  /** Environment for child processes: KAFKA_BROKERS, DATABASE_URL, and RCP_KAFKA_DIR / RCP_POSTGRES_DIR when we started them. */
  env: Record<string, string>;
  /** Stops whatever was started here (external ones are left alone). */
  stop(): Promise<void>;
}

/** Starts Kafka and PostgreSQL in parallel (each one only if its env var is unset). */
export async function startInfra(opts: InfraOptions = {}): Promise<Infra> {
  const common = {
    ...(opts.ephemeral !== undefined ? { ephemeral: opts.ephemeral } : {}),
    ...(opts.detach !== undefined ? { detach: opts.detach } : {}),
    ...(opts.log !== undefined ? { log: opts.log } : {}),
  };
  const [k, p] = await Promise.allSettled([startKafka({ ...common, ...opts.kafka }), startPostgres({ ...common, ...opts.postgres })]);
  if (k.status === 'rejected' || p.status === 'rejected') {
    // Do not leave the half that did start running.
    await Promise.allSettled([k.status === 'fulfilled' ? k.value.stop() : undefined, p.status === 'fulfilled' ? p.value.stop() : undefined]);
    throw k.status === 'rejected' ? k.reason : (p as PromiseRejectedResult).reason;
  }
  const kafka = k.value;
  const postgres = p.value;
  return {
    kafka,
    postgres,
    env: infraEnv(kafka, postgres),
    async stop() {
      await Promise.allSettled([kafka.stop(), postgres.stop()]);
    },
  };
}

export function infraEnv(kafka: KafkaHandle, postgres: PostgresHandle): Record<string, string> {
  const env: Record<string, string> = {
    KAFKA_BROKERS: kafka.brokers.join(','),
    DATABASE_URL: postgres.url,
  };
  if (!kafka.external && kafka.dir) env.RCP_KAFKA_DIR = kafka.dir;
  if (!postgres.external && postgres.dir) env.RCP_POSTGRES_DIR = postgres.dir;
  return env;
}

// ---------------------------------------------------------------------------
// `infra up` state file: <cache>/run/infra.json

export interface InfraState {
  running: boolean;
  startedAt: string;
  stoppedAt?: string;
  brokers: string[];
  databaseUrl: string;
  kafka: { external: boolean; dir?: string; port?: number; controllerPort?: number };
  postgres: { external: boolean; dir?: string; port?: number };
}

export function infraStateFile(): string {
  return join(runDir(), 'infra.json');
}

/** What `infra up` started (also after `infra down`, with running=false); null if never. */
export function readInfraState(): InfraState | null {
  const file = infraStateFile();
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as InfraState;
  } catch {
    return null;
  }
}

export function writeInfraState(state: InfraState): void {
  ensureDir(runDir());
  writeFileSync(infraStateFile(), JSON.stringify(state, null, 2) + '\n');
}

export { redact as redactUrl };
