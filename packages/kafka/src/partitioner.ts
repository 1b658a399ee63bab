// Which partition a keyed message goes to: Kafka's default rule (murmur2 of the key, as the Java client hashes
// it), so a key lands where every other client of the topics would put it and one account's events keep their
// order in one partition.
//
// Why not kafkajs's DefaultPartitioner: its murmur2 multiplies through its BigInt-backed Long (new objects per
// step, products growing without bound) and copies each string key into a new Buffer: 11% of ingestion's CPU
// in the end-to-end benchmark. This is the same hash in 32-bit integer arithmetic (Math.imul), the rule
// otherwise kafkajs's own (partitioner.test.ts compares both on random keys and topics).
import { randomBytes } from 'node:crypto';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

const M = 0x5bd1e995;
const SEED = 0x9747b28c;
/** Keys up to this many UTF-8 bytes are hashed from a reused buffer. */
const scratch = Buffer.allocUnsafe(256);

/** Kafka's murmur2 (Utils.murmur2 of the Java client) of a key's bytes (UTF-8 for a string), as a signed 32-bit integer. */
export function murmur2(key: string | Buffer): number {
  let data: Buffer;
  let length: number;
  if (Buffer.isBuffer(key)) {
    data = key;
    length = key.length;
  } else if (key.length * 3 <= scratch.length) {
    data = scratch;
    length = scratch.write(key, 0, 'utf8');
  } else {
    data = Buffer.from(key, 'utf8');
    length = data.length;
  }
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) h = Math.imul(h ^ data[whole]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

const toPositive = (x: number): number => x & 0x7fffffff;

/**
 * kafkajs's DefaultPartitioner rule with this murmur2: a message's own partition if it names one, else by its
 * key's hash over all partitions, else round robin over the partitions that have a leader.
 */
export const KeyHashPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return toPositive(murmur2(message.key)) % partitionMetadata.length;
    const next = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[toPositive(next) % available.length]!.partitionId;
    return toPositive(next) % partitionMetadata.length;
  };
};
