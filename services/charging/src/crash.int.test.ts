// Charging as its own process (its main.ts, as in production) killed with SIGKILL while it consumes rated CDRs
// and while switches terminate calls: after a restart every CDR is charged once, every terminated call is
// committed once (a terminate retried after the crash finds it done or does it), and each call's rated CDR
// reconciles with its commit. Nothing lost, nothing twice; the balance equals the ledger sum. And a terminate
// answered before its commit was written (group commit) and lost in a crash is charged once by its CDR.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPool } from '@rcp/db';
import type pg from 'pg';
import { account, amountOf, eventually, expectLedgerInvariants, OPS_TOKEN, prepare, rated, SWITCH } from '../test/harness.js';

const CRASH = account('CR-1', '390611140001', { channels: 50 });
const main = fileURLToPath(new URL('./main.ts', import.meta.url));

let env: Record<string, string>;
let prep: Awaited<ReturnType<typeof prepare>>;
let db: pg.Pool;
let child: ChildProcess | null = null;
let port = 0;
const url = () => `http://127.0.0.1:${port}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function startCharging(extra: Record<string, string> = {}): Promise<void> {
  child = spawn(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, ...env, ...extra, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  await eventually('charging to be ready', async () => ((await fetch(`${url()}/readyz`).catch(() => null))?.ok ? true : undefined), 60_000, 200);
}

async function kill(): Promise<void> {
  const c = child;
  if (!c || c.exitCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
}

const http = async (method: string, path: string, body?: unknown, key: string | null = SWITCH.apiKey) => {
  const res = await fetch(`${url()}${path}`, { method, headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : { authorization: `Bearer ${OPS_TOKEN}` }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const count = async (cause: string) => Number((await db.query(`select count(*) from charging.ledger where account_id = $1 and cause = $2`, [CRASH.accountId, cause])).rows[0].count);

beforeAll(async () => {
  prep = await prepare('crash', [CRASH]);
  port = await freePort();
  env = { KAFKA_BROKERS: process.env.KAFKA_BROKERS!, DATABASE_URL: prep.dbUrl, RCP_TOPIC_PREFIX: prep.prefix, RCP_SWITCHES: JSON.stringify([SWITCH]), RCP_OPS_TOKEN: OPS_TOKEN, LOG_LEVEL: 'error', HOST: '127.0.0.1' };
  db = createPool(prep.dbUrl, { max: 2 });
  await startCharging();
});

afterAll(async () => {
  await kill();
  await db?.end();
  await prep?.producer.disconnect();
  await prep?.drop().catch(() => undefined);
});

it('loses nothing and charges nothing twice when killed mid-stream, mid-terminate, and restarted', async () => {
  expect((await http('POST', `/v1/accounts/${CRASH.accountId}/top-ups`, { amount: '1000.00', idempotencyKey: 'crash-init' }, null)).status).toBe(201);
  const sessions = Array.from({ length: 20 }, (_, i) => `call-${i}`);
  for (const s of sessions) expect((await http('POST', '/v1/sessions', { sessionId: s, callingNumber: `+${CRASH.lines[0]!.numbers[0]}`, calledNumber: '06 5551234', requestedUnits: 120 })).body.result).toBe('granted');

  // 400 CDRs of other calls, 0.10 each; charging dies while it works through them.
  const total = 400;
  const cdrs = Array.from({ length: total }, (_, i) => rated(CRASH, `cdr-${i}`, '0.1000'));
  for (let i = 0; i < total; i += 50) await prep.producer.publish('cdr.rated', cdrs.slice(i, i + 50).map((m) => ({ key: m.accountId, value: m })));
  await eventually('some CDRs charged', async () => ((await count('rated_cdr')) >= 50 ? true : undefined), 60_000, 20);
  await kill();
  const atCrash = await count('rated_cdr');
  await startCharging();

  // The switch ends all 20 calls at once and charging dies under it: some commits land, some do not.
  const first = Promise.allSettled(sessions.map((s) => http('POST', `/v1/sessions/${s}/terminate`, { usedUnits: 61 })));
  await new Promise((r) => setTimeout(r, 15));
  await kill();
  await first;
  await startCharging();
  // The switch retries every terminate it has no answer for (here: all of them).
  const retried = await Promise.all(sessions.map((s) => http('POST', `/v1/sessions/${s}/terminate`, { usedUnits: 61 })));
  expect(retried.every((r) => r.status === 200 && r.body.result === 'terminated')).toBe(true);
  // Their CDRs come through rating: 61 s at 60/60 = 0.20, the price the commit used.
  await prep.producer.publish('cdr.rated', sessions.map((s) => ({ key: CRASH.accountId, value: rated(CRASH, s, '0.2000', { billedUnits: 120 }) })));

  await eventually('every CDR charged', async () => ((await count('rated_cdr')) === total + sessions.length ? true : undefined), 90_000, 100);
  expect(atCrash).toBeLessThanOrEqual(total);
  expect(await count('reservation_commit')).toBe(sessions.length);
  const { rows } = await db.query<{ cause: string; sum: string }>(`select cause, sum(amount)::text from charging.ledger where account_id = $1 group by cause order by cause`, [CRASH.accountId]);
  expect(rows.map((r) => [r.cause, amountOf(r.sum).toFixed(2)])).toEqual([
    ['rated_cdr', '-40.00'], // 400 x 0.10 + 20 x 0 (the commits already charged those calls)
    ['reservation_commit', '-4.00'], // 20 x 0.20
    ['top_up', '1000.00'],
  ]);
  const balance = (await http('GET', `/v1/accounts/${CRASH.accountId}/balance`, undefined, null)).body as { balance: string; reserved: string };
  expect(amountOf(balance.balance).toFixed(2)).toBe('956.00');
  expect(amountOf(balance.reserved).toFixed(2)).toBe('0.00');
  await expectLedgerInvariants(db);
});

it('charges a call once by its rated CDR when the answered terminate never reached PostgreSQL', async () => {
  // The switch's terminate is answered from memory before its commit is written (group commit). Here the
  // writer is held back (a group-commit delay far longer than the test) and the process is killed after the
  // answer: the commit is lost with the crash, and the call's rated CDR charges it, once.
  const session = 'late-commit-1';
  const granted = await http('POST', '/v1/sessions', { sessionId: session, callingNumber: `+${CRASH.lines[0]!.numbers[0]}`, calledNumber: '06 5551234', requestedUnits: 120 });
  expect(granted.body.result).toBe('granted');
  await eventually('the reservation written', async () => ((await db.query(`select 1 from charging.calls where call_id = $1 and status = 'active'`, [`${SWITCH.id}/${session}`])).rowCount === 1 ? true : undefined));
  const before = (await db.query<{ balance: string }>(`select balance::text from charging.accounts where account_id = $1`, [CRASH.accountId])).rows[0]!.balance;
  await kill();
  await startCharging({ RCP_GROUP_COMMIT_DELAY_MS: '600000' });
  const answered = await http('POST', `/v1/sessions/${session}/terminate`, { usedUnits: 61 });
  expect(answered.status).toBe(200);
  expect(answered.body).toMatchObject({ result: 'terminated', committed: { amount: '0.2000' }, chargedBy: 'commit' });
  await kill();
  const commits = await db.query(`select 1 from charging.ledger where cause = 'reservation_commit' and cause_ref = $1`, [`${SWITCH.id}/${session}`]);
  expect(commits.rowCount).toBe(0); // lost with the process
  await startCharging();

  await prep.producer.publish('cdr.rated', [{ key: CRASH.accountId, value: rated(CRASH, session, '0.2000', { billedUnits: 120 }) }]);
  await eventually('the CDR charged', async () => ((await db.query(`select 1 from charging.ledger where cause = 'rated_cdr' and cause_ref like $1`, [`${SWITCH.id}/${session}#%`])).rowCount === 1 ? true : undefined), 60_000, 100);
  const { rows } = await db.query<{ cause: string; amount: string }>(`select cause, amount::text from charging.ledger where account_id = $1 and cause_ref like $2 order by entry_id`, [CRASH.accountId, `${SWITCH.id}/${session}%`]);
  expect(rows.map((r) => [r.cause, amountOf(r.amount).toFixed(2)])).toEqual([['rated_cdr', '-0.20']]);
  const after = (await http('GET', `/v1/accounts/${CRASH.accountId}/balance`, undefined, null)).body as { balance: string; reserved: string };
  expect(amountOf(after.balance).toFixed(4)).toBe(amountOf(before).minus('0.20').toFixed(4));
  expect(amountOf(after.reserved).toFixed(2)).toBe('0.00');
  // The session was still open in PostgreSQL: the CDR released it; a terminate retried now commits nothing.
  const retried = await http('POST', `/v1/sessions/${session}/terminate`, { usedUnits: 61 });
  expect(retried.body).toMatchObject({ result: 'terminated', committed: { amount: '0' }, chargedBy: 'rated_cdr' });
  await expectLedgerInvariants(db);
});
