// The Produce request body (versions 3-7 share it: record batches, magic 2) written into one buffer.
//
// Why: kafkajs 2.2.4, its last release, encodes each record in a fresh zero-filled 512-byte Buffer, each header
// in another, each varint in a Buffer of its own, grows and copies them into the batch, and computes the batch's
// CRC-32C a byte at a time in JavaScript. On this platform's 2-core machine that cost 25-48 us per 1.2 kB
// cdr.rated message (a quarter of the rating service's CPU in the end-to-end benchmark, more than rating the
// CDRs) and a share of its garbage collection. This writes the very same bytes with one allocation per request
// and CRC-32C from @node-rs/crc32 (native, the CPU's crc32 instruction): about 3.7 us per message.
// It replaces kafkajs's `produce/v3/request` module (v4-v7 are that module with another version number) for
// the requests it can write byte for byte: uncompressed batches of messages with no timestamp of their own and
// string or Buffer keys, values and headers, which is everything ContractProducer sends; anything else goes to
// kafkajs's own encoder. produce-encoding.test.ts compares the two on random requests, byte for byte.
import { createRequire } from 'node:module';
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

const require = createRequire(import.meta.url);

type Bytes = string | Buffer | null | undefined;
type Message = { key?: Bytes; value?: Bytes; headers?: Record<string, unknown> | null; timestamp?: unknown; partition?: number };
type PartitionData = { partition: number; firstSequence?: number; messages: Message[] };
type TopicData = { topic: string; partitions: PartitionData[] };
export type ProduceRequestArgs = {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: TopicData[];
};
type KafkaEncoder = { buf: Buffer; offset: number; readonly buffer: Buffer };
type ProduceRequest = { apiKey: number; apiVersion: number; apiName: string; expectResponse: () => boolean; encode: () => Promise<KafkaEncoder> };
type ProduceRequestModule = (args: ProduceRequestArgs) => ProduceRequest;

const V3_REQUEST = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
const Encoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize?: number) => KafkaEncoder;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): { value: bigint }; fromInt(v: number): { value: bigint } };
const PRODUCE_API_KEY = (require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number }).Produce;
const NO_COMPRESSION = 0;
const TRANSACTIONAL = 16;

/** kafkajs's own encoder of the request, for what this one does not write. */
export const kafkajsProduceV3 = require(V3_REQUEST) as ProduceRequestModule;

/** Whether a request is one this module writes exactly as kafkajs would. */
function writable(args: ProduceRequestArgs): boolean {
  if ((args.compression ?? NO_COMPRESSION) !== NO_COMPRESSION) return false;
  for (const t of args.topicData) {
    for (const p of t.partitions) {
      for (const m of p.messages) {
        if (m.timestamp != null || !isBytes(m.key) || !isBytes(m.value)) return false;
        if (m.headers === undefined) continue;
        if (m.headers === null || typeof m.headers !== 'object') return false;
        for (const k in m.headers) {
          if (!Object.prototype.hasOwnProperty.call(m.headers, k)) continue;
          const v = m.headers[k];
          if (typeof v !== 'string' && !Buffer.isBuffer(v)) return false;
        }
      }
    }
  }
  return true;
}

const isBytes = (v: unknown): boolean => v == null || typeof v === 'string' || Buffer.isBuffer(v);

/** The Produce request (v3 layout), as kafkajs's module builds it, encoding with `encodeProduceBody` when it can. */
export function produceRequestV3(args: ProduceRequestArgs): ProduceRequest {
  if (!writable(args)) return kafkajsProduceV3(args);
  return {
    apiKey: PRODUCE_API_KEY,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => args.acks !== 0,
    encode: async () => {
      const body = encodeProduceBody(args, Date.now());
      const e = new Encoder(1);
      e.buf = body;
      e.offset = body.length;
      return e;
    },
  };
}

let installed = false;

/** Puts produceRequestV3 in place of kafkajs's module, before kafkajs loads v4-v7 (they load it on first use). */
export function installProduceEncoding(): void {
  if (installed) return;
  const cached = require.cache[V3_REQUEST];
  if (!cached) throw new Error(`kafkajs's produce request module was not loaded from ${V3_REQUEST}`);
  for (const v of [4, 5, 6, 7]) {
    const later = require.resolve(`kafkajs/src/protocol/requests/produce/v${v}/request.js`);
    // A version module loaded earlier would keep kafkajs's encoder: say so rather than run half-replaced.
    if (require.cache[later]) throw new Error(`kafkajs's produce v${v} request was loaded before the produce encoding was installed`);
  }
  cached.exports = produceRequestV3;
  installed = true;
}

/** Sizes of one record's parts, measured once (kafkajs measures strings as UTF-8 byte lengths). */
type Sized = { key: number; value: number; headers: { key: string; keyLength: number; value: string | Buffer; valueLength: number }[]; body: number };

/** The Produce request body, byte for byte what kafkajs's v3 module writes with Date.now() = now. */
export function encodeProduceBody(args: ProduceRequestArgs, now: number): Buffer {
  const transactionalId = args.transactionalId ?? null;
  const producerId = args.producerId === undefined ? Long.fromInt(-1).value : Long.fromValue(args.producerId).value;
  const producerEpoch = args.producerEpoch ?? 0;
  const attributes = NO_COMPRESSION | (transactionalId ? TRANSACTIONAL : 0);

  // First pass: every size, so the request is written into one buffer of exactly its length.
  const sized: Sized[][][] = [];
  let total = stringSize(transactionalId) + 2 + 4 + 4;
  for (const t of args.topicData) {
    const partitions: Sized[][] = [];
    total += stringSize(t.topic) + 4;
    for (const p of t.partitions) {
      const records: Sized[] = [];
      let recordsSize = 0;
      p.messages.forEach((m, i) => {
        const key = byteLength(m.key);
        const value = byteLength(m.value);
        const headers: Sized['headers'] = [];
        let headersSize = 0;
        if (m.headers) {
          for (const k of Object.keys(m.headers)) {
            const v = m.headers[k] as string | Buffer;
            const keyLength = Buffer.byteLength(k);
            const valueLength = Buffer.byteLength(v);
            headers.push({ key: k, keyLength, value: v, valueLength });
            headersSize += varIntSize(keyLength) + keyLength + varIntSize(valueLength) + valueLength;
          }
        }
        // attributes, timestamp delta (0), offset delta, key, value, headers
        const body = 1 + 1 + varIntSize(i) + bytesSize(key) + bytesSize(value) + varIntSize(headers.length) + headersSize;
        records.push({ key, value, headers, body });
        recordsSize += varIntSize(body) + body;
      });
      partitions.push(records);
      // partition, record set size, then the batch: first offset, length, leader epoch, magic, CRC, the CRC'd part
      total += 4 + 4 + 8 + 4 + 4 + 1 + 4 + BATCH_HEADER + recordsSize;
    }
    sized.push(partitions);
  }

  const buf = Buffer.allocUnsafe(total);
  let o = writeString(buf, 0, transactionalId);
  o = buf.writeInt16BE(args.acks, o);
  o = buf.writeInt32BE(args.timeout, o);
  o = buf.writeInt32BE(args.topicData.length, o);
  args.topicData.forEach((t, ti) => {
    o = writeString(buf, o, t.topic);
    o = buf.writeInt32BE(t.partitions.length, o);
    t.partitions.forEach((p, pi) => {
      const records = sized[ti]![pi]!;
      o = buf.writeInt32BE(p.partition, o);
      const setSizeAt = o;
      o += 4;
      const setStart = o;
      o = buf.writeBigInt64BE(0n, o); // first offset
      const lengthAt = o;
      o += 4;
      const batchStart = o;
      o = buf.writeInt32BE(0, o); // partition leader epoch
      o = buf.writeInt8(2, o); // magic
      const crcAt = o;
      o += 4;
      const crcStart = o;
      o = buf.writeInt16BE(attributes, o);
      o = buf.writeInt32BE(p.messages.length - 1, o); // last offset delta
      o = buf.writeBigInt64BE(BigInt(now), o); // first timestamp: the messages carry none
      o = buf.writeBigInt64BE(BigInt(now), o); // max timestamp
      o = buf.writeBigInt64BE(BigInt.asIntN(64, producerId), o);
      o = buf.writeInt16BE(producerEpoch, o);
      o = buf.writeInt32BE(p.firstSequence ?? 0, o);
      o = buf.writeInt32BE(p.messages.length, o);
      p.messages.forEach((m, i) => {
        const r = records[i]!;
        o = writeVarInt(buf, o, r.body);
        buf[o++] = 0; // attributes
        buf[o++] = 0; // timestamp delta
        o = writeVarInt(buf, o, i);
        o = writeBytes(buf, o, m.key, r.key);
        o = writeBytes(buf, o, m.value, r.value);
        o = writeVarInt(buf, o, r.headers.length);
        for (const h of r.headers) {
          o = writeVarInt(buf, o, h.keyLength);
          o += buf.write(h.key, o, h.keyLength, 'utf8');
          o = writeBytes(buf, o, h.value, h.valueLength);
        }
      });
      buf.writeUInt32BE(crc32c(buf, crcStart, o), crcAt);
      buf.writeInt32BE(o - batchStart, lengthAt);
      buf.writeInt32BE(o - setStart, setSizeAt);
    });
  });
  if (o !== total) throw new Error(`produce request: wrote ${o} bytes, measured ${total}`);
  return buf;
}

/** attributes, last offset delta, first and max timestamps, producer id and epoch, first sequence, record count */
const BATCH_HEADER = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

const byteLength = (v: Bytes): number => (v == null ? -1 : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(v, 'utf8'));
const bytesSize = (length: number): number => varIntSize(length) + Math.max(0, length);
const stringSize = (s: string | null): number => 2 + (s == null ? 0 : Buffer.byteLength(s, 'utf8'));

function writeString(buf: Buffer, o: number, s: string | null): number {
  if (s == null) return buf.writeInt16BE(-1, o);
  const at = o + 2;
  const n = buf.write(s, at, 'utf8');
  buf.writeInt16BE(n, o);
  return at + n;
}

function writeBytes(buf: Buffer, o: number, v: Bytes, length: number): number {
  o = writeVarInt(buf, o, length);
  if (v == null) return o;
  if (Buffer.isBuffer(v)) return o + v.copy(buf, o);
  return o + buf.write(v, o, length, 'utf8');
}

/** Zig-zag varint as Kafka writes lengths and deltas (32-bit values). */
function varIntSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

function writeVarInt(buf: Buffer, o: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[o++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[o++] = v;
  return o;
}

/** CRC-32C of buf[start, end), unsigned (SSE 4.2's crc32 instruction where the CPU has it). */
export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  return nativeCrc32c(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) >>> 0;
}
