/**
 * Compression interop with Gufo Liftbridge (the Python client whose format
 * liftbridge-rx follows), through the peer bench/peers/python/gufo_peer.py
 * (gufo-liftbridge 0.2.0 in a venv the test bed makes on first run): the
 * same containers (zlib; xz with identical bytes), each side decompressing
 * the other's output, and values compressed by one client read back by the
 * other over a real server, with the X-Msg-Encoding header on the wire.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { compress, decompress } from '../../lib/compression.js';
import {
  COMPRESSION_METHODS,
  type CompressionMethod,
  DEFAULT_ENCODING_HEADER,
  type Message,
  publishBulk,
} from '../../lib/index.js';
import { gufoPython, runGufoPeer } from '../../scripts/testbed/gufo-peer.js';
import { uniqueName, useServer } from '../helpers/server.js';

interface GufoMessage {
  offset: number;
  value_hex: string;
  headers: Record<string, string>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Values of several kinds; all under the 128 KiB limit of one command-line argument once in hex. */
const payloads: ReadonlyArray<readonly [string, Buffer]> = [
  ['text', Buffer.from('liftbridge-rx talks to gufo-liftbridge. '.repeat(200))],
  ['json', Buffer.from(JSON.stringify({ id: 42, tags: ['a', 'b'], nested: { ok: true } }))],
  ['random bytes', randomBytes(4096)],
  ['one byte', Buffer.from([0])],
  ['empty', Buffer.alloc(0)],
];

/** What went over the wire in order: plain, or compressed by the publisher. */
const traffic: ReadonlyArray<readonly [string, Buffer]> = [
  ['hello', Buffer.from('hello, gufo '.repeat(50))],
  ['binary', randomBytes(1000)],
  ['empty', Buffer.alloc(0)],
  ['utf8', Buffer.from('żółć ✓ 日本語 '.repeat(20))],
];

describe('gufo-liftbridge interop', { timeout: 600_000 }, async () => {
  gufoPython(); // the venv, made once (can take a minute on the first run)
  const server = await useServer();
  const brokers = server.brokers.join(',');
  const admin = server.client();
  /** Sees values as stored: it does not know the encoding header, so it decompresses nothing. */
  const raw = server.client({ encodingHeader: 'X-Gufo-Interop-Not-Used' });

  async function gufoCompress(method: CompressionMethod, value: Uint8Array): Promise<Buffer> {
    const out = await runGufoPeer(['compress', '--method', method, '--hex', hex(value)]);
    return Buffer.from(out.trim(), 'hex');
  }

  async function gufoDecompress(method: CompressionMethod, value: Uint8Array): Promise<Buffer> {
    const out = await runGufoPeer(['decompress', '--method', method, '--hex', hex(value)]);
    return Buffer.from(out.trim(), 'hex');
  }

  async function gufoRead(stream: string, count: number): Promise<GufoMessage[]> {
    const out = await runGufoPeer([
      'read',
      '--brokers',
      brokers,
      '--stream',
      stream,
      '--count',
      `${count}`,
    ]);
    return out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as GufoMessage);
  }

  async function newStream(): Promise<string> {
    const name = uniqueName('gufo');
    await lastValueFrom(admin.createStream(name));
    return name;
  }

  function readAll(client: typeof admin, stream: string): Promise<Message[]> {
    return lastValueFrom(
      client
        .subscribe(stream, { startPosition: 'EARLIEST', stopPosition: 'LATEST' })
        .pipe(toArray()),
    );
  }

  /**
   * As stored: the header names the method on compressed messages only;
   * their bytes are `compressor`'s output, which the other side's
   * `readBack` turns into the value sent.
   */
  async function assertStored(
    stream: string,
    method: CompressionMethod,
    sent: Buffer[],
    compressed: boolean[],
    side: {
      compressor: (v: Buffer) => Promise<Uint8Array>;
      reader: string;
      readBack: (b: Uint8Array) => Promise<Buffer>;
    },
  ): Promise<void> {
    const stored = await readAll(raw, stream);
    assert.deepEqual(
      stored.map(encodingOf),
      compressed.map((c) => (c ? method : undefined)),
    );
    for (const [i, m] of stored.entries()) {
      const value = sent[i] as Buffer;
      if (!compressed[i]) {
        assert.equal(hex(m.value), hex(value), `message ${i} stored as is`);
        continue;
      }
      assert.equal(hex(m.value), hex(await side.compressor(value)), `message ${i} as stored`);
      assert.deepEqual(await side.readBack(m.value), value, `message ${i} by ${side.reader}`);
    }
  }

  const encodingOf = (m: Message) => {
    const v = m.headers.get(DEFAULT_ENCODING_HEADER);
    return v === undefined ? undefined : Buffer.from(v).toString();
  };

  it('gufo interop - the peer is gufo-liftbridge 0.2.0 and both use the X-Msg-Encoding header', async () => {
    const version = await runGufoPeer(['version']);
    assert.deepEqual(JSON.parse(version), {
      gufoLiftbridge: '0.2.0',
      encodingHeader: DEFAULT_ENCODING_HEADER,
    });
  });

  // zlib: the same container and settings as Python's zlib.compress (level 6,
  // 32 KiB window), but the deflate body depends on the zlib build: Node
  // bundles Chromium's zlib, Python links the system one (1.2.13 here), and
  // they pick different matches for some inputs. Both decode either's output.
  it('gufo interop - zlib: the same zlib container as gufo (78 9C header, Adler-32 trailer)', async () => {
    for (const [kind, value] of payloads) {
      const ours = Buffer.from(await compress(value, 'zlib'));
      const theirs = await gufoCompress('zlib', value);
      assert.equal(hex(ours.subarray(0, 2)), '789c', `${kind}: rx header`);
      assert.equal(hex(theirs.subarray(0, 2)), '789c', `${kind}: gufo header`);
      assert.equal(hex(ours.subarray(-4)), hex(theirs.subarray(-4)), `${kind}: Adler-32`);
    }
    // Without repeats to match, both builds make the same stream.
    for (const value of [Buffer.alloc(0), Buffer.from('hello')]) {
      assert.equal(hex(await compress(value, 'zlib')), hex(await gufoCompress('zlib', value)));
    }
  });

  // lzma: liblzma on both sides, xz container, preset 6, CRC-64 check: the
  // bytes must be identical.
  it('gufo interop - lzma: rx compresses byte-identically to gufo (xz, preset 6, CRC-64)', async () => {
    for (const [kind, value] of payloads) {
      const ours = Buffer.from(await compress(value, 'lzma'));
      const theirs = await gufoCompress('lzma', value);
      assert.equal(hex(theirs.subarray(6, 8)), '0004', `${kind}: gufo writes CRC-64`);
      assert.equal(hex(ours.subarray(6, 8)), '0004', `${kind}: rx xz stream flags (check)`);
      assert.equal(hex(ours), hex(theirs), `${kind}: compressed bytes differ`);
    }
  });

  for (const method of COMPRESSION_METHODS) {
    it(`gufo interop - ${method}: rx and gufo each decompress the other's bytes`, async () => {
      for (const [kind, value] of payloads) {
        const ours = Buffer.from(await compress(value, method));
        const theirs = await gufoCompress(method, value);
        assert.deepEqual(Buffer.from(await decompress(theirs, method)), value, `${kind}: rx`);
        assert.deepEqual(await gufoDecompress(method, ours), value, `${kind}: gufo`);
      }
    });

    it(`gufo interop - ${method}: gufo rejects what is not ${method} data (the peer exits 1)`, async () => {
      await assert.rejects(
        gufoDecompress(method, Buffer.from('not compressed at all')),
        (err: Error) => {
          assert.match(err.message, /gufo_peer decompress: exit 1/);
          return true;
        },
      );
    });

    it(`gufo interop - ${method}: rx publishes compressed, gufo reads the original values`, async () => {
      const stream = await newStream();
      const client = server.client({ compression: method, compressionThreshold: 8 });
      // Bulk, compressed; one single publish; two under the threshold / not opted in.
      await lastValueFrom(
        from(traffic).pipe(
          map(([, v]) => client.getPublishRequest(v, { stream, compress: true })),
          publishBulk(client),
          toArray(),
        ),
      );
      const single = Buffer.from(`single ${method} publish `.repeat(30));
      const tiny = Buffer.from('tiny'); // 4 bytes < threshold 8: sent as is
      const plain = Buffer.from('not opted in '.repeat(10));
      await lastValueFrom(client.publish(single, { stream, compress: true }));
      await lastValueFrom(client.publish(tiny, { stream, compress: true }));
      await lastValueFrom(client.publish(plain, { stream }));
      const sent = [...traffic.map(([, v]) => v), single, tiny, plain];
      // The empty value and `tiny` are under the threshold; `plain` did not opt in.
      const compressed = [true, true, false, true, true, false, false];

      // gufo decompresses transparently and drops the encoding header.
      const got = await gufoRead(stream, sent.length);
      assert.deepEqual(
        got.map((m) => m.offset),
        sent.map((_, i) => i),
      );
      assert.deepEqual(
        got.map((m) => m.value_hex),
        sent.map(hex),
      );
      for (const m of got) assert.equal(m.headers[DEFAULT_ENCODING_HEADER], undefined);

      // As stored: rx's compressor output, which gufo's decompressor reads back.
      await assertStored(stream, method, sent, compressed, {
        compressor: (v) => compress(v, method),
        reader: 'gufo',
        readBack: (b) => gufoDecompress(method, b),
      });
    });

    it(`gufo interop - ${method}: gufo publishes compressed, rx reads the original values`, async () => {
      const stream = await newStream();
      const values = traffic.map(([, v]) => v);
      await runGufoPeer([
        'publish',
        '--brokers',
        brokers,
        '--stream',
        stream,
        '--compression',
        method,
        '--values-hex',
        values.map(hex).join(','),
      ]);
      // With a threshold: gufo sends the short value as is, without the header.
      const short = Buffer.from('short');
      const long = Buffer.from(`long enough for ${method} `.repeat(10));
      await runGufoPeer([
        'publish',
        '--brokers',
        brokers,
        '--stream',
        stream,
        '--compression',
        method,
        '--threshold',
        '16',
        '--values-hex',
        [short, long].map(hex).join(','),
      ]);
      const sent = [...values, short, long];
      const compressed = [true, true, true, true, false, true];

      const messages = await readAll(server.client(), stream);
      assert.deepEqual(
        messages.map((m) => m.offset),
        sent.map((_, i) => BigInt(i)),
      );
      assert.deepEqual(
        messages.map((m) => hex(m.value)),
        sent.map(hex),
      );
      for (const m of messages) {
        assert.equal(m.headers.has(DEFAULT_ENCODING_HEADER), false, 'encoding header removed');
      }

      // As stored: gufo's compressor output, which rx's decompressor reads back.
      await assertStored(stream, method, sent, compressed, {
        compressor: (v) => gufoCompress(method, v),
        reader: 'rx',
        readBack: async (b) => Buffer.from(await decompress(b, method)),
      });
    });
  }

  it('gufo interop - rx and gufo read a stream both wrote, zlib and lzma mixed', async () => {
    const stream = await newStream();
    const zlibClient = server.client({ compression: 'zlib' });
    const lzmaClient = server.client({ compression: 'lzma' });
    const a = Buffer.from('from rx, zlib '.repeat(20));
    const b = Buffer.from('from gufo, lzma '.repeat(20));
    const c = Buffer.from('from rx, lzma '.repeat(20));
    const d = Buffer.from('from gufo, zlib '.repeat(20));
    await lastValueFrom(zlibClient.publish(a, { stream, compress: true }));
    await runGufoPeer([
      'publish',
      '--brokers',
      brokers,
      '--stream',
      stream,
      '--compression',
      'lzma',
      '--values-hex',
      hex(b),
    ]);
    await lastValueFrom(lzmaClient.publish(c, { stream, compress: true }));
    await runGufoPeer([
      'publish',
      '--brokers',
      brokers,
      '--stream',
      stream,
      '--compression',
      'zlib',
      '--values-hex',
      hex(d),
    ]);
    const want = [a, b, c, d].map(hex);
    assert.deepEqual(
      (await readAll(admin, stream)).map((m) => hex(m.value)),
      want,
    );
    assert.deepEqual(
      (await gufoRead(stream, 4)).map((m) => m.value_hex),
      want,
    );
    assert.deepEqual((await readAll(raw, stream)).map(encodingOf), [
      'zlib',
      'lzma',
      'lzma',
      'zlib',
    ]);
  });
});
