// Unit tests for the pure parts (no processes started).
import { describe, expect, it } from 'vitest';
import { newClusterId, parseBrokers, renderServerProperties } from './kafka.js';
import { postgresUrl, redact } from './postgres.js';

describe('kafka config', () => {
  it('renders a single-node KRaft server.properties', () => {
    const text = renderServerProperties({ port: 40001, controllerPort: 40002, dataDir: '/tmp/x/data' });
    const props = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:40002',
      listeners: 'PLAINTEXT://127.0.0.1:40001,CONTROLLER://127.0.0.1:40002',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:40001',
      'log.dirs': '/tmp/x/data',
      'auto.create.topics.enable': 'false',
      'num.partitions': '4',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
    });
  });

  it('lets callers override settings', () => {
    const text = renderServerProperties({ port: 1, controllerPort: 2, dataDir: '/d', numPartitions: 8, extra: { 'auto.create.topics.enable': true } });
    expect(text).toContain('\nnum.partitions=8\n');
    expect(text).toContain('\nauto.create.topics.enable=true\n');
    expect(text).not.toContain('auto.create.topics.enable=false');
  });

  it('makes valid cluster ids', () => {
    for (let i = 0; i < 50; i++) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });

  it('parses KAFKA_BROKERS', () => {
    expect(parseBrokers(' a:9092, b:9093 ,,')).toEqual(['a:9092', 'b:9093']);
  });
});

describe('postgres url', () => {
  it('builds and redacts', () => {
    const url = postgresUrl({ user: 'postgres', password: 'p@ss word', port: 5433, database: 'rcp' });
    expect(url).toBe('postgres://postgres:p%40ss%20word@127.0.0.1:5433/rcp');
    expect(redact(url)).toBe('postgres://postgres:***@127.0.0.1:5433/rcp');
  });
});
