import { z } from 'zod';
import { AccountEventV1, CdrRawV1, type AccountUpserted } from '@rcp/contracts';
import { Decimal, type Catalogue } from '@rcp/domain';
import { LineStates, rateSequence, type RatingOutcomeMessage } from '../rating/rate-sequence.js';

/** A CDR for offline rating: the cdr.raw shape, with the fields only ingestion sets made optional. */
export const OfflineCdr = CdrRawV1.extend({
  v: z.literal(1).default(1),
  service: CdrRawV1.shape.service.default('voice'),
  direction: CdrRawV1.shape.direction.default('outbound'),
  answerTime: CdrRawV1.shape.answerTime.default(null),
  endTime: CdrRawV1.shape.endTime.default(null),
  format: z.string().default('offline'),
  receivedAt: CdrRawV1.shape.receivedAt.default('1970-01-01T00:00:00Z'),
});

export type OfflineProblem = { line: number; message: string };

/** Reads NDJSON CDRs; every bad line is reported with its line number, the good ones are kept. */
export function readOfflineCdrs(text: string): { cdrs: CdrRawV1[]; problems: OfflineProblem[] } {
  const cdrs: CdrRawV1[] = [];
  const problems: OfflineProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push({ line: i + 1, message: 'not valid JSON' });
      return;
    }
    const parsed = OfflineCdr.safeParse(value);
    if (parsed.success) cdrs.push(parsed.data);
    else problems.push({ line: i + 1, message: parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ') });
  });
  return { cdrs, problems };
}

export function readAccounts(value: unknown): AccountUpserted[] {
  const list = z.array(AccountEventV1).parse(Array.isArray(value) ? value : [value]);
  return list.filter((a): a is AccountUpserted => a.type === 'account.upserted');
}

export type PeriodSummary = {
  accountId: string;
  periodKey: string;
  rated: number;
  rejected: number;
  billedSeconds: number;
  deniedUnits: number;
  retail: string;
  wholesale: string;
  currency: string;
};

/**
 * What-if rating with no Kafka or PostgreSQL: the same engine and the same sequence the rating service
 * runs, each account's CDRs in start-time order, counters starting empty.
 */
export async function rateOffline(input: { catalogue: Catalogue; accounts: AccountUpserted[]; cdrs: CdrRawV1[]; now?: string }): Promise<{ outcomes: RatingOutcomeMessage[]; summary: PeriodSummary[] }> {
  const byId = new Map(input.accounts.map((a) => [a.accountId, a]));
  const ordered = [...input.cdrs].sort((a, b) => (a.accountId === b.accountId ? Date.parse(a.startTime) - Date.parse(b.startTime) : a.accountId.localeCompare(b.accountId)));
  const outcomes = await rateSequence(ordered, { catalogue: input.catalogue, account: (id) => byId.get(id), states: new LineStates(), now: input.now ?? new Date().toISOString() });
  const summary = new Map<string, PeriodSummary & { retailD: Decimal; wholesaleD: Decimal }>();
  outcomes.forEach((o, i) => {
    const cdr = ordered[i]!;
    const periodKey = o.kind === 'rated' ? o.message.periodKey : '(rejected)';
    const key = `${cdr.accountId}\u0000${periodKey}`;
    const s = summary.get(key) ?? { accountId: cdr.accountId, periodKey, rated: 0, rejected: 0, billedSeconds: 0, deniedUnits: 0, retail: '0', wholesale: '0', currency: '', retailD: new Decimal(0), wholesaleD: new Decimal(0) };
    if (o.kind === 'rated') {
      s.rated++;
      if (o.message.service === 'voice') s.billedSeconds += o.message.billedUnits;
      s.deniedUnits += o.message.deniedUnits;
      s.retailD = s.retailD.plus(o.message.retail.amount);
      s.wholesaleD = s.wholesaleD.plus(o.message.wholesale.amount);
      s.currency = o.message.retail.currency;
    } else s.rejected++;
    summary.set(key, s);
  });
  return {
    outcomes,
    summary: [...summary.values()].map(({ retailD, wholesaleD, ...s }) => ({ ...s, retail: retailD.toFixed(), wholesale: wholesaleD.toFixed() })),
  };
}

/** A plain-text table of the per-account period summary. */
export function summaryTable(rows: PeriodSummary[]): string {
  const header = ['account', 'period', 'rated', 'rejected', 'minutes', 'denied', 'retail', 'wholesale'];
  const cells = rows.map((r) => [r.accountId, r.periodKey, String(r.rated), String(r.rejected), (r.billedSeconds / 60).toFixed(1), String(r.deniedUnits), `${r.retail} ${r.currency}`, `${r.wholesale} ${r.currency}`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmt = (c: string[]) => c.map((x, i) => (i >= 2 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(fmt)].join('\n');
}
