import cliProgress from 'cli-progress';

export type ImportProgress = {
  /** Bytes of the input read so far and records handed to the server. */
  update(bytesRead: number, records: number): void;
  stop(): void;
};

export function humanBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function humanSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

type Output = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * Progress by bytes of the input (the size of every file is known before reading, a record count is not),
 * with the record rate and the ETA. A terminal gets a live bar; a pipe or a log gets a plain line every few
 * seconds and a last one at the end.
 */
export function createImportProgress(opts: { totalBytes: number; output: Output; plainEveryMs: number; now?: () => number }): ImportProgress {
  const now = opts.now ?? Date.now;
  const started = now();
  const stats = (bytes: number, records: number) => {
    const elapsed = Math.max((now() - started) / 1000, 0.001);
    const rate = records / elapsed;
    const eta = bytes > 0 ? ((opts.totalBytes - bytes) * elapsed) / bytes : Number.POSITIVE_INFINITY;
    return { elapsed, rate: Math.round(rate), eta };
  };

  if (opts.output.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: ' {bar} {percentage}% | {read} of {size} | {records} records | {rate} rec/s | ETA {eta_formatted}',
        stream: opts.output,
        hideCursor: true,
        etaBuffer: 200,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    const payload = (bytes: number, records: number) => ({ read: humanBytes(bytes), size: humanBytes(opts.totalBytes), records, rate: stats(bytes, records).rate });
    bar.start(Math.max(opts.totalBytes, 1), 0, payload(0, 0));
    return {
      update: (bytes, records) => bar.update(Math.min(bytes, Math.max(opts.totalBytes, 1)), payload(bytes, records)),
      stop: () => bar.stop(),
    };
  }

  let lastLine = started;
  let last = { bytes: 0, records: 0 };
  const line = () => {
    const { rate, eta } = stats(last.bytes, last.records);
    const percent = opts.totalBytes > 0 ? Math.floor((last.bytes / opts.totalBytes) * 100) : 100;
    opts.output.write(
      `progress: ${percent}% ${humanBytes(last.bytes)} of ${humanBytes(opts.totalBytes)}, ${last.records} records, ${rate} rec/s, ETA ${humanSeconds(eta)}\n`,
    );
  };
  return {
    update: (bytes, records) => {
      last = { bytes, records };
      if (now() - lastLine >= opts.plainEveryMs) {
        lastLine = now();
        line();
      }
    },
    stop: () => line(),
  };
}
