// The ops CLI's replay: arguments checked before anything is touched, and an unreachable database or broker
// named at once (not a minute of client retries).
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const run = async (argv: string[], env: NodeJS.ProcessEnv) => {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) }, env);
  return { code, out, err };
};
const nowhere = { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/db', KAFKA_BROKERS: '127.0.0.1:1' };

describe('rating replay (CLI)', () => {
  it('refuses a period that is not a real day, before connecting', async () => {
    for (const period of ['2026-13-01', '2026-02-30', '2026-1-01', 'october']) {
      const r = await run(['replay', '--period', period], nowhere);
      expect(r.code, period).toBe(2);
      expect(r.err).toContain(`a real date written YYYY-MM-DD (got ${JSON.stringify(period)})`);
    }
  });

  it('says which dependency it cannot reach, without its password, and exits 1', async () => {
    const r = await run(['replay', '--period', '2026-10-01', '--dry-run'], nowhere);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^replay failed: cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db \(DATABASE_URL\): /);
    expect(r.err).not.toContain('secret');
  });
});
