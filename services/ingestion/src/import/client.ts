import { z } from 'zod';

/** What POST /v1/cdrs answers, 200 when all records were taken, 422 when some were refused. */
export const BatchResponse = z.object({
  accepted: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  rejected: z.number().int().min(0),
  results: z.array(
    z.object({
      index: z.number().int().min(0),
      status: z.enum(['accepted', 'duplicate', 'rejected']),
      recordId: z.string().optional(),
      reasons: z.array(z.object({ code: z.string(), message: z.string(), path: z.string().optional() })).optional(),
    }),
  ),
});
export type BatchResponse = z.infer<typeof BatchResponse>;

/** A failure that retrying cannot fix, or that outlived the retries: the import stops. */
export class ImportStopped extends Error {
  override readonly name = 'ImportStopped';
}

export type CdrClientOptions = {
  url: string;
  apiKey: string;
  /** Extra attempts after a network error, a 5xx or a 429; a batch is safe to resend (duplicates). */
  retries: number;
  timeoutMs?: number;
  /** Base of the exponential pause between attempts. */
  backoffMs?: number;
  onRetry?: (attempt: number, why: string) => void;
};

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) return `${error.message}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`;
    return error.name === 'TimeoutError' ? 'no answer within the timeout' : error.message;
  }
  return String(error);
}

/** Posts NDJSON batches to the ingestion API with the switch's API key. */
export class CdrClient {
  private readonly endpoint: string;

  constructor(private readonly opts: CdrClientOptions) {
    this.endpoint = new URL('/v1/cdrs', opts.url).toString();
  }

  async postBatch(lines: readonly string[]): Promise<BatchResponse> {
    const body = `${lines.join('\n')}\n`;
    const attempts = this.opts.retries + 1;
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        this.opts.onRetry?.(attempt, lastProblem);
        await new Promise((resolve) => setTimeout(resolve, Math.min(8000, (this.opts.backoffMs ?? 500) * 2 ** (attempt - 2))));
      }
      let response: Response;
      try {
        response = await fetch(this.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', 'x-api-key': this.opts.apiKey },
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 120_000),
        });
      } catch (error) {
        lastProblem = `server unreachable at ${this.endpoint} (${describeFetchError(error)})`;
        continue;
      }
      const text = await response.text().catch(() => '');
      if (response.status >= 500 || response.status === 429) {
        lastProblem = `server answered ${response.status}: ${text.slice(0, 200)}`;
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw new ImportStopped(`the server refused the API key (${response.status}): ${text.slice(0, 200)}`);
      }
      if (response.status === 413) throw new ImportStopped('the server refused the batch as too large: lower --batch-size');
      let parsed: ReturnType<typeof BatchResponse.safeParse> | null = null;
      try {
        parsed = BatchResponse.safeParse(JSON.parse(text));
      } catch {
        parsed = null;
      }
      // 200, or 422 with per-record outcomes: the batch was handled record by record.
      if (parsed?.success) return parsed.data;
      throw new ImportStopped(`unexpected answer ${response.status} from ${this.endpoint}: ${text.slice(0, 300)}`);
    }
    throw new ImportStopped(`${lastProblem}${attempts > 1 ? ` after ${attempts} attempts` : ''}`);
  }
}
