import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { topics, type MessageOf, type TopicName } from '@rcp/contracts';
import { physicalTopic } from './topics.js';

type Counter = { inc(labels: { topic: string }, n?: number): void };

export type OutgoingMessage<T extends TopicName> = { key: string; value: MessageOf<T>; headers?: Record<string, string> };

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
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
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
      return { key: m.key, value: JSON.stringify(m.value), headers: { 'content-type': 'application/json', 'schema-version': String(topics[topic].version), ...m.headers } };
    });
    await this.sendRaw(topic, encoded);
  }

  /** For dead-letter and archive topics, whose payload is whatever failed. */
  async sendRaw(topic: string, messages: { key: string | null; value: string; headers?: Record<string, string> }[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({ topic: physicalTopic(this.prefix, topic), acks: -1, compression: CompressionTypes.None, messages });
    this.produced?.inc({ topic }, messages.length);
    this.logger.debug({ topic, count: messages.length }, 'published');
  }
}
