import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// API credentials are bearer tokens `rcp_<keyId>_<secret>`. The key id is public (it names the credential
// in lists and logs); only an scrypt hash of the secret is stored, with its own salt and cost, so a leaked
// table gives away no token. Verification re-hashes and compares in constant time.

const TOKEN = /^rcp_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;
/** `<keyId>:<hash>`: how a credential is given in configuration (the bootstrap back-office key). */
export const HASHED_CREDENTIAL = /^[0-9a-f]{16}:scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/;

/** Cost parameters: about 50 ms and 16 MiB per hash on a current core; stored with each hash. */
const COST = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scrypt(secret: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 };
  return new Promise((resolve, reject) => scryptCb(secret, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const m = HASH.exec(stored);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const actual = await scrypt(secret, Buffer.from(m[4]!, 'base64url'), { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export type ParsedToken = { keyId: string; secret: string };

export function parseToken(token: string): ParsedToken | null {
  const m = TOKEN.exec(token);
  return m ? { keyId: m[1]!, secret: m[2]! } : null;
}

/** A fresh credential: the token to hand over once, and what is stored. */
export async function newCredential(): Promise<{ keyId: string; token: string; secretHash: string }> {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, token: `rcp_${keyId}_${secret}`, secretHash: await hashSecret(secret) };
}

export function splitHashedCredential(value: string): { keyId: string; secretHash: string } {
  const i = value.indexOf(':');
  return { keyId: value.slice(0, i), secretHash: value.slice(i + 1) };
}

/**
 * Remembers tokens verified a moment ago, so a burst of requests pays for scrypt once. Keyed by a SHA-256
 * of the token (the token itself is never kept); an entry lives `ttlMs`, and revoking drops it at once on
 * this instance.
 */
export class VerifiedTokenCache<P extends { keyId: string }> {
  private readonly entries = new Map<string, { principal: P; until: number }>();

  constructor(private readonly ttlMs: number, private readonly maxEntries = 10_000) {}

  get(token: string): P | undefined {
    const key = digest(token);
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.principal;
  }

  set(token: string, principal: P): void {
    if (this.ttlMs === 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(digest(token), { principal, until: Date.now() + this.ttlMs });
  }

  forget(keyId: string): void {
    for (const [k, e] of this.entries) if (e.principal.keyId === keyId) this.entries.delete(k);
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
