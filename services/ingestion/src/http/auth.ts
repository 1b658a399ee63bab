import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { SwitchConfig } from '../config.js';

/**
 * Per-switch API keys. Only a SHA-256 of each key is kept in memory and compared in constant time,
 * so neither a log line nor a timing difference gives a key away.
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

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
