/**
 * Decompression bombs against a real server: a value stored compressed that
 * inflates to 1 GiB reaches the subscriber as stored (encoding header in
 * place) while the messages after it read normally, and the subscribing
 * process stays far from the gigabyte.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lastValueFrom } from 'rxjs';
import type { CompressionMethod } from '../../lib/compression.js';
import { DEFAULT_ENCODING_HEADER } from '../../lib/index.js';
import { lzmaBomb, lzmaInstalled, zlibBomb } from '../helpers/bombs.js';
import { uniqueName, useServer } from '../helpers/server.js';

const RSS_BOUND_MIB = 300;
const reader = fileURLToPath(new URL('../helpers/bomb-reader.js', import.meta.url));

interface Report {
  messages: { offset: string; bytes: number; encoding: string | null; text: string | null }[];
  peakRssMiB: number;
}

function readInChild(brokers: string[], stream: string, lastOffset: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [reader, brokers.join(','), stream, String(lastOffset)]);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as Report);
      else reject(new Error(`bomb-reader exited ${code}: ${err}`));
    });
  });
}

describe('decompression bombs', async () => {
  const server = await useServer();
  const bombs: Record<CompressionMethod, () => Promise<Buffer>> = {
    zlib: zlibBomb,
    lzma: lzmaBomb,
  };

  for (const method of ['zlib', 'lzma'] as const) {
    it(`${method} bomb - delivered as stored with its header, the next messages normal, peak RSS under ${RSS_BOUND_MIB} MiB`, {
      skip: method === 'lzma' && !lzmaInstalled && 'lzma-native is not installed',
    }, async (t) => {
      const bomb = await bombs[method]();
      const name = uniqueName('bomb');
      const client = server.client({ compression: method });
      await lastValueFrom(client.createStream(name));
      // Pre-compressed bytes, labelled by hand: the client's own compression never makes a bomb.
      await lastValueFrom(
        client.publish(bomb, { stream: name, headers: { [DEFAULT_ENCODING_HEADER]: method } }),
      );
      await lastValueFrom(
        client.publish('after the bomb '.repeat(4), { stream: name, compress: true }),
      );
      await lastValueFrom(client.publish('plain', { stream: name }));

      const report = await readInChild(server.brokers, name, 2);
      t.diagnostic(
        `${method} bomb (${bomb.byteLength} bytes): subscriber peak RSS ${report.peakRssMiB} MiB`,
      );
      const [stored, compressed, plain] = report.messages;
      assert.equal(report.messages.length, 3);
      assert.deepEqual(stored, {
        offset: '0',
        bytes: bomb.byteLength,
        encoding: method,
        text: null,
      });
      assert.deepEqual(compressed, {
        offset: '1',
        bytes: 60,
        encoding: null,
        text: 'after the bomb '.repeat(4),
      });
      assert.deepEqual(plain, { offset: '2', bytes: 5, encoding: null, text: 'plain' });
      assert.ok(report.peakRssMiB < RSS_BOUND_MIB, `peak RSS ${report.peakRssMiB} MiB`);
    });
  }
});
