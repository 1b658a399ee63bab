// Billing-ops CLI for rating:
//   tsx services/rating/src/cli/main.ts validate CATALOGUE.yaml
//   tsx services/rating/src/cli/main.ts apply CATALOGUE.yaml --url http://127.0.0.1:8082 [--token T | RCP_OPS_TOKEN]
//   tsx services/rating/src/cli/main.ts rate --catalogue CATALOGUE.yaml --accounts ACCOUNTS.json [--output table|json|both] CDRS.ndjson
//   tsx services/rating/src/cli/main.ts replay --period 2026-10-01 [--account ID] [--catalogue-revision N] [--dry-run]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { CatalogueValidationError, type Catalogue } from '@rcp/domain';
import { readCatalogueText } from '../catalogue/store.js';
import { rateOffline, readAccounts, readOfflineCdrs, summaryTable } from './offline.js';
import { baseConfigShape, parseConfig } from '@rcp/runtime';
import { replayTable, runReplay } from '../replay/replay-command.js';

export const USAGE = `usage:
  rating validate CATALOGUE            check a catalogue file (YAML or JSON); every problem with its path
  rating apply CATALOGUE --url URL     validate, then apply it on the rating service (token: --token or RCP_OPS_TOKEN)
  rating rate --catalogue FILE --accounts FILE [--output table|json|both] CDRS.ndjson
                                       rate a CDR file offline (no Kafka, no PostgreSQL) and print the rated
                                       records (json) and a per-account period summary (table)
  rating replay --period YYYY-MM-DD [--account ID] [--catalogue-revision N] [--dry-run] [--invoicing-url URL]
                                       re-rate a billing period in original order; publishes corrections
                                       (deltas, never a second charge); --dry-run only prints the differences.
                                       Uses DATABASE_URL, KAFKA_BROKERS and RCP_TOPIC_PREFIX like the service.
                                       With --invoicing-url, issued invoices of the period get credit or
                                       debit notes for the differences (ops token: --token or RCP_OPS_TOKEN).
`;

type Io = { out: (s: string) => void; err: (s: string) => void };

function loadCatalogue(path: string, io: Io): Catalogue | null {
  try {
    return readCatalogueText(readFileSync(path, 'utf8'));
  } catch (err) {
    if (err instanceof CatalogueValidationError) io.err(`${path}: ${err.message}\n`);
    else io.err(`${path}: ${(err as Error).message}\n`);
    return null;
  }
}

export async function main(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  let args;
  try {
    args = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        url: { type: 'string' }, token: { type: 'string' }, catalogue: { type: 'string' }, accounts: { type: 'string' }, output: { type: 'string', default: 'both' },
        period: { type: 'string' }, account: { type: 'string' }, 'invoicing-url': { type: 'string' }, 'catalogue-revision': { type: 'string' }, 'dry-run': { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (command === 'validate' && positionals.length === 1) {
    const catalogue = loadCatalogue(positionals[0]!, io);
    if (!catalogue) return 1;
    io.out(`${positionals[0]}: valid; ${catalogue.versions.length} version(s): ${catalogue.versions.map((v) => `${v.version} from ${v.effectiveFrom}`).join(', ')}\n`);
    return 0;
  }
  if (command === 'apply' && positionals.length === 1 && values.url) {
    const token = values.token ?? env.RCP_OPS_TOKEN;
    if (!token) {
      io.err('apply needs the ops token: --token or RCP_OPS_TOKEN\n');
      return 2;
    }
    const text = readFileSync(positionals[0]!, 'utf8');
    if (!loadCatalogue(positionals[0]!, io)) return 1;
    const res = await fetch(`${values.url.replace(/\/$/, '')}/v1/catalogue`, { method: 'PUT', headers: { 'content-type': 'application/yaml', authorization: `Bearer ${token}` }, body: text }).catch((err: Error) => err);
    if (res instanceof Error) {
      io.err(`rating service unreachable at ${values.url}: ${res.message}\n`);
      return 1;
    }
    const body = await res.text();
    if (res.status !== 201) {
      io.err(`refused (${res.status}): ${body}\n`);
      return 1;
    }
    const applied = JSON.parse(body) as { revision: number };
    io.out(`applied as revision ${applied.revision}\n`);
    return 0;
  }
  if (command === 'rate' && positionals.length === 1 && values.catalogue && values.accounts) {
    const catalogue = loadCatalogue(values.catalogue, io);
    if (!catalogue) return 1;
    let accounts;
    try {
      accounts = readAccounts(parseYaml(readFileSync(values.accounts, 'utf8')));
    } catch (err) {
      io.err(`${values.accounts}: not a list of account.upserted states: ${(err as Error).message}\n`);
      return 1;
    }
    const { cdrs, problems } = readOfflineCdrs(readFileSync(positionals[0]!, 'utf8'));
    for (const p of problems) io.err(`${positionals[0]}:${p.line}: ${p.message}\n`);
    const { outcomes, summary } = await rateOffline({ catalogue, accounts, cdrs });
    if (values.output === 'json' || values.output === 'both') for (const o of outcomes) io.out(`${JSON.stringify({ outcome: o.kind, ...o.message })}\n`);
    if (values.output === 'table' || values.output === 'both') io.out(`\n${summaryTable(summary)}\n`);
    if (values.output === 'json') io.out(`${JSON.stringify({ summary })}\n`);
    io.out(`${outcomes.filter((o) => o.kind === 'rated').length} rated, ${outcomes.filter((o) => o.kind === 'rejected').length} rejected by rating, ${problems.length} unreadable lines\n`);
    return problems.length > 0 ? 1 : 0;
  }
  if (command === 'replay' && values.period) {
    const day = new Date(`${values.period}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values.period) || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== values.period) {
      io.err(`--period is the period's first day, a real date written YYYY-MM-DD (got ${JSON.stringify(values.period)})\n`);
      return 2;
    }
    let conf;
    try {
      conf = parseConfig('rating replay', { KAFKA_BROKERS: baseConfigShape.KAFKA_BROKERS, DATABASE_URL: baseConfigShape.DATABASE_URL, RCP_TOPIC_PREFIX: baseConfigShape.RCP_TOPIC_PREFIX }, env);
    } catch (err) {
      io.err(`${(err as Error).message}\n`);
      return 2;
    }
    const revision = values['catalogue-revision'] ? Number(values['catalogue-revision']) : undefined;
    try {
      const report = await runReplay({ periodKey: values.period, accountId: values.account, catalogueRevision: revision, dryRun: values['dry-run'] ?? false, env: conf, out: io.out, tty: Boolean(process.stdout.isTTY), invoicingUrl: values['invoicing-url']?.replace(/\/$/, ''), opsToken: values.token ?? env.RCP_OPS_TOKEN });
      io.out(`${replayTable(report)}\n`);
      return 0;
    } catch (err) {
      io.err(`replay failed: ${(err as Error).message}\n`);
      return 1;
    }
  }
  io.err(USAGE);
  return 2;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
}
