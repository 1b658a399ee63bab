import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { baseConfigShape, parseConfig } from './config.js';
import { createServiceContext } from './service-context.js';

describe('a service that cannot reach a dependency at start', () => {
  it('says which one, with the setting to fix and without its password', async () => {
    const config = parseConfig('t', baseConfigShape, { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/db', KAFKA_BROKERS: '127.0.0.1:1', PORT: '0' });
    const started = createServiceContext({ name: 't', description: 't', config, migrationsFolder: mkdtempSync(join(tmpdir(), 'rcp-migrations-')), logger: pino({ level: 'silent' }) });
    await expect(started).rejects.toThrow(/^PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db \(DATABASE_URL\): .*ECONNREFUSED/);
    await expect(started).rejects.not.toThrow(/secret/);
  });
});
