import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { deadLetterTopic, topics, type MessageOf, type TopicName } from '@rcp/contracts';
import { physicalTopic } from './topics.js';
import type { ContractProducer } from './producer.js';

export type ConsumedMessage<T extends TopicName> = {
  key: string | null;
  value: MessageOf<T>;
  partition: number;
  offset: string;
  timestamp: string;
};

/** What the consumer records about itself; prom-client metrics fit this shape. */
export type ConsumerMetrics = {
  consumed: { inc(labels: { topic: string }, n?: number): void };
  rejected: { inc(labels: { topic: string; code: string }, n?: number): void };
  consumerLag: { set(labels: { topic: string; partition: string }, v: number): void };
  processingSeconds: { observe(labels: { operation: string }, v: number): void };
};

export type DeadLetter = {
  originalTopic: string;
  partition: number;
  offset: string;
  key: string | null;
  reason: { code: string; message: string };
  payload: string | null;
  failedAt: string;
};

export type ContractConsumerOptions<T extends TopicName> = {
  kafka: Kafka;
  prefix: string;
  groupId: string;
  topic: T;
  logger: Logger;
  producer: ContractProducer;
  metrics?: ConsumerMetrics;
  /**
   * Receives the messages of one partition's batch, in offset order, all valid against the contract.
   * It must be idempotent (a batch may be delivered again after a crash) and throw only when a retry can
   * help (database or broker unavailable); offsets are committed after it resolves.
   */
  handleBatch: (messages: ConsumedMessage<T>[]) => Promise<void>;
  partitionsConsumedConcurrently?: number;
  /** Read-model consumers keep no offsets: they rebuild from the start every time. */
  commitOffsets?: boolean;
};

export type RunningConsumer = { stop(): Promise<void>; consumer: Consumer };

/**
 * A thin consumer: parse, validate against the topic's contract, hand the valid messages to one use case,
 * commit. A message that fails its contract goes to the topic's dead-letter topic with the reason and
 * the messages behind it keep flowing.
 */
export async function runContractConsumer<T extends TopicName>(opts: ContractConsumerOptions<T>): Promise<RunningConsumer> {
  const { kafka, prefix, topic, logger, metrics } = opts;
  const commit = opts.commitOffsets ?? true;
  const consumer = kafka.consumer({
    groupId: physicalTopic(prefix, opts.groupId),
    // A crashed instance's partitions move to a live one after this long without heartbeats.
    sessionTimeout: 10_000,
    heartbeatInterval: 3_000,
    // A long poll: the broker answers as soon as there is anything to read, so this only sets how often an
    // idle consumer asks again. At 50 ms the platform's dozen idle consumers kept the broker busy with
    // hundreds of empty fetches a second.
    maxWaitTimeInMs: 500,
    // Larger fetches make larger batches: one transaction and one produce per few thousand messages.
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    retry: { retries: 8, initialRetryTime: 300 },
  });
  await consumer.connect();
  await consumer.subscribe({ topic: physicalTopic(prefix, topic), fromBeginning: true });
  const schema = topics[topic].schema;
  const log = logger.child({ topic, groupId: opts.groupId });

  await consumer.run({
    autoCommit: commit,
    eachBatchAutoResolve: false,
    // Every partition at once: the work waits on PostgreSQL and Kafka, not on this process's CPU.
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const started = performance.now();
      const valid: ConsumedMessage<T>[] = [];
      const dead: DeadLetter[] = [];
      for (const m of batch.messages) {
        const parsed = decode(m, schema);
        if (parsed.ok) valid.push({ key: m.key?.toString() ?? null, value: parsed.value as MessageOf<T>, partition: batch.partition, offset: m.offset, timestamp: m.timestamp });
        else dead.push({ originalTopic: topic, partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, reason: parsed.reason, payload: m.value?.toString() ?? null, failedAt: new Date().toISOString() });
      }
      if (dead.length > 0) {
        await opts.producer.sendRaw(deadLetterTopic(topic), dead.map((d) => ({ key: d.key, value: JSON.stringify(d) })));
        for (const d of dead) {
          metrics?.rejected.inc({ topic, code: d.reason.code });
          log.warn({ partition: d.partition, offset: d.offset, reason: d.reason }, 'message dead-lettered');
        }
      }
      // kafkajs heartbeats only between batches: a long batch (a slow database, a loaded machine) would
      // outlast the session and get this member evicted mid-batch. Keep the membership alive meanwhile.
      const beating = setInterval(() => void heartbeat().catch(() => undefined), 2_000);
      try {
        if (valid.length > 0) await opts.handleBatch(valid);
      } finally {
        clearInterval(beating);
      }
      const last = batch.messages[batch.messages.length - 1]!;
      resolveOffset(last.offset);
      if (commit) await commitOffsetsIfNecessary();
      await heartbeat();
      metrics?.consumed.inc({ topic }, batch.messages.length);
      metrics?.consumerLag.set({ topic, partition: String(batch.partition) }, Math.max(0, Number(batch.offsetLag())));
      metrics?.processingSeconds.observe({ operation: `consume:${topic}` }, (performance.now() - started) / 1000);
    },
  });

  return {
    consumer,
    stop: async () => {
      // disconnect waits for the batch in flight to finish and commit before leaving the group.
      await consumer.disconnect();
    },
  };
}

type Decoded = { ok: true; value: unknown } | { ok: false; reason: { code: string; message: string } };

function decode(m: KafkaMessage, schema: (typeof topics)[TopicName]['schema']): Decoded {
  if (!m.value) return { ok: false, reason: { code: 'empty_message', message: 'message has no value' } };
  let json: unknown;
  try {
    json = JSON.parse(m.value.toString());
  } catch {
    return { ok: false, reason: { code: 'invalid_json', message: 'message value is not valid JSON' } };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    reason: { code: 'contract_violation', message: result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') },
  };
}
