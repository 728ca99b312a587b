/** Compression codecs (byte compatibility with Gufo is proven in integration/gufo-interop). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compress, decompress } from '../lib/compression.js';
import { ErrorCode } from '../lib/index.js';

describe('compression', () => {
  const value = Buffer.from('liftbridge '.repeat(1000));
  for (const method of ['zlib', 'lzma'] as const) {
    it(`${method} - round-trips and shrinks a repetitive value`, async () => {
      const packed = await compress(value, method);
      assert.ok(packed.byteLength < value.byteLength / 4);
      assert.deepEqual(Buffer.from(await decompress(packed, method)), value);
    });
    it(`${method} - undecodable bytes are a DECOMPRESSION_FAILED error`, async () => {
      await assert.rejects(decompress(Buffer.from('not compressed'), method), {
        code: ErrorCode.DecompressionFailed,
      });
    });
  }
  it('zlib - writes the zlib container (0x78 header), like Python zlib.compress', async () => {
    assert.equal((await compress(value, 'zlib'))[0], 0x78);
  });
  it('lzma - writes the xz container (FD 37 7A 58 5A 00), like Python lzma.compress', async () => {
    assert.deepEqual(
      [...(await compress(value, 'lzma')).subarray(0, 6)],
      [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
    );
  });
  it('lzma - the stream flags name a CRC-64 check (00 04), as Python writes', async () => {
    assert.deepEqual([...(await compress(value, 'lzma')).subarray(6, 8)], [0x00, 0x04]);
  });
});
