import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigShape, ConfigError, parseConfig } from './config.js';

const shape = { ...baseConfigShape, PORT: z.coerce.number().int().min(0).max(65535).default(8080) };
const good = { KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093', DATABASE_URL: 'postgres://u:secret@h:5432/db' };

describe('parseConfig', () => {
  it('parses and defaults a good environment', () => {
    const c = parseConfig('svc', shape, good);
    expect(c.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(c.PORT).toBe(8080);
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.RCP_TOPIC_PREFIX).toBe('');
  });

  it('names every wrong variable, and never prints a secret value', () => {
    let error: unknown;
    try {
      parseConfig('svc', shape, { KAFKA_BROKERS: 'localhost', DATABASE_URL: 'mysql://u:secret@h/db', PORT: '99999', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('KAFKA_BROKERS');
    expect(message).toContain('host:port');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('PORT');
    expect(message).toContain('LOG_LEVEL');
    expect(message).not.toContain('secret');
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('says a required variable is not set', () => {
    expect(() => parseConfig('svc', shape, { DATABASE_URL: good.DATABASE_URL })).toThrow(/KAFKA_BROKERS is required.*\(not set\)/);
  });
});
