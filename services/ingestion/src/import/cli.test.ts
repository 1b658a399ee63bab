import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './cli.js';

const API_KEY = 'test-key-0123456789abcdef';
const fixture = (path: string) => fileURLToPath(new URL(`../../test/fixtures/${path}`, import.meta.url));
const cliPath = fileURLToPath(new URL('./cli.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('../..', import.meta.url));

type Posted = { headers: IncomingMessage['headers']; lines: string[] };

/**
 * Answers like POST /v1/cdrs: API key checked, NDJSON read line by line, a record refused when a required field
 * is missing, a (source, recordId) seen before reported as a duplicate; 200, or 422 when some were refused.
 */
class FakeIngestion {
  readonly posted: Posted[] = [];
  readonly seen = new Set<string>();
  /** Answer 503 to this many requests first. */
  unavailable = 0;
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const send = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (req.method !== 'POST' || req.url !== '/v1/cdrs') return send(404, { error: 'not_found' });
        if (req.headers['x-api-key'] !== API_KEY) return send(401, { error: 'unauthorized', message: 'missing or unknown API key' });
        if (this.unavailable > 0) {
          this.unavailable--;
          return send(503, { error: 'kafka_unavailable' });
        }
        const lines = body.split('\n').filter((l) => l.trim() !== '');
        this.posted.push({ headers: req.headers, lines });
        const results = lines.map((line, index) => {
          let record: Record<string, unknown>;
          try {
            record = JSON.parse(line) as Record<string, unknown>;
          } catch {
            return { index, status: 'rejected' as const, reasons: [{ code: 'invalid_json', message: 'line is not valid JSON', path: `[${index}]` }] };
          }
          const missing = ['recordId', 'callingNumber', 'calledNumber', 'startTime', 'billableUnits', 'disposition'].filter((f) => record[f] === undefined);
          if (missing.length > 0) return { index, status: 'rejected' as const, reasons: missing.map((f) => ({ code: 'missing_field', message: 'Required', path: `[${index}].${f}` })) };
          const key = `${String(record.source ?? 'pbx-1')}/${String(record.recordId)}`;
          if (this.seen.has(key)) return { index, status: 'duplicate' as const, recordId: String(record.recordId) };
          this.seen.add(key);
          return { index, status: 'accepted' as const, recordId: String(record.recordId) };
        });
        const count = (s: string) => results.filter((r) => r.status === s).length;
        send(count('rejected') > 0 ? 422 : 200, { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), results });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  records(): Record<string, unknown>[] {
    return this.posted.flatMap((p) => p.lines.map((l) => JSON.parse(l) as Record<string, unknown>));
  }
}

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

/** Runs the real CLI in a child process, as an operator would. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], { cwd: packageDir, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let server: FakeIngestion;
let url: string;
beforeEach(async () => {
  server = new FakeIngestion();
  url = await server.start();
});
afterEach(async () => {
  await server.stop();
});

describe('import CLI, run as a process', () => {
  it('streams an Asterisk Master.csv with bad rows, posts NDJSON batches with the API key, prints the counts', async () => {
    const { code, stdout, stderr } = await runCli(['--url', url, '--api-key', API_KEY, '--format', 'asterisk_csv', '--time-zone', 'Europe/Rome', '--batch-size', '4', fixture('asterisk/Master-mixed.csv')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(server.posted.map((p) => p.lines.length)).toEqual([4, 2]);
    expect(server.posted[0]?.headers['content-type']).toBe('application/x-ndjson');
    expect(server.posted[0]?.headers['x-api-key']).toBe(API_KEY);
    expect(stdout).toMatch(/accepted {4}3\n/);
    expect(stdout).toMatch(/rejected {4}3 \(3 refused by the local parser, 0 by the server\)/);
    expect(stdout).toContain('Master-mixed.csv:2: malformed_csv_row at row 2');
    expect(stdout).toContain('Master-mixed.csv:5: negative_duration at row 5 column billsec');
    expect(stdout).toMatch(/progress: 100% /);
  }, 30_000);

  it('exits 1 and says so when the server is unreachable', async () => {
    await server.stop();
    const { code, stdout } = await runCli(['--url', url, '--api-key', API_KEY, '--format', 'asterisk_csv', '--time-zone', 'Europe/Rome', '--retries', '0', fixture('asterisk/Master.csv')]);
    expect(code).toBe(1);
    expect(stdout).toContain('Import STOPPED');
    expect(stdout).toMatch(/server unreachable at http:\/\/127\.0\.0\.1:\d+\/v1\/cdrs \(fetch failed: ECONNREFUSED\)/);
    expect(stdout).toContain('The batch starting at Master.csv:1 was not confirmed');
  }, 30_000);

  it('exits 2 with the usage for bad arguments', async () => {
    const { code, stderr } = await runCli(['--url', url, '--format', 'asterisk_csv', fixture('asterisk/Master.csv')], { RCP_API_KEY: '' });
    expect(code).toBe(2);
    expect(stderr).toContain('--api-key');
    expect(stderr).toContain('--time-zone is required for asterisk_csv');
    expect(stderr).toContain('usage:');
  }, 30_000);
});

describe('import CLI', () => {
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const c = capture();
    const code = await main(['--url', url, '--api-key', API_KEY, ...args], c.io, env);
    return { code, stdout: c.out(), stderr: c.err() };
  };

  it('sends the Asterisk sample as API records without source (the API key names the switch)', async () => {
    const { code } = await run(['--format', 'asterisk_csv', '--time-zone', 'Europe/Rome', fixture('asterisk/Master.csv')]);
    expect(code).toBe(0);
    const records = server.records();
    expect(records).toHaveLength(4);
    expect(records[0]).toEqual({
      recordId: '1791111111.1',
      accountCode: '1001',
      service: 'voice',
      direction: 'outbound',
      callingNumber: '1001',
      calledNumber: '393471234567',
      startTime: '2026-10-05T10:00:00+02:00',
      answerTime: '2026-10-05T10:00:05+02:00',
      endTime: '2026-10-05T10:01:06+02:00',
      billableUnits: 61,
      disposition: 'answered',
      format: 'asterisk_csv',
    });
  });

  it('sends the source on every record when --source is given', async () => {
    await run(['--format', 'asterisk_csv', '--time-zone', 'Europe/Rome', '--source', 'pbx-rome', fixture('asterisk/Master.csv')]);
    expect(server.records().map((r) => r.source)).toEqual(['pbx-rome', 'pbx-rome', 'pbx-rome', 'pbx-rome']);
  });

  it('sends a locally refused row too, with its raw line and reasons, so the server records the rejection', async () => {
    await run(['--format', 'asterisk_csv', '--time-zone', 'Europe/Rome', fixture('asterisk/Master-mixed.csv')]);
    const refused = server.records().filter((r) => r.original !== undefined);
    expect(refused).toHaveLength(3);
    expect(refused[0]).toMatchObject({ format: 'asterisk_csv', reasons: [{ code: 'malformed_csv_row', path: 'row 2' }] });
    expect(String(refused[0]?.original)).toContain('"1791200000.2"');
  });

  it('reports duplicates when the same file is imported twice', async () => {
    const args = ['--format', 'asterisk_csv', '--time-zone', 'Europe/Rome', fixture('asterisk/Master.csv')];
    await run(args);
    const { code, stdout } = await run(args);
    expect(code).toBe(0);
    expect(stdout).toMatch(/accepted {4}0\n {2}duplicates {2}4\n/);
  });

  it('imports a FreeSWITCH JSON CDR file (pretty-printed, and one unformatted CDR per line)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-cdr-'));
    const encoded = fixture('freeswitch/json_cdr_answered_68s.encode_values.json');
    const second = JSON.parse((await import('node:fs')).readFileSync(encoded, 'utf8')) as { variables: Record<string, string> };
    second.variables.uuid = 'second-uuid';
    const ndjsonFile = join(dir, 'cdrs.json');
    writeFileSync(ndjsonFile, `${JSON.stringify(second)}\n{"variables": {"uuid": "broken"\n`);
    const { code, stdout } = await run(['--format', 'freeswitch_json', fixture('freeswitch/json_cdr_answered_68s.json'), ndjsonFile]);
    expect(code).toBe(0);
    const records = server.records();
    expect(records.map((r) => r.recordId ?? r.format)).toEqual(['3da8bf84-c133-4959-9e24-e72875cb33a1', 'second-uuid', 'freeswitch_json']);
    expect(records[0]).toMatchObject({ callingNumber: '1001', calledNumber: '1002', billableUnits: 68, startTime: '2018-01-11T10:25:44Z', disposition: 'answered' });
    expect(records[0]?.source).toBeUndefined();
    expect(stdout).toContain('cdrs.json:2: invalid_json');
  });

  it('imports a mapped CSV, with --time-zone filling a mapping that has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csv-map-'));
    const mappingFile = join(dir, 'mapping.json');
    const mapping = JSON.parse((await import('node:fs')).readFileSync(fixture('csv/carrier-export.mapping.json'), 'utf8')) as { time: Record<string, string> };
    delete mapping.time.timeZone;
    writeFileSync(mappingFile, JSON.stringify(mapping));
    const { code, stdout } = await run(['--format', 'csv', '--mapping', mappingFile, '--time-zone', 'Europe/Rome', fixture('csv/carrier-export.csv')]);
    expect(code).toBe(0);
    expect(server.records()[0]).toMatchObject({ recordId: 'c-1', startTime: '2026-10-05T10:00:00+02:00', billableUnits: 61, format: 'csv' });
    expect(stdout).toMatch(/accepted {4}3\n/);
    expect(stdout).toMatch(/rejected {4}2 \(2 refused by the local parser/);
  });

  it('refuses a bad mapping before sending anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csv-map-'));
    const mappingFile = join(dir, 'mapping.json');
    writeFileSync(mappingFile, JSON.stringify({ columns: { recordId: 'id' } }));
    const { code, stderr } = await run(['--format', 'csv', '--mapping', mappingFile, fixture('csv/carrier-export.csv')]);
    expect(code).toBe(2);
    expect(stderr).toContain('invalid CSV mapping');
    expect(server.posted).toHaveLength(0);
  });

  it('passes NDJSON records through as they are; the server judges them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ndjson-'));
    const file = join(dir, 'cdrs.ndjson');
    const good = { recordId: 'n1', callingNumber: '1001', calledNumber: '1002', startTime: '2026-10-05T10:00:00+02:00', billableUnits: 5, disposition: 'answered' };
    writeFileSync(file, `${JSON.stringify(good)}\n\n{not json\n${JSON.stringify({ ...good, recordId: 'n2' })}\n`);
    const { code, stdout } = await run(['--format', 'ndjson', file]);
    expect(code).toBe(0);
    expect(server.posted[0]?.lines).toHaveLength(3);
    expect(stdout).toMatch(/accepted {4}2\n/);
    expect(stdout).toContain('cdrs.ndjson:3: invalid_json at [1]: line is not valid JSON');
  });

  it('retries a batch the server could not take, then goes on', async () => {
    server.unavailable = 2;
    const c = capture();
    const code = await main(['--url', url, '--api-key', API_KEY, '--format', 'asterisk_csv', '--time-zone', 'UTC', '--retries', '2', fixture('asterisk/Master.csv')], c.io);
    expect(code).toBe(0);
    expect(c.err()).toContain('retrying a batch (attempt 2): server answered 503');
    expect(server.records()).toHaveLength(4);
  }, 20_000);

  it('stops with status 1 when the API key is refused', async () => {
    const c = capture();
    const code = await main(['--url', url, '--api-key', 'wrong-key', '--format', 'asterisk_csv', '--time-zone', 'UTC', fixture('asterisk/Master.csv')], c.io);
    expect(code).toBe(1);
    expect(c.out()).toContain('the server refused the API key (401)');
  });

  it('takes the API key from RCP_API_KEY', async () => {
    const c = capture();
    const code = await main(['--url', url, '--format', 'asterisk_csv', '--time-zone', 'UTC', fixture('asterisk/Master.csv')], c.io, { RCP_API_KEY: API_KEY });
    expect(code).toBe(0);
  });
});
