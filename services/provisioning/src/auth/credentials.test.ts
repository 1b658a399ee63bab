import { describe, expect, it } from 'vitest';
import { HASHED_CREDENTIAL, hashSecret, newCredential, parseToken, verifySecret, VerifiedTokenCache } from './credentials.js';

describe('credentials', () => {
  it('stores only a salted scrypt hash, which verifies the secret and nothing else', async () => {
    const c = await newCredential();
    const parsed = parseToken(c.token)!;
    expect(parsed.keyId).toBe(c.keyId);
    expect(c.secretHash).not.toContain(parsed.secret);
    expect(c.secretHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifySecret(parsed.secret, c.secretHash)).toBe(true);
    expect(await verifySecret(`${parsed.secret.slice(0, -1)}x`, c.secretHash)).toBe(false);
    expect(await verifySecret(parsed.secret, 'plaintext')).toBe(false);
  });

  it('salts each hash: the same secret hashes differently twice', async () => {
    expect(await hashSecret('same')).not.toBe(await hashSecret('same'));
  });

  it('the configuration form of a credential is the key id and the hash', async () => {
    const c = await newCredential();
    expect(`${c.keyId}:${c.secretHash}`).toMatch(HASHED_CREDENTIAL);
    expect(`${c.keyId}:${parseToken(c.token)!.secret}`).not.toMatch(HASHED_CREDENTIAL);
  });

  it.each(['', 'Bearer x', 'rcp_123_abc', `rcp_${'a'.repeat(16)}_${'b'.repeat(42)}`])('refuses the malformed token %j', (t) => {
    expect(parseToken(t)).toBeNull();
  });

  it('caches a verified token for its time, and forgets a revoked key at once', async () => {
    const cache = new VerifiedTokenCache<{ keyId: string }>(60_000);
    cache.set('tok-a', { keyId: 'a' });
    cache.set('tok-b', { keyId: 'b' });
    expect(cache.get('tok-a')).toEqual({ keyId: 'a' });
    cache.forget('a');
    expect(cache.get('tok-a')).toBeUndefined();
    expect(cache.get('tok-b')).toEqual({ keyId: 'b' });
    const none = new VerifiedTokenCache<{ keyId: string }>(0);
    none.set('tok', { keyId: 'x' });
    expect(none.get('tok')).toBeUndefined();
  });
});
