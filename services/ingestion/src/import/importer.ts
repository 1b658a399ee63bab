import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CsvMapping } from '../formats/index.js';
import { CdrClient, ImportStopped, type BatchResponse } from './client.js';
import { createImportProgress, humanBytes } from './progress.js';
import { wireItems, type ImportFormat, type WireItem } from './wireItems.js';

export type ImportSettings = {
  url: string;
  apiKey: string;
  format: ImportFormat;
  files: string[];
  source?: string;
  timeZone?: string;
  mapping?: CsvMapping;
  inboundContexts?: string[];
  batchSize: number;
  retries: number;
  /** Seconds between plain progress lines when the output is not a terminal. */
  progressEverySeconds: number;
  /** Base pause between retries (tests shorten it). */
  backoffMs?: number;
};

export type ImportSummary = {
  files: number;
  bytes: number;
  /** Records sent to the server, refused-locally ones included. */
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Of the rejected: refused by the local parser (sent anyway, so the server records the rejection). */
  rejectedLocally: number;
  /** The first few rejections, as lines for the operator. */
  firstRejections: string[];
  elapsedMs: number;
  /** Set when the import could not finish: the server unreachable, the key refused... */
  stopped?: { message: string; atOrigin?: string };
};

export type ImportIo = { stdout: NodeJS.WritableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream };

const FIRST_REJECTIONS = 5;

function describeRejection(item: WireItem | undefined, result: BatchResponse['results'][number]): string {
  const reasons = item?.localReasons ?? result.reasons ?? [];
  const id = item?.recordId ?? result.recordId;
  const where = `${item?.origin ?? `record ${result.index}`}${id ? ` (${id})` : ''}`;
  const why = reasons.length > 0 ? reasons.map((r) => `${r.code}${r.path ? ` at ${r.path}` : ''}: ${r.message}`).join('; ') : 'no reason given';
  return `${where}: ${why}${item?.localReasons ? ' [local]' : ''}`;
}

/**
 * Streams the files through their parser and posts the records in NDJSON batches to POST /v1/cdrs, one
 * batch in flight at a time (the file is read only as fast as the server takes it). Counts come from the
 * server's answers. Stops at the first failure that retrying cannot fix and says where it stopped; running
 * the same import again is safe, as records already taken come back as duplicates.
 */
export async function runImport(settings: ImportSettings, io: ImportIo): Promise<ImportSummary> {
  const started = Date.now();
  const sizes = await Promise.all(settings.files.map(async (f) => (await stat(f)).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const summary: ImportSummary = { files: settings.files.length, bytes: totalBytes, sent: 0, accepted: 0, duplicates: 0, rejected: 0, rejectedLocally: 0, firstRejections: [], elapsedMs: 0 };
  const client = new CdrClient({
    url: settings.url,
    apiKey: settings.apiKey,
    retries: settings.retries,
    backoffMs: settings.backoffMs,
    onRetry: (attempt, why) => io.stderr.write(`retrying a batch (attempt ${attempt}): ${why}\n`),
  });
  const progress = createImportProgress({ totalBytes, output: io.stdout, plainEveryMs: settings.progressEverySeconds * 1000 });
  let bytesRead = 0;
  let batch: WireItem[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const sending = batch;
    batch = [];
    const answer = await client.postBatch(sending.map((i) => i.json));
    if (answer.results.length !== sending.length) {
      io.stderr.write(`warning: the server answered ${answer.results.length} results for a batch of ${sending.length} records\n`);
    }
    summary.sent += sending.length;
    summary.accepted += answer.accepted;
    summary.duplicates += answer.duplicates;
    summary.rejected += answer.rejected;
    summary.rejectedLocally += sending.filter((i) => i.localReasons).length;
    for (const result of answer.results) {
      if (result.status === 'rejected' && summary.firstRejections.length < FIRST_REJECTIONS) {
        summary.firstRejections.push(describeRejection(sending[result.index], result));
      }
    }
    progress.update(bytesRead, summary.sent);
  };

  let current: WireItem | undefined;
  try {
    for (const file of settings.files) {
      const counted = (async function* () {
        for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
          bytesRead += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      })();
      const items = wireItems(basename(file), counted, { format: settings.format, source: settings.source, timeZone: settings.timeZone, mapping: settings.mapping, inboundContexts: settings.inboundContexts });
      for await (const item of items) {
        current = batch[0] ?? item;
        batch.push(item);
        if (batch.length >= settings.batchSize) await flush();
      }
    }
    current = batch[0];
    await flush();
  } catch (error) {
    if (!(error instanceof ImportStopped)) throw error;
    summary.stopped = { message: error.message, atOrigin: current?.origin };
  } finally {
    progress.stop();
  }
  summary.elapsedMs = Date.now() - started;
  return summary;
}

export function formatSummary(s: ImportSummary, url: string): string {
  const lines = [
    `${s.stopped ? 'Import STOPPED' : 'Import finished'}: ${s.files} file${s.files === 1 ? '' : 's'} (${humanBytes(s.bytes)}), ${s.sent} records sent to ${url} in ${(s.elapsedMs / 1000).toFixed(1)} s`,
    `  accepted    ${s.accepted}`,
    `  duplicates  ${s.duplicates}`,
    `  rejected    ${s.rejected}${s.rejected > 0 ? ` (${s.rejectedLocally} refused by the local parser, ${s.rejected - s.rejectedLocally} by the server)` : ''}`,
  ];
  if (s.firstRejections.length > 0) {
    lines.push(`First rejections (all are in the cdr.rejected stream):`);
    for (const r of s.firstRejections) lines.push(`  ${r}`);
  }
  if (s.stopped) {
    lines.push(`Stopped: ${s.stopped.message}`);
    if (s.stopped.atOrigin) lines.push(`The batch starting at ${s.stopped.atOrigin} was not confirmed. Running the import again is safe: records already taken are reported as duplicates.`);
  }
  return `${lines.join('\n')}\n`;
}
