import { ApiError } from '../http/errors.js';

// The other services' HTTP APIs, reached only after this service has checked who asks and for what.
// Each answer is passed on as data; a service that is not configured or not answering is a 503 with a
// code naming it, so the caller knows a retry (with the same idempotency key) is safe.

export type HttpAnswer<T = unknown> = { status: number; body: T };

export type Upstreams = {
  charging: Upstream | null;
  invoicing: Upstream | null;
  rating: Upstream | null;
};

export class Upstream {
  constructor(
    readonly name: 'charging' | 'invoicing' | 'rating',
    private readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
    private readonly timeoutMs = 10_000,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...this.headers, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ApiError(503, `${this.name}_unavailable`, `${this.name} did not answer: ${(err as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(502, `${this.name}_bad_answer`, `${this.name} answered ${res.status} with a body that is not JSON`);
    }
    return { status: res.status, body: parsed as T };
  }
}

export function requireUpstream(u: Upstream | null, name: string): Upstream {
  if (!u) throw new ApiError(503, `${name}_not_configured`, `this provisioning instance has no ${name} URL configured`);
  return u;
}
