import type { Kafka } from 'kafkajs';
import { eventually, httpJson, publishAccounts, readTopic } from './client.js';
import { DEMO_ACCOUNTS, DEMO_PERIOD, DEMO_SWITCH, demoMonthCdrs } from './sample/demo-data.js';

type Urls = { ingestion: string; rating: string; charging: string; invoicing: string };
type UsageRow = { accountId: string; records: number; voiceCalls: number; voiceSeconds: number; retail: string; wholesale: string };
type Balance = { balance: string; mode: string; blocked: boolean; ledgerSum: string; ledgerEntries: number };

/**
 * Runs the sample month through the platform the way its users would: ops apply the catalogue, accounts
 * arrive on account.events, prepaid accounts are topped up, the switch posts its CDRs, ops close the
 * period, finance reads invoice.events. Returns a readable summary per customer.
 */
export async function runDemoPeriod(opts: { kafka: Kafka; prefix: string; urls: Urls; opsToken: string; catalogueYaml: string; log: (line: string) => void }): Promise<string> {
  const { urls, log } = opts;
  const switchHeaders = { 'x-api-key': DEMO_SWITCH.apiKey };

  const applied = await fetch(`${urls.rating}/v1/catalogue`, {
    method: 'PUT',
    headers: { 'content-type': 'application/yaml', authorization: `Bearer ${opts.opsToken}` },
    body: opts.catalogueYaml,
  });
  if (applied.status !== 201) throw new Error(`catalogue not applied: ${applied.status} ${await applied.text()}`);
  log('sample catalogue applied (packages/domain/examples/catalogue.sample.yaml)');

  await publishAccounts(opts.kafka, opts.prefix, DEMO_ACCOUNTS.map(({ topUp: _t, ...a }) => a));
  for (const a of DEMO_ACCOUNTS) {
    await eventually(`ingestion to know ${a.accountId}`, async () => ((await httpJson('GET', `${urls.ingestion}/v1/accounts/${a.accountId}`, undefined, switchHeaders)).status === 200 ? true : undefined));
    if (a.topUp) {
      await eventually(`top-up of ${a.accountId}`, async () => {
        const r = await httpJson('POST', `${urls.charging}/v1/accounts/${a.accountId}/top-ups`, { amount: a.topUp, idempotencyKey: `demo-initial-${a.accountId}` }, { authorization: `Bearer ${opts.opsToken}` });
        return r.status === 201 || r.status === 200 ? true : undefined;
      });
    }
  }
  log(`${DEMO_ACCOUNTS.length} customers provisioned; prepaid ones topped up`);

  const cdrs = demoMonthCdrs();
  const ndjson = cdrs.map((c) => JSON.stringify(c)).join('\n');
  const posted = await fetch(`${urls.ingestion}/v1/cdrs`, { method: 'POST', headers: { ...switchHeaders, 'content-type': 'application/x-ndjson' }, body: ndjson });
  const intake = (await posted.json()) as { accepted: number; duplicates: number; rejected: number; results: { status: string; reasons?: { code: string; message: string }[] }[] };
  log(`switch posted ${cdrs.length} CDRs: ${intake.accepted} accepted, ${intake.duplicates} duplicates${intake.duplicates > 0 ? ' (already taken on an earlier run)' : ''}, ${intake.rejected} rejected`);
  for (const r of intake.results.filter((x) => x.status === 'rejected').slice(0, 3)) log(`  rejected: ${r.reasons?.map((x) => `${x.code}: ${x.message}`).join('; ')}`);

  // Every record taken is rated or rejected by rating; wait until each has reached invoicing and charging.
  const expected = cdrs.length - intake.rejected;
  const usage = await eventually(
    'rated usage to reach invoicing',
    async () => {
      const r = await httpJson<{ accounts: UsageRow[] }>('GET', `${urls.invoicing}/v1/periods/${DEMO_PERIOD.periodKey}/usage`);
      const rejectedByRating = await countRatingRejections(opts);
      const total = r.body.accounts.reduce((n, a) => n + a.records, 0);
      return total + rejectedByRating >= expected ? r.body.accounts : undefined;
    },
    120_000,
    500,
  );
  const balances = new Map<string, Balance>();
  for (const a of DEMO_ACCOUNTS) {
    const rated = usage.find((u) => u.accountId === a.accountId)?.records ?? 0;
    balances.set(
      a.accountId,
      await eventually(`charging of ${a.accountId}`, async () => {
        const b = await httpJson<Balance>('GET', `${urls.charging}/v1/accounts/${a.accountId}/balance`);
        return b.status === 200 && b.body.ledgerEntries >= rated + (a.topUp ? 1 : 0) ? b.body : undefined;
      }),
    );
  }
  log('every rated CDR is charged and recorded for invoicing');

  const closed = await httpJson<{ invoices: { accountId: string; invoiceNumber: string; total: string; status: string }[] }>('POST', `${urls.invoicing}/v1/periods/${DEMO_PERIOD.periodKey}/close`, {}, { authorization: `Bearer ${opts.opsToken}` });
  if (closed.status !== 200) throw new Error(`period close failed: ${closed.status} ${JSON.stringify(closed.body)}`);
  const events = await readTopic(opts.kafka, opts.prefix, 'invoice.events', (m) => closed.body.invoices.every((i) => m.some((e) => e.type === 'invoice.issued' && e.subject === i.invoiceNumber)));
  // Counted for the invoices this close returned: a partner's invoice may be announced a moment later, and a
  // count of whatever had arrived would differ from run to run.
  const announced = closed.body.invoices.filter((i) => events.some((e) => e.type === 'invoice.issued' && e.subject === i.invoiceNumber)).length;
  log(`period ${DEMO_PERIOD.periodKey} closed: ${closed.body.invoices.length} invoices, ${announced} of them announced by invoice.issued on invoice.events`);

  const rows = DEMO_ACCOUNTS.map((a) => {
    const u = usage.find((x) => x.accountId === a.accountId);
    const b = balances.get(a.accountId)!;
    const inv = closed.body.invoices.find((i) => i.accountId === a.accountId);
    return [
      a.name,
      a.lines[0]!.offerId,
      String(u?.voiceCalls ?? 0),
      ((u?.voiceSeconds ?? 0) / 60).toFixed(1),
      u?.retail ?? '0',
      `${atLeastDecimals(b.balance, 4)} (${b.mode}${b.blocked ? ', blocked' : ''})`,
      inv ? `${inv.invoiceNumber} ${inv.total}` : '-',
    ];
  });
  return table(['customer', 'offer', 'calls', 'minutes', 'rated EUR', 'balance EUR', 'invoice (incl. 22% VAT)'], rows);
}

/** Pads a decimal text with zeros to `places` decimals for the table's columns; never rounds (display only). */
function atLeastDecimals(amount: string, places: number): string {
  const [whole, fraction = ''] = amount.split('.');
  return fraction.length >= places ? amount : `${whole}.${fraction.padEnd(places, '0')}`;
}

async function countRatingRejections(opts: { kafka: Kafka; prefix: string }): Promise<number> {
  const { physicalTopic } = await import('@rcp/kafka');
  const admin = opts.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(physicalTopic(opts.prefix, 'cdr.rejected'));
    if (offsets.every((o) => o.high === o.low)) return 0;
  } finally {
    await admin.disconnect();
  }
  const rejected = await readTopic(opts.kafka, opts.prefix, 'cdr.rejected', () => false, 1500);
  return new Set(rejected.filter((r) => r.stage === 'rating').map((r) => r.rejectionId)).size;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
