// Fetched records read without 64-bit integer objects: the same record objects kafkajs builds, at less cost.
//
// Why: kafkajs 2.2.4 (its last release) reads each record's timestamp delta through its BigInt-backed Long (an
// object per 7 bits), builds the record's offset and timestamp texts through Long again, and folds the headers
// with an object spread per header. In the end-to-end benchmark that was most of what charging and invoicing
// spend decoding cdr.rated fetches. This reads the record with plain numbers wherever they are exact (offsets
// and timestamps below 10^15, deltas below 2^49: every record a broker of this platform holds) and hands
// anything else to kafkajs's own reader, so what consumers get is the same, field for field:
// record-decoding.test.ts compares the two on random records.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Decoder = { buffer: Buffer; offset: number };
type BatchContext = {
  firstOffset?: string;
  firstTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
  maxTimestamp?: string;
};
type Headers = Record<string, Buffer | null | (Buffer | null)[]>;
type DecodedRecord = {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  isControlRecord: boolean;
  batchContext: BatchContext;
};

const RECORD_DECODER = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
const BATCH_DECODER = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const LOG_APPEND_TIME = (require('kafkajs/src/protocol/timestampTypes.js') as { LOG_APPEND_TIME: number }).LOG_APPEND_TIME;

/** kafkajs's own record reader, for what this one does not read itself. */
export const kafkajsRecordDecoder = require(RECORD_DECODER) as (decoder: Decoder, batchContext?: BatchContext) => DecodedRecord;

/** Not a plain number of at most 15 characters: read by kafkajs (its Long is exact beyond 2^53). */
const exactText = (s: unknown): s is string => typeof s === 'string' && s.length <= 15;

/** A record, as kafkajs's record/v0 decoder returns it, with the decoder moved past it. */
export function decodeRecord(decoder: Decoder, batchContext: BatchContext = {}): DecodedRecord {
  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const appendTime = timestampType === LOG_APPEND_TIME && Boolean(maxTimestamp);
  if (!exactText(firstOffset) || (!appendTime && !exactText(firstTimestamp))) return kafkajsRecordDecoder(decoder, batchContext);
  const buf = decoder.buffer;
  let o = decoder.offset;
  const attributes = buf.readInt8(o++);

  // Timestamp delta: a zig-zag varlong. Up to 7 bytes (49 bits) is exact in a number; longer ones go to kafkajs.
  let raw = 0;
  let scale = 1;
  let byte: number;
  let n = 0;
  do {
    if (n === 7) return kafkajsRecordDecoder(decoder, batchContext);
    byte = buf[o++]!;
    raw += (byte & 0x7f) * scale;
    scale *= 128;
    n++;
  } while (byte >= 0x80);
  const half = Math.floor(raw / 2);
  const timestampDelta = raw % 2 === 0 ? half : -half - 1;
  const timestamp = appendTime ? maxTimestamp! : String(Number(firstTimestamp) + timestampDelta);

  const at = { o };
  const offsetDelta = readVarInt(buf, at);
  const offset = String(Number(firstOffset) + offsetDelta);
  const key = readBytes(buf, at);
  const value = readBytes(buf, at);
  const count = readVarInt(buf, at);
  const headers: Headers = {};
  for (let i = 0; i < count; i++) {
    const length = readVarInt(buf, at);
    let name: string;
    if (length === -1) name = 'null';
    else {
      name = buf.toString('utf8', at.o, at.o + length);
      at.o += length;
    }
    const headerValue = readBytes(buf, at);
    // kafkajs builds the object with computed keys: "__proto__" is then an own key, which plain assignment
    // would not make. Left to kafkajs (no header of this platform is named so).
    if (name === '__proto__') return kafkajsRecordDecoder(decoder, batchContext);
    const prev = headers[name];
    headers[name] = prev === undefined ? headerValue : Array.isArray(prev) ? prev.concat([headerValue]) : [prev, headerValue];
  }
  decoder.offset = at.o;
  return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext };
}

/** kafkajs's readVarInt, as it computes it (32-bit zig-zag). */
function readVarInt(buf: Buffer, at: { o: number }): number {
  let byte: number;
  let result = 0;
  let i = 0;
  do {
    byte = buf[at.o++]!;
    result += (byte & 0x7f) << i;
    i += 7;
  } while (byte >= 0x80);
  return (result >>> 1) ^ -(result & 1);
}

/** kafkajs's readVarIntBytes: null for length -1, else a view of the fetched buffer (not a copy). */
function readBytes(buf: Buffer, at: { o: number }): Buffer | null {
  const length = readVarInt(buf, at);
  if (length === -1) return null;
  const bytes = buf.slice(at.o, at.o + length);
  at.o += length;
  return bytes;
}

let installed = false;

/** Puts decodeRecord in place of kafkajs's record reader, before kafkajs loads its batch reader (on first fetch). */
export function installRecordDecoding(): void {
  if (installed) return;
  if (require.cache[BATCH_DECODER]) throw new Error("kafkajs's record batch decoder was loaded before the record decoding was installed");
  require.cache[RECORD_DECODER]!.exports = decodeRecord;
  installed = true;
}
