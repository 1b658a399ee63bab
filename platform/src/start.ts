// `npm start`: brings up Kafka and PostgreSQL (or uses KAFKA_BROKERS / DATABASE_URL), starts the four
// services, loads the sample catalogue and customers, streams a sample month of CDRs through ingestion,
// closes the period and prints a summary per customer; then keeps serving until Ctrl-C.
// `npm start -- --exit` stops after the summary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKafka } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';
import { startInfra } from '@rcp/infra';
import { Launcher } from './launch/launcher.js';
import { runDemoPeriod } from './demo.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const exitAfterSummary = process.argv.includes('--exit') || process.env.RCP_DEMO_EXIT === '1';
const say = (line: string) => process.stdout.write(`${line}\n`);

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main(): Promise<void> {
  const started = Date.now();
  say('[start] bringing up Kafka and PostgreSQL (first run downloads Kafka from Maven Central)...');
  const infra = await startInfra({ log: (line: string) => say(`[infra] ${line}`) });
  const databaseUrl = process.env.DATABASE_URL ? infra.postgres.url : await ensureDatabase(infra.postgres.url, 'rcp');
  const brokers = infra.kafka.brokers;
  const opsToken = process.env.RCP_OPS_TOKEN ?? 'demo-ops-token-0123456789';
  const { DEMO_SWITCH } = await import('./sample/demo-data.js');
  const launcher = new Launcher({
    env: { KAFKA_BROKERS: brokers.join(','), DATABASE_URL: databaseUrl, RCP_TOPIC_PREFIX: process.env.RCP_TOPIC_PREFIX ?? '', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
    serviceEnv: { ingestion: { RCP_SWITCHES: JSON.stringify([DEMO_SWITCH]) }, charging: { RCP_SWITCHES: JSON.stringify([DEMO_SWITCH]) }, rating: { RCP_OPS_TOKEN: opsToken } },
    logDir: join(repoRoot, '.rcp', 'logs'),
  });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('[start] stopping services, Kafka and PostgreSQL...');
    await launcher.stopAll().catch(() => undefined);
    await infra.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    say('[start] starting ingestion, rating, charging, invoicing and provisioning (logs in .rcp/logs/)...');
    await launcher.startAll();
    for (const s of ['ingestion', 'rating', 'charging', 'invoicing', 'provisioning'] as const) say(`[start]   ${s.padEnd(12)} ${launcher.url(s)}  (docs: ${launcher.url(s)}/docs)`);
    // Provisioning's first back-office credential comes from RCP_BOOTSTRAP_BACKOFFICE (a hash, see docs/provisioning.md).
    if (!process.env.RCP_BOOTSTRAP_BACKOFFICE) say('[start]   provisioning has no back-office credential: set RCP_BOOTSTRAP_BACKOFFICE (npx tsx services/provisioning/src/cli/new-credential.ts)');
    const kafka = createKafka({ brokers, clientId: 'rcp-demo', logger: createLogger('demo', 'error') });
    const summary = await runDemoPeriod({
      kafka,
      prefix: process.env.RCP_TOPIC_PREFIX ?? '',
      urls: { ingestion: launcher.url('ingestion'), rating: launcher.url('rating'), charging: launcher.url('charging'), invoicing: launcher.url('invoicing') },
      opsToken,
      catalogueYaml: readFileSync(join(repoRoot, 'packages/domain/examples/catalogue.sample.yaml'), 'utf8'),
      log: (l) => say(`[demo] ${l}`),
    });
    say('');
    say(summary);
    say(`[start] done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } catch (err) {
    say(`[start] failed: ${(err as Error).message}`);
    await shutdown(1);
    return;
  }
  if (exitAfterSummary) {
    await shutdown(0);
    return;
  }
  say('[start] the platform keeps running; press Ctrl-C to stop it.');
}

void main();
