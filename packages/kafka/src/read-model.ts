import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { MessageOf, TopicName } from '@rcp/contracts';
import { runContractConsumer, type ConsumerMetrics, type RunningConsumer } from './consumer.js';
import type { ContractProducer } from './producer.js';
import { physicalTopic } from './topics.js';

/**
 * An in-memory table built from a compacted topic (the latest message per key), read from the start by
 * every instance, like a Kafka Streams KTable. `ready` resolves once it has caught up with the topic as
 * it was at start, so a service does not act on a half-built view.
 */
export class TopicTable<T extends TopicName, V> {
  private readonly rows = new Map<string, V>();
  private running?: RunningConsumer;
  private waiters: (() => void)[] = [];
  private caughtUp = false;
  private readonly targets = new Map<number, bigint>();
  private readonly positions = new Map<number, bigint>();

  constructor(
    private readonly opts: {
      kafka: Kafka;
      prefix: string;
      topic: T;
      service: string;
      logger: Logger;
      producer: ContractProducer;
      metrics?: ConsumerMetrics;
      /** Turns a message into the row for its key, or null to delete the key. */
      reduce: (message: MessageOf<T>, previous: V | undefined) => V | null;
      keyOf: (message: MessageOf<T>) => string;
    },
  ) {}

  get size(): number {
    return this.rows.size;
  }

  get(key: string): V | undefined {
    return this.rows.get(key);
  }

  values(): IterableIterator<V> {
    return this.rows.values();
  }

  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  async start(): Promise<void> {
    const admin = this.opts.kafka.admin();
    await admin.connect();
    try {
      // A topic another service created a moment ago may not have its partition leaders yet.
      const offsets = await retryRetriable(() => admin.fetchTopicOffsets(physicalTopic(this.opts.prefix, this.opts.topic)), 30_000);
      for (const p of offsets) {
        const high = BigInt(p.high);
        if (high > BigInt(p.low)) this.targets.set(p.partition, high);
      }
    } finally {
      await admin.disconnect();
    }
    this.checkCaughtUp();
    this.running = await runContractConsumer({
      kafka: this.opts.kafka,
      prefix: this.opts.prefix,
      // A group of its own each time: the table is rebuilt from the start, no offsets are kept.
      groupId: `${this.opts.service}.table.${this.opts.topic}.${randomUUID()}`,
      topic: this.opts.topic,
      logger: this.opts.logger,
      producer: this.opts.producer,
      metrics: this.opts.metrics,
      commitOffsets: false,
      partitionsConsumedConcurrently: 1,
      handleBatch: async (messages) => {
        for (const m of messages) {
          const key = this.opts.keyOf(m.value);
          const next = this.opts.reduce(m.value, this.rows.get(key));
          if (next === null) this.rows.delete(key);
          else this.rows.set(key, next);
          this.positions.set(m.partition, BigInt(m.offset) + 1n);
        }
        this.checkCaughtUp();
        this.notify();
      },
    });
  }

  /** Resolves when the table has caught up with the topic as it was at start. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.caughtUp) {
      if (Date.now() > deadline) throw new Error(`${this.opts.topic} table did not catch up within ${timeoutMs} ms`);
      await this.changed(250);
    }
  }

  /** Waits until `key` is present (a change published just now may still be on its way), or gives up. */
  async waitFor(key: string, timeoutMs: number): Promise<V | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = this.rows.get(key);
      if (row !== undefined || Date.now() >= deadline) return row;
      await this.changed(Math.min(200, deadline - Date.now()));
    }
  }

  async stop(): Promise<void> {
    await this.running?.stop();
  }

  private checkCaughtUp(): void {
    if (this.caughtUp) return;
    for (const [partition, high] of this.targets) {
      if ((this.positions.get(partition) ?? 0n) < high) return;
    }
    this.caughtUp = true;
  }

  private changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Retries a Kafka call while it fails with a retriable error (leader election, coordinator moving). */
export async function retryRetriable<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await fn();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
