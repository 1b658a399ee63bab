import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { Partitioners } from 'kafkajs';
import { KeyHashPartitioner, murmur2 } from './partitioner.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string | Buffer) => number;

function random(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 4294967296) * n);
  };
}

const alphabet = ['a', 'Z', '7', '-', '/', 'é', '€', '𝄞', '\u0000'];

describe('the key partitioner', () => {
  it('hashes keys as kafkajs (and the Java client) do: strings of every length, multibyte text, Buffers', () => {
    const int = random(11);
    for (let n = 0; n < 5_000; n++) {
      const text = Array.from({ length: int(n % 10 === 0 ? 200 : 40) }, () => alphabet[int(alphabet.length)]).join('');
      expect(murmur2(text), JSON.stringify(text)).toBe(kafkajsMurmur2(text));
      const bytes = Buffer.from(Array.from({ length: int(40) }, () => int(256)));
      expect(murmur2(bytes)).toBe(kafkajsMurmur2(bytes));
    }
    expect(murmur2('')).toBe(kafkajsMurmur2(''));
    expect(murmur2('acc-0001')).toBe(kafkajsMurmur2('acc-0001'));
  });

  it('sends a keyed message to the partition kafkajs DefaultPartitioner chooses, and a named partition to itself', () => {
    const ours = KeyHashPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const int = random(5);
    for (let n = 0; n < 2_000; n++) {
      const count = 1 + int(12);
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: int(5) === 0 ? -1 : 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
      const message = { key: `acc-${int(100_000)}`, value: 'x', ...(int(10) === 0 ? { partition: int(count) } : {}) };
      expect(ours({ topic: 't', partitionMetadata, message })).toBe(theirs({ topic: 't', partitionMetadata, message }));
    }
  });

  it('spreads messages without a key over the partitions that have a leader', () => {
    const choose = KeyHashPartitioner();
    const partitionMetadata = [0, 1, 2, 3].map((partitionId) => ({ partitionId, leader: partitionId === 2 ? -1 : 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
    const seen = new Set(Array.from({ length: 30 }, () => choose({ topic: 't', partitionMetadata, message: { key: null, value: 'x' } })));
    expect([...seen].sort()).toEqual([0, 1, 3]);
  });
});
