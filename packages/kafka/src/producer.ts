import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { KeyHashPartitioner } from './partitioner.js';
import type { Logger } from 'pino';
import { topics, type MessageOf, type TopicName } from '@rcp/contracts';
import { physicalTopic } from './topics.js';

type Counter = { inc(labels: { topic: string }, n?: number): void };

export type OutgoingMessage<T extends TopicName> = {
  key: string;
  value: MessageOf<T>;
  headers?: Record<string, string>;
  /**
   * The value already serialised, exactly JSON.stringify(value): a caller that wrote the same text elsewhere
   * (rating stores it in PostgreSQL) spares a second serialisation. The value is still checked against the contract.
   */
  text?: string;
};

/** Bytes of message values per produce request; the broker's per-batch limit is 1 MiB. */
const MAX_REQUEST_BYTES = 512 * 1024;

export function slicesBySize<T extends { value: string; key: string | null }>(messages: T[], maxBytes: number): T[][] {
  const slices: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.value) + (m.key ? Buffer.byteLength(m.key) : 0) + 64;
    if (current.length > 0 && bytes + size > maxBytes) {
      slices.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}

/** A producer message broke its own contract: a bug in the producing code, never sent. */
export class ContractViolation extends Error {
  constructor(readonly topic: string, readonly details: string) {
    super(`message for ${topic} breaks its contract: ${details}`);
    this.name = 'ContractViolation';
  }
}

/**
 * Publishes messages that are validated against their topic's contract first. Idempotent producer with
 * acks=all: a send resolves only once every in-sync replica has the messages.
 */
export class ContractProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, private readonly prefix: string, private readonly logger: Logger, private readonly produced?: Counter) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: KeyHashPartitioner });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async publish<T extends TopicName>(topic: T, messages: OutgoingMessage<T>[]): Promise<void> {
    if (messages.length === 0) return;
    const schema = topics[topic].schema;
    const encoded = messages.map((m) => {
      const checked = schema.safeParse(m.value);
      if (!checked.success) throw new ContractViolation(topic, checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      return { key: m.key, value: m.text ?? JSON.stringify(m.value), headers: { 'content-type': 'application/json', 'schema-version': String(topics[topic].version), ...m.headers } };
    });
    await this.sendRaw(topic, encoded);
  }

  /** For dead-letter and archive topics, whose payload is whatever failed. */
  async sendRaw(topic: string, messages: { key: string | null; value: string; headers?: Record<string, string> }[]): Promise<void> {
    if (messages.length === 0) return;
    // A produce request carries one record batch per partition, and the broker refuses a batch over
    // message.max.bytes (1 MiB by default): send in slices well under it. Order is kept, slice by slice.
    for (const slice of slicesBySize(messages, MAX_REQUEST_BYTES)) {
      await this.producer.send({ topic: physicalTopic(this.prefix, topic), acks: -1, compression: CompressionTypes.None, messages: slice });
    }
    this.produced?.inc({ topic }, messages.length);
    this.logger.debug({ topic, count: messages.length }, 'published');
  }
}
