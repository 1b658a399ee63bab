import type { Kafka } from 'kafkajs';
import { compactedTopics, deadLetterTopic, topics, type TopicName } from '@rcp/contracts';

/** The physical topic name: a prefix lets several platforms or test runs share one cluster. */
export function physicalTopic(prefix: string, topic: string): string {
  return prefix ? `${prefix}.${topic}` : topic;
}

/**
 * Creates every platform topic and its dead-letter topic when missing. Idempotent: services call it at
 * start, so a fresh cluster works without a separate setup step.
 */
export async function ensureTopics(kafka: Kafka, prefix: string, opts: { partitions?: number } = {}): Promise<void> {
  const partitions = opts.partitions ?? 4;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = (Object.keys(topics) as TopicName[]).flatMap((t) => [
      { topic: physicalTopic(prefix, t), compacted: compactedTopics.has(t) },
      { topic: physicalTopic(prefix, deadLetterTopic(t)), compacted: false },
    ]);
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: partitions,
        replicationFactor: -1,
        configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [{ name: 'retention.ms', value: '-1' }],
      })),
    });
  } catch (err) {
    // Two services starting together may race to create the same topic: that is success.
    if (!(err instanceof Error) || !/already exists/i.test(JSON.stringify((err as { errors?: unknown }).errors ?? err.message))) throw err;
  } finally {
    await admin.disconnect();
  }
}
