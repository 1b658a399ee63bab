// The contract consumer on a real broker: a message that breaks its topic's contract goes to the
// dead-letter topic with the reason, and the valid messages behind it are still handled, in order.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccountUpserted } from '@rcp/contracts';
import { createLogger } from '@rcp/runtime';
import { createKafka } from './client.js';
import { runContractConsumer, type ConsumedMessage, type DeadLetter, type RunningConsumer } from './consumer.js';
import { ContractProducer, ContractViolation } from './producer.js';
import { TopicTable } from './read-model.js';
import { ensureTopics, physicalTopic } from './topics.js';

const logger = createLogger('kafka-test', 'error');
const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: 'kafka-test', logger });
const prefix = `kt-${randomBytes(4).toString('hex')}`;
const running: { stop(): Promise<void> }[] = [];

afterAll(async () => {
  for (const r of running) await r.stop();
});

function account(id: string, name: string): AccountUpserted {
  return {
    v: 1, type: 'account.upserted', eventId: `${id}-${name}`, at: '2026-10-01T00:00:00Z', accountId: id, partnerId: null, name, country: '39', timezone: 'Europe/Rome', currency: 'EUR',
    billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
    credit: { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '0' },
    lines: [],
  };
}

describe('contract consumer', () => {
  it('dead-letters what breaks the contract, with the reason, and keeps the good messages flowing in order', async () => {
    await ensureTopics(kafka, prefix, { partitions: 1 });
    const producer = new ContractProducer(kafka, prefix, logger);
    await producer.connect();
    running.push({ stop: () => producer.disconnect() });

    await producer.publish('account.events', [{ key: 'A1', value: account('A1', 'first') }]);
    await producer.sendRaw('account.events', [{ key: 'A2', value: '{not json' }]);
    await producer.sendRaw('account.events', [{ key: 'A3', value: JSON.stringify({ v: 1, type: 'account.upserted', accountId: 'A3' }) }]);
    await producer.publish('account.events', [{ key: 'A4', value: account('A4', 'second') }]);

    const handled: ConsumedMessage<'account.events'>[] = [];
    const consumer: RunningConsumer = await runContractConsumer({
      kafka, prefix, groupId: 'dlq-test', topic: 'account.events', logger, producer,
      handleBatch: async (messages) => {
        handled.push(...messages);
      },
    });
    running.push(consumer);

    const dead: DeadLetter[] = [];
    const dlqReader = kafka.consumer({ groupId: `${prefix}.dlq-reader`, maxWaitTimeInMs: 100 });
    await dlqReader.connect();
    await dlqReader.subscribe({ topic: physicalTopic(prefix, 'account.events.dlq'), fromBeginning: true });
    await dlqReader.run({ eachMessage: async ({ message }) => void dead.push(JSON.parse(message.value!.toString()) as DeadLetter) });
    running.push({ stop: () => dlqReader.disconnect() });

    const deadline = Date.now() + 30_000;
    while ((handled.length < 2 || dead.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    expect(handled.map((m) => m.value.accountId)).toEqual(['A1', 'A4']);
    expect(dead.map((d) => [d.key, d.reason.code])).toEqual([
      ['A2', 'invalid_json'],
      ['A3', 'contract_violation'],
    ]);
    expect(dead[1]!.reason.message).toMatch(/eventId/);
    expect(dead[0]!.payload).toBe('{not json');
  });

  it('refuses to publish a message that breaks its own contract', async () => {
    const producer = new ContractProducer(kafka, prefix, logger);
    await producer.connect();
    try {
      await expect(producer.publish('account.events', [{ key: 'X', value: { ...account('X', 'x'), currency: 'euro' } }])).rejects.toBeInstanceOf(ContractViolation);
    } finally {
      await producer.disconnect();
    }
  });

  it('builds a table of the latest state per key and says when it has caught up', async () => {
    const producer = new ContractProducer(kafka, prefix, logger);
    await producer.connect();
    await producer.publish('account.events', [{ key: 'A1', value: account('A1', 'renamed') }]);
    running.push({ stop: () => producer.disconnect() }); // the table dead-letters A2 and A3 through it
    const table = new TopicTable<'account.events', AccountUpserted>({
      kafka, prefix, topic: 'account.events', service: 'kafka-test', logger, producer,
      keyOf: (e) => e.accountId,
      reduce: (e) => (e.type === 'account.deleted' ? null : e),
    });
    await table.start();
    running.push(table);
    await table.ready(30_000);
    expect(table.isCaughtUp).toBe(true);
    expect(table.get('A1')?.name).toBe('renamed');
    expect(table.get('A4')?.name).toBe('second');
    expect(table.get('A2')).toBeUndefined();
  });
});
