import { SingleBar } from 'cli-progress';
import pg from 'pg';
import type { AccountEventV1, AccountUpserted } from '@rcp/contracts';
import { createPool, drainOutbox } from '@rcp/db';
import { Decimal, parseCatalogue } from '@rcp/domain';
import { ContractProducer, createKafka, TopicTable } from '@rcp/kafka';
import { createLogger, dependencyNames, withDependencyNamed } from '@rcp/runtime';
import { replayPeriod, type ReplayReport } from './replay.js';

export type ReplayOptions = {
  periodKey: string;
  accountId?: string;
  catalogueRevision?: number;
  dryRun: boolean;
  env: { DATABASE_URL: string; KAFKA_BROKERS: string[]; RCP_TOPIC_PREFIX: string };
  out: (s: string) => void;
  /** Draw a live progress bar (a terminal); otherwise print a line now and then. */
  tty: boolean;
  /**
   * Invoicing's base URL: once it has taken the corrections, ask it to issue credit or debit notes for
   * invoices of the period already issued (its correction is idempotent: nothing changed, no note).
   */
  invoicingUrl?: string;
  opsToken?: string;
};

type UsageTotals = Map<string, Decimal>;

async function invoicedUsage(opts: ReplayOptions): Promise<UsageTotals> {
  const res = await fetch(`${opts.invoicingUrl}/v1/periods/${opts.periodKey}/usage`);
  if (!res.ok) throw new Error(`invoicing answered ${res.status} for the period's usage`);
  const body = (await res.json()) as { accounts: { accountId: string; retail: string }[] };
  return new Map(body.accounts.map((a) => [a.accountId, new Decimal(a.retail)]));
}

/** Waits until invoicing's usage shows every correction, then has it issue the notes. */
async function correctInvoices(opts: ReplayOptions, before: UsageTotals, report: ReplayReport): Promise<void> {
  const changed = report.accounts.filter((a) => a.changed > 0);
  if (changed.length === 0) return;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const now = await invoicedUsage(opts);
    const pending = changed.filter((a) => !(now.get(a.accountId) ?? new Decimal(0)).equals((before.get(a.accountId) ?? new Decimal(0)).plus(a.retailDelta)));
    if (pending.length === 0) break;
    if (Date.now() > deadline) throw new Error(`invoicing has not taken the corrections of ${pending.map((p) => p.accountId).join(', ')} after 120 s; run the correction later`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const res = await fetch(`${opts.invoicingUrl}/v1/periods/${opts.periodKey}/corrections`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.opsToken ? { authorization: `Bearer ${opts.opsToken}` } : {}) },
    body: JSON.stringify({ accountIds: changed.map((a) => a.accountId) }),
  });
  if (!res.ok) throw new Error(`invoicing refused the correction: ${res.status} ${await res.text()}`);
  const { notes } = (await res.json()) as { notes: { invoiceNumber: string | null; noteNumber: string | null; kind: string; total: string }[] };
  for (const n of notes) opts.out(`${n.kind} note ${n.noteNumber} on invoice ${n.invoiceNumber}: ${n.total}\n`);
  if (notes.length === 0) opts.out('no issued invoice needed a note\n');
}

/**
 * The ops replay: connects to rating's database and Kafka like the service does, re-rates the period,
 * and (unless a dry run) publishes the corrections through rating's outbox.
 */
export async function runReplay(opts: ReplayOptions): Promise<ReplayReport> {
  await checkReachable(opts.env);
  const logger = createLogger('rating-replay', 'warn');
  const pool = createPool(opts.env.DATABASE_URL, { logger, applicationName: 'rating-replay' });
  const kafka = createKafka({ brokers: opts.env.KAFKA_BROKERS, clientId: 'rcp-rating-replay', logger });
  const producer = new ContractProducer(kafka, opts.env.RCP_TOPIC_PREFIX, logger);
  await producer.connect();
  const accounts = new TopicTable<'account.events', AccountUpserted>({
    kafka,
    prefix: opts.env.RCP_TOPIC_PREFIX,
    topic: 'account.events',
    service: 'rating-replay',
    logger,
    producer,
    keyOf: (e: AccountEventV1) => e.accountId,
    reduce: (e: AccountEventV1) => (e.type === 'account.deleted' ? null : e),
  });
  try {
    const doc = await pool.query<{ revision: number; document: unknown }>(
      `select revision, document from rating.catalogue_documents where ($1::int is null or revision = $1) order by revision desc limit 1`,
      [opts.catalogueRevision ?? null],
    );
    if (!doc.rows[0]) throw new Error(opts.catalogueRevision ? `no catalogue revision ${opts.catalogueRevision}` : 'no catalogue has been applied');
    const catalogue = parseCatalogue(doc.rows[0].document);
    await accounts.start();
    await accounts.ready();
    opts.out(`replaying period ${opts.periodKey}${opts.accountId ? ` of ${opts.accountId}` : ''} with catalogue revision ${doc.rows[0].revision}${opts.dryRun ? ' (dry run: nothing is changed)' : ''}\n`);

    const before = opts.invoicingUrl && !opts.dryRun ? await invoicedUsage(opts) : null;
    const bar = opts.tty ? new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} CDRs | {rate}/s | ETA {eta}s', hideCursor: true }) : null;
    const started = Date.now();
    let lastLine = 0;
    const report = await replayPeriod(
      pool,
      {
        catalogue,
        account: (id) => accounts.get(id),
        onProgress: (done, total) => {
          const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
          if (bar) {
            if (done === 0 || !bar.getTotal()) bar.start(total, 0, { rate });
            bar.update(done, { rate });
          } else if (Date.now() - lastLine > 2000 || done === total) {
            lastLine = Date.now();
            const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
            opts.out(`  ${done}/${total} CDRs, ${rate}/s, ETA ${eta}s\n`);
          }
        },
      },
      { periodKey: opts.periodKey, accountId: opts.accountId, dryRun: opts.dryRun },
    );
    bar?.stop();
    if (!opts.dryRun) {
      const published = await drainOutbox(pool, 'rating', async (rows) => {
        await producer.publish('cdr.rated', rows.filter((r) => r.topic === 'cdr.rated').map((r) => ({ key: r.key, value: r.payload as never })));
        for (const topic of ['cdr.rejected', 'catalogue.events'] as const) {
          await producer.publish(topic, rows.filter((r) => r.topic === topic).map((r) => ({ key: r.key, value: r.payload as never })));
        }
      });
      opts.out(`published ${published} corrections\n`);
      if (before) await correctInvoices(opts, before, report);
    }
    return report;
  } finally {
    await accounts.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await pool.end();
  }
}

export function replayTable(report: ReplayReport): string {
  const header = ['account', 'CDRs', 'changed', 'retail delta', 'wholesale delta'];
  const rows = report.accounts.map((a) => [a.accountId, String(a.cdrs), String(a.changed), `${a.retailDelta} ${a.currency}`.trim(), `${a.wholesaleDelta} ${a.currency}`.trim()]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt), `${report.cdrs} CDRs re-rated, ${report.changed} changed`].join('\n');
}

/**
 * Before any work: PostgreSQL and Kafka answer, or the replay stops at once saying which one did not (the
 * clients' own retries would otherwise take a minute and log every attempt).
 */
async function checkReachable(env: ReplayOptions['env']): Promise<void> {
  const { postgres, kafka } = dependencyNames(env);
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1, connectionTimeoutMillis: 5_000 });
  await withDependencyNamed(`cannot reach ${postgres}`, () => pool.query('select 1')).finally(() => pool.end().catch(() => undefined));
  const quiet = createLogger('rating-replay', 'silent');
  const admin = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'rcp-rating-replay', logger: quiet, retries: 1, connectionTimeoutMs: 3_000 }).admin();
  await withDependencyNamed(`cannot reach ${kafka}`, () => admin.connect()).finally(() => admin.disconnect().catch(() => undefined));
}
