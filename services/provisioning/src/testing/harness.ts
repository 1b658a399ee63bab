import { randomBytes } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import type { AccountEventV1, AccountUpserted } from '@rcp/contracts';
import { createKafka, physicalTopic } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';
import type { Kafka } from 'kafkajs';

/** What a request answered: status and parsed JSON body. */
export type Answer<T = any> = { status: number; body: T };

/** A client of the provisioning API bound to one credential. */
export function apiAs(baseUrl: string, token: string | null) {
  return async function call<T = any>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}
export type Api = ReturnType<typeof apiAs>;

/** Polls until check returns a value, or fails naming what it waited for. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Every message on account.events of a prefix, collected from the start while the test runs. */
export class AccountEventLog {
  readonly events: AccountEventV1[] = [];
  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, prefix: string): Promise<AccountEventLog> {
    const consumer = kafka.consumer({ groupId: `${prefix}.test-log.${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
    const log = new AccountEventLog(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: physicalTopic(prefix, 'account.events'), fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => void (message.value && log.events.push(JSON.parse(message.value.toString()))) });
    return log;
  }

  of(accountId: string): AccountUpserted[] {
    return this.events.filter((e): e is AccountUpserted => e.type === 'account.upserted' && e.accountId === accountId);
  }

  /** The account's state once one with this revision (eventId `<account>:<revision>`) has arrived. */
  revision(accountId: string, revision: number): Promise<AccountUpserted> {
    return eventually(`${accountId} revision ${revision} on account.events`, () => this.of(accountId).find((e) => e.eventId === `${accountId}:${revision}`));
  }

  latest(accountId: string): AccountUpserted | undefined {
    return this.of(accountId).at(-1);
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

export function testKafka(label: string): Kafka {
  return createKafka({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: `rcp-${label}`, logger: createLogger(label, 'error') });
}
