/** Partitioning.choose: key hashing, round-robin, custom functions (no server). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, ErrorCode } from '../lib/index.js';
import { Partitioning } from '../lib/partitioners.js';
import { clusterMetadata } from './helpers/metadata.js';

/** Streams with `n` partitions each. */
function metadata(streams: Record<string, number>) {
  return clusterMetadata(
    Object.fromEntries(
      Object.entries(streams).map(([name, n]) => [name, { leaders: Array(n).fill('a') }]),
    ),
  );
}

const bytes = (s: string) => Buffer.from(s);
const empty = new Uint8Array(0);

describe('partitioners', () => {
  const md = metadata({ a: 3, b: 2 });

  it("partitioners - 'key' is crc32_ieee(key) % partitions, unsigned (the empty key too)", () => {
    const p = new Partitioning();
    for (const key of ['alpha', 'bravo', 'ключ', '']) {
      assert.equal(p.choose('key', 'a', bytes(key), empty, md), crc32(bytes(key)) % 3, key);
    }
    // A key whose crc32 has the top bit set (negative as int32) still maps in range.
    const high = ['k0', 'k1', 'k2', 'k3', 'k4'].find((k) => crc32(bytes(k)) > 0x7fffffff);
    assert.ok(high);
    assert.equal(p.choose('key', 'a', bytes(high), empty, md), crc32(bytes(high)) % 3);
  });

  it("partitioners - 'roundRobin' cycles through each stream's partitions separately", () => {
    const p = new Partitioning();
    const seq = (stream: string, n: number) =>
      Array.from({ length: n }, () => p.choose('roundRobin', stream, empty, empty, md));
    assert.deepEqual(seq('a', 4), [0, 1, 2, 0]);
    assert.deepEqual(seq('b', 3), [0, 1, 0]);
    assert.deepEqual(seq('a', 2), [1, 2]);
  });

  it('partitioners - a function gets the metadata; out of range, non-integer or throwing is INVALID_ARGUMENT', () => {
    const p = new Partitioning();
    assert.equal(
      p.choose(
        (s, _k, _v, m) => (m.streams.get(s)?.partitions.size ?? 0) - 1,
        'b',
        empty,
        empty,
        md,
      ),
      1,
    );
    for (const bad of [() => 3, () => -1, () => 0.5, () => Number.NaN]) {
      assert.throws(() => p.choose(bad, 'a', empty, empty, md), {
        code: ErrorCode.InvalidArgument,
      });
    }
    assert.throws(
      () =>
        p.choose(
          () => {
            throw new Error('boom');
          },
          'a',
          empty,
          empty,
          md,
        ),
      { code: ErrorCode.InvalidArgument },
    );
  });

  it('partitioners - a stream missing from metadata is NOT_FOUND', () => {
    assert.throws(() => new Partitioning().choose('key', 'zzz', empty, empty, md), {
      code: ErrorCode.NotFound,
    });
  });
});
