import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { decodeRecord, kafkajsRecordDecoder } from './record-decoding.js';

const require = createRequire(import.meta.url);
type KafkaDecoder = { buffer: Buffer; offset: number; readVarInt(): number };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => KafkaDecoder;
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: {
  offsetDelta: number;
  timestampDelta: number;
  key: unknown;
  value: unknown;
  headers: Record<string, unknown>;
}) => { buffer: Buffer };

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
  const alphabet = ['a', 'Z', '0', '"', 'é', '€', '𝄞', '\n'];
  const text = (max: number) => Array.from({ length: int(max + 1) }, () => alphabet[int(alphabet.length)]).join('');
  const pick = <T>(xs: T[]): T => xs[int(xs.length)]!;
  return { int, text, pick };
}

/** A record as a broker hands it to decodeRecord: the bytes after its length prefix. */
function recordBytes(r: ReturnType<typeof random>): Buffer {
  const headerNames = ['content-type', 'schema-version', 'x', 'null', r.text(6), '__proto__', 'constructor'];
  const headers: Record<string, unknown> = {};
  for (let i = r.int(4); i > 0; i--) {
    const name = r.pick(headerNames);
    const value = r.int(4) === 0 ? Buffer.from(r.text(10)) : r.text(12);
    // An array: the same header name several times in the record.
    headers[name] = r.int(4) === 0 ? [value, r.text(5)] : value;
  }
  const encoded = encodeRecord({
    offsetDelta: r.pick([0, 1, 63, 64, 8191, 8192, r.int(2 ** 31)]),
    timestampDelta: r.pick([0, 1, -1, 1_000, -1_000, r.int(2 ** 40), -r.int(2 ** 40), 2 ** 49 - 1, 2 ** 49, 2 ** 52 + r.int(1000), -(2 ** 50), -(2 ** 52) - 3]),
    key: r.pick([null, r.text(20), Buffer.from(r.text(20))]),
    value: r.pick([null, '', r.text(300), Buffer.from(r.text(200))]),
    headers,
  }).buffer;
  const d = new Decoder(encoded);
  const length = d.readVarInt();
  return encoded.subarray(d.offset, d.offset + length);
}

describe('the fetched record decoding', () => {
  it('reads every field as kafkajs does, on 3,000 random records and batch contexts', () => {
    const r = random(2026);
    for (let n = 0; n < 3_000; n++) {
      const bytes = recordBytes(r);
      const context = {
        firstOffset: r.pick(['0', '41', String(r.int(2 ** 40)), '999999999999999', '9007199254740993', '-1']),
        firstTimestamp: r.pick(['1764000000123', '-1', '0', '9007199254740993', String(r.int(2 ** 45))]),
        magicByte: 2,
        isControlBatch: r.int(5) === 0,
        timestampType: r.int(2),
        maxTimestamp: r.pick(['1764000009999', '-1', '']),
        ...(r.int(6) === 0 ? { isControlBatch: undefined } : {}),
      };
      const theirs = new Decoder(bytes);
      const ours = new Decoder(bytes);
      const expected = kafkajsRecordDecoder(theirs, context);
      const actual = decodeRecord(ours, context);
      expect(actual, `record ${n}`).toEqual(expected);
      expect(Object.keys(actual.headers), `record ${n}`).toEqual(Object.keys(expected.headers));
      expect(Object.getOwnPropertyNames(actual), `record ${n}`).toEqual(Object.getOwnPropertyNames(expected));
      expect(ours.offset, `record ${n}`).toBe(theirs.offset);
    }
  });

  it('returns views of the fetched buffer, as kafkajs does (no copies)', () => {
    const encoded = encodeRecord({ offsetDelta: 3, timestampDelta: 5, key: 'acc-1', value: '{"v":1}', headers: { 'content-type': 'application/json' } }).buffer;
    const record = decodeRecord(new Decoder(encoded.subarray(1)), { firstOffset: '10', firstTimestamp: '1764000000000' });
    expect(record).toMatchObject({ offset: '13', timestamp: '1764000000005' });
    expect(record.value!.toString()).toBe('{"v":1}');
    expect(record.value!.buffer).toBe(encoded.buffer);
    expect(record.headers['content-type']!.toString()).toBe('application/json');
  });
});
