import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redactPaths, safeUrl } from './logger.js';

describe('logging', () => {
  it('redacts API keys, passwords and database URLs wherever a caller puts them', () => {
    const lines: string[] = [];
    const out = new Writable({ write: (c, _e, done) => (lines.push(c.toString()), done()) });
    const log = pino({ redact: { paths: redactPaths, censor: '[redacted]' } }, out);
    log.info({ apiKey: 'k-123', config: { password: 'p-456', databaseUrl: 'postgres://u:p@h/db' }, req: { headers: { 'x-api-key': 'k-789', authorization: 'Bearer t' } } }, 'hello');
    const text = lines.join('');
    for (const secret of ['k-123', 'p-456', 'postgres://u:p@h/db', 'k-789', 'Bearer t']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('hides the password of a connection URL', () => {
    expect(safeUrl('postgres://billing:s3cr3t@db:5432/rcp')).toBe('postgres://billing:***@db:5432/rcp');
  });
});
