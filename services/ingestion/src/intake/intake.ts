import type pg from 'pg';
import type { Logger } from 'pino';
import { cdrKey, type CdrRawV1, type CdrRejectedV1, type Reason } from '@rcp/contracts';
import { normaliseNumber } from '@rcp/domain';
import { inTransaction } from '@rcp/db';
import type { ContractProducer } from '@rcp/kafka';
import type { Metrics } from '@rcp/runtime';
import type { SwitchConfig } from '../config.js';
import type { ApiCdrRecord } from './api-record.js';
import type { LineDirectory } from './line-directory.js';

/** A record as it arrived, already parsed from its format (or not, with the reasons). */
export type IncomingRecord =
  | { index: number; original: unknown; ok: true; record: ApiCdrRecord }
  | { index: number; original: unknown; ok: false; reasons: Reason[] };

export type RecordOutcome = {
  index: number;
  status: 'accepted' | 'duplicate' | 'rejected';
  source?: string;
  recordId?: string;
  reasons?: Reason[];
};

/** A start time further ahead than this is a clock or data error, not a call. */
const MAX_FUTURE_MS = 24 * 3600 * 1000;

/**
 * Takes CDRs from one switch: checks each, finds its line, drops repeats of (source, record id), and
 * publishes the rest to cdr.raw keyed by account, and the refused ones with their reasons to cdr.rejected.
 * Resolves only after Kafka has acknowledged every message (acks=all): the caller may then acknowledge the switch.
 */
/** A record that passed the checks; `text` is its CDR as JSON once serialised (archived and published as is). */
type Candidate = { index: number; cdr: CdrRawV1; text?: string };

export class Intake {
  constructor(
    private readonly deps: { pool: pg.Pool; producer: ContractProducer; directory: LineDirectory; logger: Logger; metrics: Metrics; now?: () => Date },
  ) {}

  async take(sw: SwitchConfig, incoming: IncomingRecord[], opts: { keepRejections?: boolean } = {}): Promise<RecordOutcome[]> {
    const now = this.deps.now?.() ?? new Date();
    const receivedAt = now.toISOString();
    const outcomes: RecordOutcome[] = [];
    const candidates: Candidate[] = [];
    const rejections: CdrRejectedV1[] = [];

    const reject = (index: number, original: unknown, reasons: Reason[], ids: { source?: string; recordId?: string; accountId?: string } = {}) => {
      outcomes.push({ index, status: 'rejected', source: ids.source, recordId: ids.recordId, reasons });
      rejections.push({
        v: 1,
        rejectionId: `ingestion:${ids.source ?? sw.id}:${ids.recordId ?? `${receivedAt}#${index}`}`,
        stage: 'ingestion',
        source: ids.source ?? sw.id,
        recordId: ids.recordId ?? null,
        accountId: ids.accountId ?? null,
        reasons,
        original: original ?? null,
        rejectedAt: receivedAt,
      });
    };

    for (const item of incoming) {
      if (!item.ok) {
        reject(item.index, item.original, item.reasons);
        continue;
      }
      const r = item.record;
      const source = r.source ?? sw.id;
      const ids = { source, recordId: r.recordId };
      const at = (field: string) => `[${item.index}].${field}`;
      if (source !== sw.id) {
        reject(item.index, item.original, [{ code: 'source_not_allowed', message: `this API key belongs to switch ${sw.id}, not ${source}`, path: at('source') }], ids);
        continue;
      }
      const plan = { countryCode: sw.country };
      const calling = normaliseNumber(r.callingNumber, plan);
      const called = normaliseNumber(r.calledNumber, plan);
      const problems: Reason[] = [];
      if (!calling.ok) problems.push({ code: 'invalid_number', message: `calling number: ${calling.reason}`, path: at('callingNumber') });
      if (!called.ok) problems.push({ code: 'invalid_number', message: `called number: ${called.reason}`, path: at('calledNumber') });
      const start = Date.parse(r.startTime);
      if (start - now.getTime() > MAX_FUTURE_MS) problems.push({ code: 'start_in_future', message: `start time ${r.startTime} is more than 24 h ahead of the platform clock`, path: at('startTime') });
      if (r.endTime && Date.parse(r.endTime) < start) problems.push({ code: 'end_before_start', message: 'end time is before start time', path: at('endTime') });
      if (r.answerTime && Date.parse(r.answerTime) < start) problems.push({ code: 'answer_before_start', message: 'answer time is before start time', path: at('answerTime') });
      if (problems.length > 0) {
        reject(item.index, item.original, problems, ids);
        continue;
      }
      const line = this.deps.directory.find(r.accountCode, calling.ok ? calling.e164 : null);
      if (!line) {
        reject(item.index, item.original, [{ code: 'unknown_account', message: `no line has account code ${JSON.stringify(r.accountCode ?? null)} or number ${calling.ok ? calling.e164 : r.callingNumber}`, path: at(r.accountCode ? 'accountCode' : 'callingNumber') }], ids);
        continue;
      }
      candidates.push({
        index: item.index,
        cdr: {
          v: 1,
          source,
          recordId: r.recordId,
          accountId: line.accountId,
          lineId: line.lineId,
          service: r.service,
          direction: r.direction,
          callingNumber: calling.ok ? calling.e164 : '',
          calledNumber: called.ok ? called.e164 : '',
          startTime: r.startTime,
          answerTime: r.answerTime ?? null,
          endTime: r.endTime ?? null,
          billableUnits: r.billableUnits,
          disposition: r.disposition,
          format: r.format ?? 'json',
          receivedAt,
        },
      });
    }

    // Rejections first: they are evidence of what was refused, and must not be lost if the rest fails.
    if (opts.keepRejections !== false) await this.keepRejections(sw, rejections);
    await this.deps.producer.publish('cdr.rejected', rejections.map((r) => ({ key: r.accountId ?? r.source ?? sw.id, value: r })));

    // The accepted ones: archived and published in one transaction that commits only after Kafka has
    // acknowledged them, so an archived CDR is a published one (one write per CDR). A crash after the
    // acknowledgement but before the commit leaves them published and not archived: the switch, not
    // answered, sends them again and they are published again, which rating absorbs (it rates a
    // (source, record id) once).
    const { fresh, duplicates } = await inTransaction(this.deps.pool, async (client) => {
      const claimed = await this.claim(client, candidates);
      await this.deps.producer.publish('cdr.raw', claimed.fresh.map((f) => ({ key: f.cdr.accountId, value: f.cdr, text: f.text })));
      await this.markPublished(client, claimed.unpublished);
      return claimed;
    });
    for (const d of duplicates) outcomes.push({ index: d.index, status: 'duplicate', source: d.cdr.source, recordId: d.cdr.recordId });
    for (const f of fresh) outcomes.push({ index: f.index, status: 'accepted', source: f.cdr.source, recordId: f.cdr.recordId });

    for (const r of rejections) for (const reason of r.reasons.slice(0, 1)) this.deps.metrics.rejected.inc({ topic: 'cdr.rejected', code: reason.code });
    return outcomes.sort((a, b) => a.index - b.index);
  }

  /**
   * Records each new (source, record id) in the archive, as published (the caller commits only once Kafka
   * has acknowledged). A pair seen before is a duplicate, unless it was archived by an earlier version that
   * marked publication separately and never got Kafka's acknowledgement (published_at null): then it is
   * published again. A concurrent send of the same pair waits for this transaction, then finds it.
   */
  private async claim(client: pg.PoolClient, candidates: Candidate[]): Promise<{ fresh: typeof candidates; duplicates: typeof candidates; unpublished: CdrRawV1[] }> {
    const fresh: typeof candidates = [];
    const duplicates: typeof candidates = [];
    const unpublished: CdrRawV1[] = [];
    const firstInBatch = new Map<string, (typeof candidates)[number]>();
    for (const c of candidates) {
      const key = cdrKey(c.cdr);
      if (firstInBatch.has(key)) duplicates.push(c);
      else firstInBatch.set(key, c);
    }
    const unique = [...firstInBatch.values()];
    if (unique.length === 0) return { fresh, duplicates, unpublished };
    // Only the pairs already archived come back (usually none).
    const { rows } = await client.query<{ source: string; record_id: string; published: boolean }>(
      `with input as (
         select * from json_to_recordset($1::json) as t(source text, record_id text, account_id text, start_time timestamptz, cdr json)
       ), ins as (
         insert into ingestion.received_cdrs (source, record_id, account_id, start_time, cdr, published_at)
         select source, record_id, account_id, start_time, cdr, now() from input
         on conflict (source, record_id) do nothing
         returning source, record_id
       )
       select i.source, i.record_id, (r.published_at is not null) as published
       from input i
       left join ins on ins.source = i.source and ins.record_id = i.record_id
       left join ingestion.received_cdrs r on r.source = i.source and r.record_id = i.record_id
       where ins.source is null`,
      // One JSON parameter for the batch: pg escapes every element of a text[] literal, costly for JSON texts.
      // Each CDR is serialised once: the same text is archived and, once this commits, published.
      [
        `[${unique
          .map((c) => {
            c.text = JSON.stringify(c.cdr);
            return `${JSON.stringify({ source: c.cdr.source, record_id: c.cdr.recordId, account_id: c.cdr.accountId, start_time: c.cdr.startTime }).slice(0, -1)},"cdr":${c.text}}`;
          })
          .join(',')}]`,
      ],
    );
    const archived = new Map(rows.map((r) => [`${r.source}/${r.record_id}`, r]));
    for (const c of unique) {
      const seen = archived.get(cdrKey(c.cdr));
      if (seen?.published) duplicates.push(c);
      else fresh.push(c);
      if (seen && !seen.published) unpublished.push(c.cdr);
    }
    return { fresh, duplicates, unpublished };
  }

  /** Keeps the refused records where ops can list them and re-drive them (the topic has them too). */
  private async keepRejections(sw: SwitchConfig, rejections: CdrRejectedV1[]): Promise<void> {
    if (rejections.length === 0) return;
    await this.deps.pool.query(
      `insert into ingestion.rejected_records (switch_id, source, record_id, reasons, original)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[])`,
      [rejections.map(() => sw.id), rejections.map((r) => r.source), rejections.map((r) => r.recordId), rejections.map((r) => JSON.stringify(r.reasons)), rejections.map((r) => JSON.stringify(r.original ?? null))],
    );
  }

  private async markPublished(client: pg.PoolClient, cdrs: CdrRawV1[]): Promise<void> {
    if (cdrs.length === 0) return;
    await client.query(
      `update ingestion.received_cdrs r set published_at = now()
       from unnest($1::text[], $2::text[]) as t(source, record_id)
       where r.source = t.source and r.record_id = t.record_id and r.published_at is null`,
      [cdrs.map((c) => c.source), cdrs.map((c) => c.recordId)],
    );
  }
}
