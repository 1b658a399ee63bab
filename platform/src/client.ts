import type { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { AccountUpserted, MessageOf, TopicName } from '@rcp/contracts';
import { physicalTopic } from '@rcp/kafka';

/** Small typed helpers that talk to the running platform the way its users do: HTTP and Kafka. */

export async function httpJson<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Publishes account states on account.events, as the provisioning API does. */
export async function publishAccounts(kafka: Kafka, prefix: string, accounts: AccountUpserted[]): Promise<void> {
  const { ContractProducer } = await import('@rcp/kafka');
  const { createLogger } = await import('@rcp/runtime');
  const producer = new ContractProducer(kafka, prefix, createLogger('platform', 'warn'));
  await producer.connect();
  try {
    await producer.publish('account.events', accounts.map((a) => ({ key: a.accountId, value: a })));
  } finally {
    await producer.disconnect();
  }
}

/** Reads every message of a topic from the start until `done` says it has enough or the time is up. */
export async function readTopic<T extends TopicName>(
  kafka: Kafka,
  prefix: string,
  topic: T,
  done: (messages: MessageOf<T>[]) => boolean,
  timeoutMs = 30_000,
): Promise<MessageOf<T>[]> {
  const consumer = kafka.consumer({ groupId: `${prefix}.reader.${randomUUID()}`, maxWaitTimeInMs: 100 });
  const messages: MessageOf<T>[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: physicalTopic(prefix, topic), fromBeginning: true });
    let resolveDone!: () => void;
    const finished = new Promise<void>((r) => (resolveDone = r));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.value) messages.push(JSON.parse(message.value.toString()) as MessageOf<T>);
        if (done(messages)) resolveDone();
      },
    });
    if (!done(messages)) await Promise.race([finished, new Promise((r) => setTimeout(r, timeoutMs))]);
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

/** Polls until `check` returns a value (not undefined) or the time is up, then throws with the last state. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
