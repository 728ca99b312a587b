/**
 * Bounded decompression: values inflate up to a cap (maxDecompressedBytes);
 * past it decompression stops (a bomb is never allocated) and a subscriber
 * gets the value as stored, its encoding header in place.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type CompressionMethod,
  compress,
  decompress,
  decompressesSynchronously,
  decompressSync,
  SYNC_INFLATE_MAX_BYTES,
} from '../lib/compression.js';
import { ErrorCode } from '../lib/index.js';
import type { DecodedMessage } from '../lib/internal/grpc/message-codec.js';
import { decodeCompressed } from '../lib/observables/subscribe.js';
import { lzmaBomb, lzmaInstalled, zlibBomb } from './helpers/bombs.js';

const HEADER = 'X-Msg-Encoding';
const MiB = 1024 * 1024;
/** Peak RSS a child may reach while facing a 1 GiB bomb under a 64 MiB cap. */
const RSS_BOUND_MIB = 300;

function message(value: Uint8Array, method: string): DecodedMessage {
  return {
    stream: 's',
    partition: 0,
    offset: 0n,
    timestamp: 0n,
    key: new Uint8Array(0),
    value,
    subject: '',
    replySubject: '',
    headers: new Map([[HEADER, Buffer.from(method)]]),
    correlationId: '',
    ackInbox: '',
    ackPolicy: 'LEADER',
  };
}

/** Text that compresses about 3:1, so a few hundred KB of it stays above the sync threshold. */
function jsonish(bytes: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const part = `{"id":${i},"v":"${randomBytes(6).toString('hex')}"},`;
    parts.push(part);
    n += part.length;
  }
  return Buffer.from(parts.join('').slice(0, bytes));
}

const skip = (method: CompressionMethod) =>
  method === 'lzma' && !lzmaInstalled ? 'lzma-native is not installed' : false;

const helper = fileURLToPath(new URL('./helpers/inflate-rss.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lb-bomb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('decompression cap', () => {
  const small = Buffer.from('liftbridge '.repeat(1000));
  const large = jsonish(600 * 1024);

  it('zlib - small values inflate synchronously, large ones on the thread pool', async () => {
    assert.equal(decompressesSynchronously('zlib', await compress(small, 'zlib')), true);
    const packed = await compress(large, 'zlib');
    assert.ok(packed.byteLength > SYNC_INFLATE_MAX_BYTES, `${packed.byteLength} bytes packed`);
    assert.equal(decompressesSynchronously('zlib', packed), false);
    assert.equal(decompressesSynchronously('lzma', small), false);
  });

  for (const method of ['zlib', 'lzma'] as const) {
    it(`${method} - under (and at) the cap a value inflates`, { skip: skip(method) }, async () => {
      for (const value of [small, large]) {
        const packed = await compress(value, method);
        assert.deepEqual(Buffer.from(await decompress(packed, method, value.byteLength)), value);
        assert.deepEqual(Buffer.from(await decompress(packed, method, 64 * MiB)), value);
      }
    });

    it(`${method} - past the cap: DECOMPRESSION_FAILED naming the cap`, {
      skip: skip(method),
    }, async () => {
      for (const value of [small, large]) {
        const packed = await compress(value, method);
        await assert.rejects(decompress(packed, method, value.byteLength - 1), {
          code: ErrorCode.DecompressionFailed,
          message: new RegExp(`more than ${value.byteLength - 1} bytes`),
        });
      }
    });

    it(`${method} - a subscriber gets a value past the cap as stored, header in place`, {
      skip: skip(method),
    }, async () => {
      for (const value of [small, large]) {
        const packed = await compress(value, method);
        const ctx = { encodingHeader: HEADER, maxDecompressedBytes: value.byteLength - 1 };
        const kept = await decodeCompressed(message(packed, method), Buffer.from(method), ctx);
        assert.deepEqual(Buffer.from(kept.value), Buffer.from(packed));
        assert.equal(Buffer.from(kept.headers.get(HEADER) ?? []).toString(), method);
        const under = { encodingHeader: HEADER, maxDecompressedBytes: value.byteLength };
        const read = await decodeCompressed(message(packed, method), Buffer.from(method), under);
        assert.deepEqual(Buffer.from(read.value), value);
        assert.equal(read.headers.has(HEADER), false);
      }
    });
  }

  it('zlib - decompressSync stops at the cap too', async () => {
    const packed = await compress(small, 'zlib');
    assert.deepEqual(Buffer.from(decompressSync(packed, small.byteLength)), small);
    assert.throws(() => decompressSync(packed, 100), { code: ErrorCode.DecompressionFailed });
  });

  it('queued asynchronous decodes keep their order', async () => {
    const values = [large, small, jsonish(300 * 1024), jsonish(200 * 1024)];
    const queue = {};
    const ctx = { encodingHeader: HEADER, maxDecompressedBytes: 64 * MiB };
    const packed = await Promise.all(values.map((v) => compress(v, 'zlib')));
    const out = await Promise.all(
      packed.map((p) => decodeCompressed(message(p, 'zlib'), Buffer.from('zlib'), ctx, queue)),
    );
    assert.deepEqual(
      out.map((m) => Buffer.from(m.value)),
      values,
    );
  });

  const bombs: Record<CompressionMethod, () => Promise<Buffer>> = {
    zlib: zlibBomb,
    lzma: lzmaBomb,
  };
  for (const method of ['zlib', 'lzma'] as const) {
    it(`${method} - a value that inflates to 1 GiB stops at the cap: peak RSS under ${RSS_BOUND_MIB} MiB`, {
      skip: skip(method),
    }, async (t) => {
      const bomb = await bombs[method]();
      if (method === 'zlib') assert.ok(bomb.byteLength < 1.1 * MiB, `${bomb.byteLength} bytes`);
      const file = join(dir, `${method}.bomb`);
      writeFileSync(file, bomb);
      const res = spawnSync(process.execPath, [helper, file, method, String(64 * MiB)], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(res.status, 0, res.stderr);
      const report = JSON.parse(res.stdout) as {
        outcome: string;
        code: string;
        peakRssMiB: number;
      };
      assert.equal(report.outcome, 'failed');
      assert.equal(report.code, ErrorCode.DecompressionFailed);
      assert.ok(report.peakRssMiB < RSS_BOUND_MIB, `peak RSS ${report.peakRssMiB} MiB`);
      t.diagnostic(`${method} bomb (${bomb.byteLength} bytes): peak RSS ${report.peakRssMiB} MiB`);
    });
  }
});
