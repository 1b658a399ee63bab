import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const CATALOGUE = path('../../../../packages/domain/examples/catalogue.sample.yaml');
const ACCOUNTS = path('../../test/fixtures/accounts.json');
const CDRS = path('../../test/fixtures/cdrs.ndjson');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) }, {});
  return { code, out: out.join(''), err: err.join('') };
}

describe('rating CLI', () => {
  it('rates a CDR file offline with the sample catalogue, as the service would', async () => {
    const { code, out, err } = await run(['rate', '--catalogue', CATALOGUE, '--accounts', ACCOUNTS, '--output', 'json', CDRS]);
    // The last line of the file is not a CDR: reported with its line number, and the exit code says so.
    expect(code).toBe(1);
    expect(err).toMatch(/cdrs\.ndjson:6: .*startTime/);
    const records = out.split('\n').filter((l) => l.startsWith('{"outcome"')).map((l) => JSON.parse(l) as Record<string, any>);
    const byId = new Map(records.map((r) => [r.recordId as string, r]));
    // Reseller retail list: Italy mobile 0.0850/min + 0.0400 connect, 30/6: 61 s -> 66 s = 0.0935 + 0.04.
    expect(byId.get('r1')).toMatchObject({ outcome: 'rated', billedUnits: 66, retail: { amount: '0.1335' } });
    // Weekday 20:00 Rome is off-peak: Italy fixed 0.0150/min, 66 s = 0.0165.
    expect(byId.get('r2')).toMatchObject({ billedUnits: 66, retail: { amount: '0.0165' } });
    // FLAT Business, 1000 min: 990 min used, then 610 s at 30/6 -> 612 s: 600 s from the bucket, 12 s overage
    // (Saturday, off-peak 0.0150/min: 0.0030).
    expect(byId.get('b1')).toMatchObject({ retail: { amount: '0.0000' } });
    const b2 = byId.get('b2')!;
    expect(b2.billedUnits).toBe(612);
    expect(b2.explanation.parts.map((p: any) => [p.source, p.units])).toEqual([['bucket', 600], ['overage', 12]]);
    expect(b2.explanation.bucketDraws).toEqual([{ basket: 'national', units: 600, remainingAfter: 0 }]);
    expect(b2.retail.amount).toBe('0.0030');
    expect(byId.get('b3')).toMatchObject({ outcome: 'rejected', reasons: [{ code: 'unknown_destination' }] });
    const summary = JSON.parse(out.split('\n').find((l) => l.startsWith('{"summary"'))!).summary as any[];
    expect(summary.find((s) => s.accountId === 'ACC-ROSSI')).toMatchObject({ rated: 2, retail: '0.15', periodKey: '2026-10-01' });
  });

  it('prints a readable summary table', async () => {
    const { out } = await run(['rate', '--catalogue', CATALOGUE, '--accounts', ACCOUNTS, '--output', 'table', CDRS]);
    expect(out).toMatch(/ACC-BIANCHI\s+2026-10-01\s+2\s+0\s+1000\.2/);
  });

  it('validates a catalogue and names the exact path of each problem', async () => {
    expect((await run(['validate', CATALOGUE])).code).toBe(0);
    const broken = readFileSync(CATALOGUE, 'utf8').replace('pricePerMinute: "0.0250"', 'pricePerMinute: "cheap"');
    const file = path('../../test/fixtures/broken.catalogue.yaml');
    (await import('node:fs')).writeFileSync(file, broken);
    try {
      const { code, err } = await run(['validate', file]);
      expect(code).toBe(1);
      expect(err).toMatch(/versions\[0\]\.priceLists\[0\]\.rates\[0\]\.pricePerMinute/);
    } finally {
      (await import('node:fs')).rmSync(file);
    }
  });

  it('explains its usage on a wrong call', async () => {
    const { code, err } = await run(['rate', CDRS]);
    expect(code).toBe(2);
    expect(err).toContain('usage');
  });
});
