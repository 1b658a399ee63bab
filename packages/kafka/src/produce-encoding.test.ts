import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRequire } from 'node:module';
import { crc32c, encodeProduceBody, kafkajsProduceV3, produceRequestV3, type ProduceRequestArgs } from './produce-encoding.js';

const require = createRequire(import.meta.url);
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): unknown };

/** A small seeded generator: the same cases on every run, many shapes. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const alphabet = ['a', 'Z', '0', '{', '"', ' ', 'é', '€', '𝄞', '\u0000', '\n'];
  const text = (max: number) => Array.from({ length: int(max + 1) }, () => alphabet[int(alphabet.length)]).join('');
  const bytes = (max: number) => {
    const r = int(10);
    if (r === 0) return null;
    if (r === 1) return undefined;
    if (r === 2) return Buffer.from(Array.from({ length: int(max + 1) }, () => int(256)));
    return text(max);
  };
  return { int, text, bytes };
}

function request(seed: number): ProduceRequestArgs {
  const r = random(seed);
  return {
    acks: [-1, 1, 0][r.int(3)]!,
    timeout: r.int(60_000),
    transactionalId: r.int(4) === 0 ? `tx-${r.text(8)}` : null,
    ...(r.int(2) === 0 ? {} : { producerId: r.int(3) === 0 ? -1 : r.int(2) === 0 ? Long.fromValue(r.int(2 ** 31)) : r.int(2 ** 40), producerEpoch: r.int(100) }),
    topicData: Array.from({ length: 1 + r.int(3) }, () => ({
      topic: `t.${r.text(12)}`,
      partitions: Array.from({ length: 1 + r.int(3) }, (_, p) => ({
        partition: p * 7 + r.int(3),
        ...(r.int(2) === 0 ? {} : { firstSequence: r.int(2 ** 31) }),
        // Up to 300 messages: offset deltas past one varint byte; values past two length bytes.
        messages: Array.from({ length: r.int(4) === 0 ? r.int(300) : 1 + r.int(5) }, () => {
          const headers = r.int(3) === 0 ? undefined : Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.text(10), r.int(3) === 0 ? Buffer.from(r.text(20)) : r.text(20)]));
          return { key: r.bytes(40), value: r.int(60) === 0 ? 'x'.repeat(20_000 + r.int(100)) : r.bytes(3_000), ...(headers ? { headers } : {}) };
        }),
      })),
    })),
  };
}

describe('the produce request encoding', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes exactly the bytes kafkajs writes, on 120 random requests', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_764_000_000_123);
    for (let seed = 1; seed <= 120; seed++) {
      const args = request(seed);
      const ours = await produceRequestV3(args).encode();
      const theirs = await kafkajsProduceV3(args).encode();
      expect(ours.buffer.equals(theirs.buffer), `seed ${seed}`).toBe(true);
      expect(encodeProduceBody(args, 1_764_000_000_123).equals(theirs.buffer), `seed ${seed}`).toBe(true);
    }
  });

  it('answers the request as kafkajs does: API key, version, whether a response comes', () => {
    for (const acks of [-1, 0, 1]) {
      const args = request(acks + 10);
      args.acks = acks;
      const ours = produceRequestV3(args);
      const theirs = kafkajsProduceV3(args);
      expect({ ...ours, encode: null, expectResponse: ours.expectResponse() }).toEqual({ ...theirs, encode: null, expectResponse: theirs.expectResponse() });
    }
  });

  it('leaves to kafkajs what it does not write itself: compression, message timestamps, header arrays', async () => {
    const base = request(7);
    const message = { key: 'k', value: 'v' };
    for (const args of [
      { ...base, compression: 1 },
      { ...base, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ ...message, timestamp: '1700000000000' }] }] }] },
      { ...base, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ ...message, headers: { h: ['a', 'b'] } }] }] }] },
    ]) {
      expect(produceRequestV3(args as ProduceRequestArgs).encode).not.toBe(undefined);
      const ours = await produceRequestV3(args as ProduceRequestArgs).encode();
      const theirs = await kafkajsProduceV3(args as ProduceRequestArgs).encode();
      // kafkajs's own path (its timestamps come from the clock; the layout and the data match).
      expect(ours.buffer.length).toBe(theirs.buffer.length);
    }
  });

  it('computes CRC-32C as kafkajs does, and the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    const r = random(99);
    for (let n = 0; n < 300; n++) {
      const b = Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256)));
      expect(crc32c(b)).toBe(kafkajsCrc32c(b));
      const from = r.int(b.length + 1);
      const to = from + r.int(b.length - from + 1);
      expect(crc32c(b, from, to)).toBe(kafkajsCrc32c(b.subarray(from, to)));
    }
  });
});
