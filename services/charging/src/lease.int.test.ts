// One owner of the accounts at a time, on real PostgreSQL: a second instance waits for the lease instead of
// deciding; when the owner loses its lease connection, the other takes over and the first answers 503
// not_owner (never a second decision-maker); when the lease is free again the first takes it back and loads
// the accounts from PostgreSQL, with nothing lost and the ledger in balance.
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { createPool } from '@rcp/db';
import { createLogger } from '@rcp/runtime';
import { AccountStore } from './credit-control/store.js';
import { account, amountOf, eventually, startHarness, type Harness } from '../test/harness.js';

const OWNED = account('LS-1', '390611150001');
let h: Harness;

beforeAll(async () => {
  h = await startHarness('lease', [OWNED]);
  expect((await h.http('POST', `/v1/accounts/${OWNED.accountId}/top-ups`, { amount: '5.00', idempotencyKey: 'lease-init' }, null)).status).toBe(201);
});

afterAll(async () => {
  await h?.stop();
});

const authorize = (sessionId: string) => h.http<{ result?: string; error?: string }>('POST', '/v1/sessions', { sessionId, callingNumber: `+${OWNED.lines[0]!.numbers[0]}`, calledNumber: '06 5551234', requestedUnits: 60 });

it('lets one instance own the accounts at a time; the other answers not_owner until the lease is its own again', async () => {
  expect((await authorize('ls-1')).status).toBe(201);

  const pool = createPool(h.dbUrl, { max: 2 });
  const second = new AccountStore({
    databaseUrl: h.dbUrl,
    pool,
    logger: createLogger('lease-test', 'fatal'),
    termsOf: (id) => h.service.accounts.termsOf(id),
    linesOf: () => [],
    unratedHoldHours: 24,
    groupCommitDelayMs: 0,
  });
  let secondOwns = false;
  const taking = second.start().then(
    () => (secondOwns = true),
    (err: Error) => err.message,
  );
  await new Promise((r) => setTimeout(r, 1500));
  expect(secondOwns).toBe(false); // the first instance holds the lease: the second waits
  await second.stop();
  expect(await taking).toMatch(/stopped while waiting/);
  await pool.end();

  // The owner's lease connection dies (a network cut) and another session takes the lease at once.
  const other = new pg.Client({ connectionString: h.dbUrl });
  await other.connect();
  await other.query(`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = 4242001 and granted`);
  await eventually('the lease to be taken by the other session', async () => ((await other.query<{ ok: boolean }>('select pg_try_advisory_lock(4242001) as ok')).rows[0]!.ok ? true : undefined), 10_000, 5);
  await eventually('the first instance to know it lost the lease', async () => (h.service.store.isOwner ? undefined : true), 10_000, 20);
  const refused = await authorize('ls-2');
  expect(refused.status).toBe(503);
  expect(refused.body.error).toBe('not_owner');
  await new Promise((r) => setTimeout(r, 1500));
  expect(h.service.store.isOwner).toBe(false); // it keeps trying, but the lease is not free

  // The other session ends: the first takes the lease back and decides again.
  await other.end();
  await eventually('the first instance to own the accounts again', async () => (h.service.store.isOwner ? true : undefined), 20_000, 50);
  const again = await authorize('ls-3');
  expect(again.status).toBe(201);
  // Its state was read back from PostgreSQL: the first reservation still holds its credit.
  const balance = (await h.http<{ balance: string; reserved: string }>('GET', `/v1/accounts/${OWNED.accountId}/balance`, undefined, null)).body;
  expect(amountOf(balance.balance).toFixed(2)).toBe('5.00');
  expect(amountOf(balance.reserved).toFixed(2)).toBe('0.20');
  await h.expectLedgerInvariants();
});
