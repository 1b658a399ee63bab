/**
 * File import of switch CDRs into the ingestion API.
 *
 *   tsx services/ingestion/src/import/cli.ts --url http://127.0.0.1:8081 --api-key KEY \
 *     --format asterisk_csv|csv|freeswitch_json|ndjson [--time-zone Europe/Rome] [--mapping mapping.json] FILE...
 *
 * The file is streamed and parsed here with the same parsers the server uses, and the records are posted as
 * NDJSON batches in the API's own record shape to POST {url}/v1/cdrs. Parsing on the client, rather than
 * shipping raw text, lets a refusal name the file's row, and keeps the server's intake to its one JSON shape.
 *
 * A record the local parser refuses is NOT dropped: it is sent too, as {format, original, reasons} with the
 * raw line, and the server refuses it in turn and records it in the cdr.rejected stream with that content.
 * So the counts printed at the end are the server's: accepted, duplicates, rejected (of which refused
 * locally). Exit status: 0 when every batch was answered (rejections are reported, not fatal); 1 when the
 * import stopped (server unreachable after retries, API key refused, unexpected answer); 2 for bad usage.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseCsvMapping, switchTimeZone } from '../formats/index.js';
import { formatSummary, runImport, type ImportIo, type ImportSettings } from './importer.js';

export const USAGE = `usage: tsx services/ingestion/src/import/cli.ts --url URL --api-key KEY --format FORMAT [options] FILE...

  --url URL               ingestion service base URL, e.g. http://127.0.0.1:8081
  --api-key KEY           the switch's API key (or set RCP_API_KEY, which keeps it out of the process list)
  --format FORMAT         asterisk_csv | csv | freeswitch_json | ndjson
  --time-zone ZONE        IANA zone of the switch's local times (required for asterisk_csv; fills a mapping without one)
  --mapping FILE          column mapping JSON (required for csv)
  --source ID             switch id to put on every record (default: the API key's switch)
  --inbound-context CTX   Asterisk dcontext of incoming calls (repeatable)
  --batch-size N          records per request (default 1000)
  --retries N             extra attempts per batch after a network error or 5xx (default 3)
  --progress-every SECS   seconds between progress lines when not on a terminal (default 5)
  -h, --help
`;

const Args = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    apiKey: z.string({ error: 'is required (or set RCP_API_KEY)' }).min(1),
    format: z.enum(['asterisk_csv', 'csv', 'freeswitch_json', 'ndjson'], { error: 'must be one of asterisk_csv, csv, freeswitch_json, ndjson' }),
    timeZone: z.string().optional(),
    mapping: z.string().optional(),
    source: z.string().min(1).optional(),
    inboundContexts: z.array(z.string().min(1)).default([]),
    batchSize: z.coerce.number().int().min(1).max(50_000).default(1000),
    retries: z.coerce.number().int().min(0).max(20).default(3),
    progressEverySeconds: z.coerce.number().positive().default(5),
    files: z.array(z.string()).min(1, 'name at least one FILE'),
  })
  .superRefine((a, ctx) => {
    if (a.format === 'asterisk_csv' && !a.timeZone) ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'is required for asterisk_csv (Master.csv has local times)' });
    if (a.format === 'csv' && !a.mapping) ctx.addIssue({ code: 'custom', path: ['mapping'], message: 'is required for csv' });
    if (a.timeZone) {
      try {
        switchTimeZone(a.timeZone);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['timeZone'], message: (error as Error).message });
      }
    }
  });

class UsageError extends Error {}

const FLAG_OF: Record<string, string> = {
  url: '--url',
  apiKey: '--api-key',
  format: '--format',
  timeZone: '--time-zone',
  mapping: '--mapping',
  source: '--source',
  inboundContexts: '--inbound-context',
  batchSize: '--batch-size',
  retries: '--retries',
  progressEverySeconds: '--progress-every',
  files: 'FILE',
};

async function settingsFrom(argv: string[], env: NodeJS.ProcessEnv): Promise<ImportSettings | 'help'> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        format: { type: 'string' },
        'time-zone': { type: 'string' },
        mapping: { type: 'string' },
        source: { type: 'string' },
        'inbound-context': { type: 'string', multiple: true },
        'batch-size': { type: 'string' },
        retries: { type: 'string' },
        'progress-every': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const args = Args.safeParse({
    url: v.url,
    apiKey: v['api-key'] ?? env.RCP_API_KEY,
    format: v.format,
    timeZone: v['time-zone'],
    mapping: v.mapping,
    source: v.source,
    inboundContexts: v['inbound-context'],
    batchSize: v['batch-size'],
    retries: v.retries,
    progressEverySeconds: v['progress-every'],
    files: parsed.positionals,
  });
  if (!args.success) {
    throw new UsageError(args.error.issues.map((i) => `${FLAG_OF[String(i.path[0])] ?? String(i.path[0] ?? '')} ${i.message}`).join('\n'));
  }
  const a = args.data;
  let mapping;
  if (a.mapping) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(a.mapping, 'utf8'));
    } catch (error) {
      throw new UsageError(`--mapping ${a.mapping}: ${(error as Error).message}`);
    }
    try {
      const withZone = a.timeZone && typeof json === 'object' && json !== null ? { ...json, time: { timeZone: a.timeZone, ...((json as { time?: object }).time ?? {}) } } : json;
      mapping = parseCsvMapping(withZone);
    } catch (error) {
      throw new UsageError(`--mapping ${a.mapping}: ${(error as Error).message}`);
    }
  }
  return {
    url: a.url,
    apiKey: a.apiKey,
    format: a.format,
    files: a.files,
    source: a.source,
    timeZone: a.timeZone,
    mapping,
    inboundContexts: a.inboundContexts,
    batchSize: a.batchSize,
    retries: a.retries,
    progressEverySeconds: a.progressEverySeconds,
  };
}

/** Runs the CLI and gives its exit status. */
export async function main(argv: string[], io: ImportIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let settings: ImportSettings | 'help';
  try {
    settings = await settingsFrom(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (settings === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const summary = await runImport(settings, io);
    io.stdout.write(formatSummary(summary, settings.url));
    return summary.stopped ? 1 : 0;
  } catch (error) {
    io.stderr.write(`import failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}
