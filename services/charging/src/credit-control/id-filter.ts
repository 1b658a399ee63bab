/**
 * A Bloom filter over call ids: "certainly never seen" or "maybe seen". The owner fills it with every call id
 * in PostgreSQL when it takes the lease and adds each call it creates, so a new session id that the filter has
 * never seen needs no PostgreSQL lookup to know it is not a reused one. About 1% of new ids are false
 * positives (looked up for nothing) while it holds fewer ids than its capacity, more past it (it never
 * answers "never seen" wrongly, it only looks up more).
 */
export class IdFilter {
  private readonly bits: Uint32Array;
  private readonly size: number;
  private count = 0;

  constructor(readonly capacity: number) {
    // 10 bits per id and 7 probes: ~1% false positives at capacity.
    this.size = Math.max(1024, Math.ceil(capacity * 10));
    this.bits = new Uint32Array(Math.ceil(this.size / 32));
  }

  get ids(): number {
    return this.count;
  }

  add(id: string): void {
    const [h1, h2] = hashes(id);
    for (let i = 0; i < 7; i++) {
      const bit = (h1 + i * h2) % this.size;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.count++;
  }

  mayContain(id: string): boolean {
    const [h1, h2] = hashes(id);
    for (let i = 0; i < 7; i++) {
      const bit = (h1 + i * h2) % this.size;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** Two independent 32-bit FNV-1a hashes (different offsets), as unsigned numbers; the second is odd. */
function hashes(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, (b | 1) >>> 0];
}
