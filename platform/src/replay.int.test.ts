// Replaying a billing period through the ops CLI on real Kafka and PostgreSQL: after a tariff fix, a dry
// run reports the differences and changes nothing; the replay then corrects the ledger by the difference
// (never a second full charge) and the issued invoices by credit notes; replaying again changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Decimal } from '@rcp/domain';
import { main as ratingCli } from '@rcp/rating/cli';
import { eventually, httpJson } from './client.js';
import { OPS_TOKEN, prepaidAccount, SIMPLE_CATALOGUE, startE2ePlatform, voiceCdr, type E2ePlatform } from './testing/e2e-platform.js';

let platform: E2ePlatform;
let db: pg.Pool;
const A = prepaidAccount('ACC-RP1', '390633330001');
const B = prepaidAccount('ACC-RP2', '390633330002');
const PER_ACCOUNT = 40;

/** The same tariff with Italy at 0.08/min instead of 0.10: the fix ops apply after the month was invoiced. */
const FIXED = structuredClone(SIMPLE_CATALOGUE);
FIXED.versions[0]!.priceLists[0]!.rates[0]!.pricePerMinute = '0.0800';

beforeAll(async () => {
  platform = await startE2ePlatform('replay');
  db = new pg.Pool({ connectionString: platform.databaseUrl, max: 2 });
  await platform.applyCatalogue(SIMPLE_CATALOGUE);
  await platform.provision([A, B]);
  for (const acc of [A, B]) await platform.topUp(acc.accountId, '100.00', `rp-${acc.accountId}`);
  for (const acc of [A, B]) {
    const number = acc.lines[0]!.numbers[0]!;
    // 40 calls of 61..100 s: 2 billed minutes each at 60/60, 0.20 EUR; 8.00 EUR per account.
    const cdrs = Array.from({ length: PER_ACCOUNT }, (_, i) => voiceCdr(`${acc.accountId}-${i}`, number, 61 + i, { day: 1 + (i % 28), minute: i % 60 }));
    expect((await platform.postCdrs(cdrs)).body.accepted).toBe(PER_ACCOUNT);
  }
  for (const acc of [A, B]) await platform.ratedEntries(acc.accountId, PER_ACCOUNT);
  await eventually('usage in invoicing', async () => {
    const u = await httpJson<{ accounts: { records: number }[] }>('GET', `${platform.url('invoicing')}/v1/periods/2026-10-01/usage`);
    return u.body.accounts.reduce((n, a) => n + a.records, 0) === 2 * PER_ACCOUNT ? true : undefined;
  });
  const closed = await platform.closePeriod('2026-10-01', [A.accountId, B.accountId]);
  expect(closed.body.invoices.map((i) => i.total)).toEqual(['9.76', '9.76']); // 8.00 + 22% VAT
});

afterAll(async () => {
  await db?.end();
  await platform?.stop();
});

async function replay(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const env = { DATABASE_URL: platform.databaseUrl, KAFKA_BROKERS: process.env.KAFKA_BROKERS, RCP_TOPIC_PREFIX: platform.prefix, RCP_OPS_TOKEN: OPS_TOKEN };
  const code = await ratingCli(['replay', '--period', '2026-10-01', ...args], { out: (s) => out.push(s), err: (s) => out.push(s) }, env);
  return { code, out: out.join('') };
}

async function ledgerOf(accountId: string) {
  const { rows } = await db.query<{ n: number; total: string; balance: string }>(
    `select count(*)::int as n, sum(l.amount)::text as total, a.balance::text as balance
     from charging.ledger l join charging.accounts a using (account_id) where l.account_id = $1 and l.cause = 'rated_cdr' group by a.balance`,
    [accountId],
  );
  return rows[0]!;
}

describe('replaying a period', () => {
  it('with the catalogue unchanged, every delta is zero', async () => {
    const { code, out } = await replay([]);
    expect(code).toBe(0);
    expect(out).toMatch(/80 CDRs re-rated, 0 changed/);
  });

  it('after a tariff fix: the dry run shows the differences and changes nothing', async () => {
    await platform.applyCatalogue(FIXED);
    const { code, out } = await replay(['--dry-run']);
    expect(code).toBe(0);
    expect(out).toMatch(/ACC-RP1\s+40\s+40\s+-1\.6 EUR/); // 40 x (0.16 - 0.20)
    expect(out).toMatch(/80 CDRs re-rated, 80 changed/);
    expect((await ledgerOf(A.accountId)).n).toBe(PER_ACCOUNT);
    const { rows } = await db.query(`select max(revision)::int as r from rating.rated_events`);
    expect(rows[0].r).toBe(0);
  });

  it('the replay posts the differences to the ledger and credit notes on the issued invoices, once', async () => {
    const { code, out } = await replay(['--invoicing-url', platform.url('invoicing')]);
    expect(code, out).toBe(0);
    expect(out).toMatch(/published 80 corrections/);
    expect(out).toMatch(/credit note/);

    await platform.ratedEntries(A.accountId, 2 * PER_ACCOUNT); // one correction entry per CDR
    for (const acc of [A, B]) {
      const l = await ledgerOf(acc.accountId);
      expect(new Decimal(l.total).equals('-6.40'), `${acc.accountId} ledger ${l.total}`).toBe(true); // 40 x 0.16
    }
    const balance = (await platform.balance(A.accountId)).body;
    expect(new Decimal(balance.balance).equals('93.60')).toBe(true);
    expect(new Decimal(balance.ledgerSum).equals(balance.balance)).toBe(true);

    const invoices = await httpJson<{ invoices: { accountId: string; kind?: string; total: string }[] }>('GET', `${platform.url('invoicing')}/v1/invoices?accountId=${A.accountId}`);
    const totals = invoices.body.invoices.map((i) => i.total);
    // The invoice stands; a credit note gives back 1.60 + 22% VAT = 1.95 (net 6.40 + 1.41 VAT = 7.81 in all).
    expect(totals).toContain('9.76');
    expect(totals.some((t) => new Decimal(t).abs().equals('1.95'))).toBe(true);

    const again = await replay(['--invoicing-url', platform.url('invoicing')]);
    expect(again.out).toMatch(/80 CDRs re-rated, 0 changed/);
    expect((await ledgerOf(A.accountId)).n).toBe(2 * PER_ACCOUNT);
  });
});
