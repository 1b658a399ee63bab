import type pg from 'pg';
import type { Logger } from 'pino';
import { cdrKey, type CdrRawV1, type CdrRejectedV1, type Reason } from '@rcp/contracts';
import { normaliseNumber } from '@rcp/domain';
import { copyInto, CopyRows, inTransaction, isUniqueViolation } from '@rcp/db';
import type { ContractProducer } from '@rcp/kafka';
import { storableText, type Metrics } from '@rcp/runtime';
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

const ARCHIVE_COLUMNS = ['source', 'record_id', 'account_id', 'start_time', 'cdr', 'published_at'] as const;

/** A start time further ahead than this is a clock or data error, not a call. */
const MAX_FUTURE_MS = 24 * 3600 * 1000;

/**
 * Takes CDRs from one switch: checks each, finds its line, drops repeats of (source, record id), and
 * publishes the rest to cdr.raw keyed by account, and the refused ones with their reasons to cdr.rejected.
 * Resolves only after Kafka has acknowledged every message (acks=all): the caller may then acknowledge the switch.
 */
/** A record that passed the checks; `text` is its CDR as JSON once serialised (archived and published as is). */
type Candidate = { index: number; cdr: CdrRawV1; text?: string };
type Claimed = { fresh: Candidate[]; duplicates: Candidate[]; unpublished: CdrRawV1[] };

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
    const { fresh, duplicates } = await this.archiveAndPublish(candidates);
    for (const d of duplicates) outcomes.push({ index: d.index, status: 'duplicate', source: d.cdr.source, recordId: d.cdr.recordId });
    for (const f of fresh) outcomes.push({ index: f.index, status: 'accepted', source: f.cdr.source, recordId: f.cdr.recordId });

    for (const r of rejections) for (const reason of r.reasons.slice(0, 1)) this.deps.metrics.rejected.inc({ topic: 'cdr.rejected', code: reason.code });
    return outcomes.sort((a, b) => a.index - b.index);
  }

  /**
   * Archives and publishes in one transaction. A concurrent send of the same (source, record id) is the
   * one case where the archive's COPY meets a key it did not see: it waits for the other transaction, fails
   * on the key when that one commits (before anything is published), and the whole transaction is tried
   * again, which then finds the pair archived: a duplicate.
   */
  private async archiveAndPublish(candidates: Candidate[]): Promise<Claimed> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.deps.pool, async (client) => {
          const claimed = await this.claim(client, candidates);
          await this.deps.producer.publish('cdr.raw', claimed.fresh.map((f) => ({ key: f.cdr.accountId, value: f.cdr, text: f.text })));
          await this.markPublished(client, claimed.unpublished);
          return claimed;
        });
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= 3) throw err;
        this.deps.logger.info({ attempt }, 'a concurrent send archived some of these CDRs first; trying again');
      }
    }
  }

  /**
   * Records each new (source, record id) in the archive, as published (the caller commits only once Kafka
   * has acknowledged). A pair seen before is a duplicate, unless it was archived by an earlier version that
   * marked publication separately and never got Kafka's acknowledgement (published_at null): then it is
   * published again.
   */
  private async claim(client: pg.PoolClient, candidates: Candidate[]): Promise<Claimed> {
    const fresh: Candidate[] = [];
    const duplicates: Candidate[] = [];
    const unpublished: CdrRawV1[] = [];
    const firstInBatch = new Map<string, Candidate>();
    for (const c of candidates) {
      const key = cdrKey(c.cdr);
      if (firstInBatch.has(key)) duplicates.push(c);
      else firstInBatch.set(key, c);
    }
    const unique = [...firstInBatch.values()];
    if (unique.length === 0) return { fresh, duplicates, unpublished };
    // The pairs already archived (usually none), and the transaction's clock for published_at.
    const { rows } = await client.query<{ now: string; archived: { source: string; record_id: string; published: boolean }[] }>(
      `select now()::text as now,
              coalesce(json_agg(json_build_object('source', r.source, 'record_id', r.record_id, 'published', r.published_at is not null)), '[]') as archived
       from unnest($1::text[], $2::text[]) as t(source, record_id)
       join ingestion.received_cdrs r on r.source = t.source and r.record_id = t.record_id`,
      [unique.map((c) => c.cdr.source), unique.map((c) => c.cdr.recordId)],
    );
    const { now: published } = rows[0]!;
    const archived = new Map(rows[0]!.archived.map((r) => [`${r.source}/${r.record_id}`, r]));
    // The new ones by COPY (PostgreSQL reads each column as text: less than half the CPU of an insert from one
    // JSON parameter). Each CDR is serialised once: the same text is archived and, once this commits, published.
    const copy = new CopyRows();
    for (const c of unique) {
      const seen = archived.get(cdrKey(c.cdr));
      if (seen?.published) duplicates.push(c);
      else fresh.push(c);
      if (seen && !seen.published) unpublished.push(c.cdr);
      if (!seen) {
        c.text = JSON.stringify(c.cdr);
        copy.row(c.cdr.source, c.cdr.recordId, c.cdr.accountId, c.cdr.startTime, c.text, published);
      }
    }
    await copyInto(client, 'ingestion.received_cdrs', ARCHIVE_COLUMNS, copy);
    return { fresh, duplicates, unpublished };
  }

  /**
   * Keeps the refused records where ops can list them and re-drive them (the topic has them too, exactly as
   * sent). PostgreSQL's text and jsonb cannot hold a NUL character or a lone surrogate, so a record carrying
   * one is kept with U+FFFD in its place: the evidence is stored rather than the whole batch failing, and an
   * identifier with U+FFFD is refused again if re-driven, so a record is never taken under an id its switch did
   * not send.
   */
  private async keepRejections(sw: SwitchConfig, rejections: CdrRejectedV1[]): Promise<void> {
    if (rejections.length === 0) return;
    const rows = rejections.map((r) => storable({ source: r.source, recordId: r.recordId, reasons: r.reasons, original: r.original ?? null }));
    await this.deps.pool.query(
      `insert into ingestion.rejected_records (switch_id, source, record_id, reasons, original)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[])`,
      [rows.map(() => sw.id), rows.map((r) => r.source), rows.map((r) => r.recordId), rows.map((r) => JSON.stringify(r.reasons)), rows.map((r) => JSON.stringify(r.original))],
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

/** The value with every NUL character and lone surrogate, in keys and strings, replaced by U+FFFD (see keepRejections). */
function storable<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)])) as T;
  return value;
}
