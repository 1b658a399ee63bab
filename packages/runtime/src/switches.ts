import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';

/** One switch allowed to post CDRs and ask credit control: its API key and how to read its numbers and times. */
export const SwitchConfig = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'switch id: letters, digits, dot, dash, underscore'),
  apiKey: z.string().min(16, 'API keys must be at least 16 characters'),
  /** Country calling code of the switch's lines, for national numbers (e.g. 39). */
  country: z.string().regex(/^\d{1,3}$/),
  /** IANA zone of the switch's local timestamps (Asterisk Master.csv with usegmtime off). */
  timeZone: z.string().default('UTC'),
});
export type SwitchConfig = z.infer<typeof SwitchConfig>;

/** The RCP_SWITCHES setting: a JSON array of switches, one setting shared by ingestion and credit control. */
export function switchesSetting(opts: { required: boolean }) {
  const text = opts.required ? z.string({ error: 'is required: a JSON array of {id, apiKey, country, timeZone}' }) : z.string().default('[]');
  return text
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(opts.required ? z.array(SwitchConfig).min(1, 'must name at least one switch') : z.array(SwitchConfig));
}

/**
 * Per-switch API keys. Only a SHA-256 of each key is kept in memory and compared in constant time, so
 * neither a log line nor a timing difference gives a key away. A request sends its key in the x-api-key
 * header (or as a bearer token).
 */
export class SwitchKeys {
  private readonly byDigest: { digest: Buffer; sw: SwitchConfig }[];

  constructor(switches: SwitchConfig[]) {
    this.byDigest = switches.map((sw) => ({ digest: sha256(sw.apiKey), sw }));
  }

  /** Constant-time comparison of two secrets. */
  static same(a: string, b: string): boolean {
    return timingSafeEqual(sha256(a), sha256(b));
  }

  /** The switch the request's key belongs to, or null. */
  authenticate(req: FastifyRequest): SwitchConfig | null {
    const header = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer\s+/i, '');
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) return null;
    const digest = sha256(key);
    let found: SwitchConfig | null = null;
    for (const entry of this.byDigest) if (timingSafeEqual(entry.digest, digest)) found = entry.sw;
    return found;
  }
}

/**
 * Whether a request's `Authorization: Bearer <token>` carries the ops token (constant-time). False when no
 * token is configured: an ops operation is never open by default.
 */
export function hasOpsBearer(req: FastifyRequest, opsToken: string | undefined): boolean {
  const token = req.headers.authorization?.replace(/^Bearer\s+/i, '');
  return Boolean(opsToken && token && SwitchKeys.same(token, opsToken));
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
