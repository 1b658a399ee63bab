// Starts real Kafka + PostgreSQL (unless KAFKA_BROKERS / DATABASE_URL are set),
// and checks they work and keep their data across restarts.
//   cd infra && npx vitest run src/infra.int.test.ts
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Infra, type KafkaHandle, type PostgresHandle, attachKafka, attachPostgres, startInfra } from './index.js';

const { Kafka, logLevel } = kafkajs;

// Under `infra with-infra` (npm test) KAFKA_BROKERS/DATABASE_URL point at servers it started, and
// RCP_KAFKA_DIR/RCP_POSTGRES_DIR let us restart them, like the fault tests of other packages do.
// With servers of your own (env set, no dir), the restart tests are skipped.
const ownKafka = !process.env.KAFKA_BROKERS || !!process.env.RCP_KAFKA_DIR;
const ownPostgres = !process.env.DATABASE_URL || !!process.env.RCP_POSTGRES_DIR;

let infra: Infra;
const kafkaCtl = (): KafkaHandle => (infra.kafka.external ? attachKafka() : infra.kafka);
const postgresCtl = (): PostgresHandle => (infra.postgres.external ? attachPostgres() : infra.postgres);

beforeAll(async () => {
  // First run downloads Kafka from Maven Central (~1 min).
  infra = await startInfra({ ephemeral: true });
}, 300_000);

afterAll(async () => {
  if (!infra) return;
  const { kafka, postgres } = infra;
  await infra.stop();
  if (!kafka.external) {
    expect(kafka.isRunning()).toBe(false);
    expect(existsSync(kafka.dir!)).toBe(false);
  }
  if (!postgres.external) {
    expect(postgres.isRunning()).toBe(false);
    expect(existsSync(postgres.dir!)).toBe(false);
  }
}, 120_000);

function kafkaClient() {
  return new Kafka({ clientId: 'infra-int-test', brokers: infra.kafka.brokers, logLevel: logLevel.NOTHING });
}

async function createTopic(topic: string): Promise<void> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(true);
  } finally {
    await admin.disconnect();
  }
}

/** Reads `topic` from the beginning with a fresh group until `count` messages arrived. */
async function readAll(topic: string, count: number, timeoutMs = 60_000): Promise<string[]> {
  const consumer = kafkaClient().consumer({ groupId: `infra-int-${randomUUID()}` });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${values.length}/${count} messages after ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: infra.postgres.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('infra', () => {
  it('exposes KAFKA_BROKERS / DATABASE_URL for child processes', () => {
    expect(infra.env.KAFKA_BROKERS).toBe(infra.kafka.brokers.join(','));
    expect(infra.env.DATABASE_URL).toBe(infra.postgres.url);
    if (!infra.kafka.external) expect(infra.env.RCP_KAFKA_DIR).toBe(infra.kafka.dir);
  });

  it('kafka: create a topic, produce and consume a message', async () => {
    const topic = `infra-smoke-${randomUUID()}`;
    await createTopic(topic);
    const producer = kafkaClient().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'hello' }] });
    await producer.disconnect();
    expect(await readAll(topic, 1)).toEqual(['hello']);
  }, 120_000);

  it.skipIf(!ownKafka)('kafka: auto topic creation is off (topics are created explicitly)', async () => {
    const producer = kafkaClient().producer({ allowAutoTopicCreation: true, retry: { retries: 1, initialRetryTime: 100 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: `not-created-${randomUUID()}`, messages: [{ value: 'x' }] })).rejects.toThrow();
    } finally {
      await producer.disconnect();
    }
  }, 60_000);

  it('postgres: select 1', async () => {
    const rows = await query<{ one: number }>('select 1 as one');
    expect(rows).toEqual([{ one: 1 }]);
    const [settings] = await query<{ max_connections: string; fsync: string; synchronous_commit: string }>(
      `select current_setting('max_connections') as max_connections, current_setting('fsync') as fsync,
              current_setting('synchronous_commit') as synchronous_commit`,
    );
    if (ownPostgres) expect(settings).toEqual({ max_connections: '300', fsync: 'on', synchronous_commit: 'on' });
  });

  it.skipIf(!ownKafka)('kafka: data survives a restart; a producer connected before keeps working', async () => {
    const topic = `infra-restart-${randomUUID()}`;
    await createTopic(topic);
    const producer = kafkaClient().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'before-restart' }] });

    await kafkaCtl().restart();
    expect(kafkaCtl().isRunning()).toBe(true);

    await producer.send({ topic, acks: -1, messages: [{ value: 'after-restart' }] });
    await producer.disconnect();
    expect(await readAll(topic, 2)).toEqual(['before-restart', 'after-restart']);
  }, 180_000);

  it.skipIf(!ownKafka)('kafka: survives a crash (SIGKILL) through a handle attached by dir', async () => {
    const topic = `infra-crash-${randomUUID()}`;
    await createTopic(topic);
    const producer = kafkaClient().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'acked-before-crash' }] });
    await producer.disconnect();

    // What a fault test in another package does with RCP_KAFKA_DIR from `with-infra`.
    await attachKafka(kafkaCtl().dir, { log: false }).restart({ hard: true });

    expect(await readAll(topic, 1)).toEqual(['acked-before-crash']);
  }, 180_000);

  it.skipIf(!ownPostgres)('postgres: committed data survives a clean restart and a crash', async () => {
    await query('drop table if exists infra_restart_check');
    await query('create table infra_restart_check (id int primary key, note text)');
    await query(`insert into infra_restart_check values (1, 'before clean restart')`);
    await postgresCtl().restart();
    await query(`insert into infra_restart_check values (2, 'before crash')`);
    await postgresCtl().restart({ hard: true });
    const rows = await query<{ id: number; note: string }>('select id, note from infra_restart_check order by id');
    expect(rows).toEqual([
      { id: 1, note: 'before clean restart' },
      { id: 2, note: 'before crash' },
    ]);
  }, 120_000);
});
