/**
 * gRPC message framing: the Deframer under every way DATA can be cut into
 * chunks, its limits (refused on the prefix, inflated output bounded),
 * bad flags and encodings, and the lenient grpc-message decoding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  Deframer,
  decodeGrpcMessage,
  FRAMING_STATUS,
  FramingError,
  frame,
  PREFIX_BYTES,
  writePrefix,
} from '../../lib/internal/grpc/framing.js';

const { INTERNAL, RESOURCE_EXHAUSTED } = FRAMING_STATUS;

/** A Deframer that copies out every message it delivers. */
function collect(maxBytes: number, encoding?: string) {
  const got: Buffer[] = [];
  const deframer = new Deframer(maxBytes, (buf, start, end) => {
    assert.ok(start >= 0 && start <= end && end <= buf.length, 'bounds inside the buffer');
    got.push(Buffer.from(buf.subarray(start, end)));
  });
  deframer.encoding = encoding;
  return { deframer, got };
}

/** A message's 5-byte prefix with any flag and length. */
function prefix(flag: number, length: number): Buffer {
  const out = Buffer.alloc(PREFIX_BYTES);
  out[0] = flag;
  out.writeUInt32BE(length, 1);
  return out;
}

/** A compressed message framed with flag 1. */
function compressedFrame(message: Uint8Array, encoding: 'gzip' | 'deflate'): Buffer {
  const body = encoding === 'gzip' ? gzipSync(message) : deflateSync(message);
  return Buffer.concat([prefix(1, body.length), body]);
}

/**
 * `wire` cut at the given places (wrapped into its length; repeated places
 * make empty chunks), or into 1-byte chunks.
 */
function chunked(wire: Buffer, cuts: readonly number[], oneByte: boolean): Buffer[] {
  if (oneByte) return Array.from({ length: wire.length }, (_, i) => wire.subarray(i, i + 1));
  const at = [0, ...cuts.map((c) => c % (wire.length + 1)).sort((a, b) => a - b), wire.length];
  return at.slice(1).map((end, i) => wire.subarray(at[i] as number, end));
}

/** Where each frame of a sequence ends on the wire. */
function frameEnds(frames: readonly Buffer[]): number[] {
  let sum = 0;
  return frames.map((f) => {
    sum += f.length;
    return sum;
  });
}

function isFramingError(err: unknown, code: number): boolean {
  return err instanceof FramingError && err.code === code;
}

const message = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 4 },
  { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 },
  { arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 5000 }), weight: 1 },
);
const cuts = fc.array(fc.nat(), { maxLength: 30 });

describe('framing', () => {
  it('framing - frame and writePrefix write flag 0 and the big-endian length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (m) => {
        const f = frame(m);
        assert.equal(f.length, m.length + PREFIX_BYTES);
        assert.equal(f[0], 0);
        assert.equal(f.readUInt32BE(1), m.length);
        assert.deepEqual(f.subarray(PREFIX_BYTES), Buffer.from(m));
      }),
      { numRuns: 200 },
    );
    const buf = Buffer.alloc(7, 0xff);
    writePrefix(buf, 1, 0x01020304);
    assert.deepEqual([...buf], [0xff, 0, 1, 2, 3, 4, 0xff]);
  });

  it('framing - messages cut into any chunks (1-byte ones too) are delivered exactly, in order, once complete', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 20 }),
        cuts,
        fc.boolean(),
        fc.nat(10),
        (messages, cutAt, oneByte, slack) => {
          const frames = messages.map(frame);
          const ends = frameEnds(frames);
          // The limit is inclusive: the largest message may be exactly maxBytes.
          const maxBytes = Math.max(0, ...messages.map((m) => m.length)) + slack;
          const { deframer, got } = collect(maxBytes);
          let pushed = 0;
          for (const chunk of chunked(Buffer.concat(frames), cutAt, oneByte)) {
            deframer.push(chunk);
            pushed += chunk.length;
            // Every message complete so far is out; the rest is held.
            const complete = ends.filter((end) => end <= pushed).length;
            assert.equal(got.length, complete, `after ${pushed} bytes`);
            assert.equal(
              deframer.pending,
              pushed - (complete > 0 ? (ends[complete - 1] as number) : 0),
            );
          }
          assert.equal(deframer.pending, 0);
          assert.deepEqual(
            got,
            messages.map((m) => Buffer.from(m)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('framing - compressed messages (gzip, deflate) among plain ones are inflated, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(message, fc.boolean()), { maxLength: 8 }),
        fc.constantFrom('gzip' as const, 'deflate' as const),
        cuts,
        fc.boolean(),
        (messages, encoding, cutAt, oneByte) => {
          const frames = messages.map(([m, compressed]) =>
            compressed ? compressedFrame(m, encoding) : frame(m),
          );
          const { deframer, got } = collect(5000, encoding);
          for (const chunk of chunked(Buffer.concat(frames), cutAt, oneByte)) deframer.push(chunk);
          assert.equal(deframer.pending, 0);
          assert.deepEqual(
            got,
            messages.map(([m]) => Buffer.from(m)),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('framing - a prefix over maxBytes or with a flag over 1 throws as soon as its 5 bytes arrive', () => {
    const bad = fc.oneof(
      fc
        .tuple(fc.constantFrom(0, 1), fc.integer({ min: 1, max: 2 ** 32 - 1 - 1000 }))
        .map(([flag, over]) => ({ flag, over, code: RESOURCE_EXHAUSTED })),
      fc
        .tuple(fc.integer({ min: 2, max: 255 }), fc.integer({ min: 0, max: 1000 }))
        .map(([flag, over]) => ({ flag, over: over - 1000, code: INTERNAL })),
    );
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 5 }),
        bad,
        fc.uint8Array({ maxLength: 50 }),
        cuts,
        fc.boolean(),
        (before, { flag, over, code }, body, cutAt, oneByte) => {
          const maxBytes = 1000;
          const length = maxBytes + over; // > maxBytes, or any length for a bad flag
          const good = before.map(frame);
          const badEnd = frameEnds(good).at(-1) ?? 0;
          const wire = Buffer.concat([...good, prefix(flag, Math.max(0, length)), body]);
          const { deframer, got } = collect(maxBytes, 'gzip');
          let pushed = 0;
          let threw: unknown;
          for (const chunk of chunked(wire, cutAt, oneByte)) {
            try {
              deframer.push(chunk);
            } catch (err) {
              threw = err;
            }
            pushed += chunk.length;
            if (threw !== undefined) break;
            assert.ok(
              pushed < badEnd + PREFIX_BYTES,
              `no error with the prefix in (${pushed} bytes)`,
            );
          }
          assert.ok(isFramingError(threw, code), `${String(threw)}, expected code ${code}`);
          assert.ok(pushed >= badEnd + PREFIX_BYTES, 'not before the prefix is complete');
          assert.deepEqual(
            got,
            before.map((m) => Buffer.from(m)),
            'the messages before it',
          );
          assert.equal(deframer.pending, 0, 'holds nothing after the error');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('framing - a length over maxBytes is refused on its prefix, before any of its body', () => {
    const { deframer, got } = collect(1024);
    const pre = prefix(0, 1025);
    for (let i = 0; i < PREFIX_BYTES - 1; i++) deframer.push(pre.subarray(i, i + 1));
    assert.equal(deframer.pending, PREFIX_BYTES - 1);
    assert.throws(
      () => deframer.push(pre.subarray(PREFIX_BYTES - 1)),
      (err) =>
        isFramingError(err, RESOURCE_EXHAUSTED) && /1025 vs\. 1024/.test((err as Error).message),
    );
    assert.equal(got.length, 0);
    assert.equal(deframer.pending, 0);
    // 2^32 - 1: the largest a prefix can claim.
    assert.throws(
      () => collect(2 ** 31).deframer.push(prefix(0, 2 ** 32 - 1)),
      (err) => isFramingError(err, RESOURCE_EXHAUSTED),
    );
  });

  it('framing - a 100 MB message in 16 KiB chunks is delivered once, joined once (linear time)', () => {
    const size = 100 * 2 ** 20;
    const wire = Buffer.allocUnsafe(PREFIX_BYTES + size);
    writePrefix(wire, 0, size);
    const pattern = Buffer.from(Array.from({ length: 251 }, (_, i) => i));
    wire.fill(pattern, PREFIX_BYTES);
    const delivered: [Buffer, number, number][] = [];
    const deframer = new Deframer(200 * 2 ** 20, (buf, start, end) => {
      delivered.push([buf, start, end]);
    });
    // Count what Buffer.concat joins: once per chunk would be quadratic (~320 GB copied).
    const concat = Buffer.concat;
    let joins = 0;
    let joined = 0;
    Buffer.concat = (list: readonly Uint8Array[], totalLength?: number) => {
      joins++;
      const out = concat(list, totalLength);
      joined += out.length;
      return out;
    };
    const t0 = performance.now();
    try {
      const step = 16 * 1024;
      for (let at = 0; at < wire.length; at += step) {
        deframer.push(wire.subarray(at, at + step));
        if (at + step < wire.length) assert.equal(delivered.length, 0);
        // Fail here rather than hang on a quadratic join.
        if (performance.now() - t0 > 5000) assert.fail(`still at byte ${at} after 5 s`);
      }
    } finally {
      Buffer.concat = concat;
    }
    const ms = performance.now() - t0;
    assert.equal(delivered.length, 1);
    const [buf, start, end] = delivered[0] as [Buffer, number, number];
    assert.equal(end - start, size);
    assert.ok(buf.subarray(start, end).equals(wire.subarray(PREFIX_BYTES)), 'the same bytes');
    assert.equal(deframer.pending, 0);
    assert.ok(joins <= 2, `${joins} joins`);
    assert.ok(joined <= 2 * (size + PREFIX_BYTES), `${joined} bytes joined`);
    assert.ok(ms < 5000, `took ${Math.round(ms)} ms`);
  });

  it('framing - a message cut by a chunk boundary is joined from the bytes it lacks, not the whole next chunk', () => {
    const count = 1000;
    const size = 1000;
    const wire = Buffer.concat(
      Array.from({ length: count }, (_, i) => frame(Buffer.alloc(size, i % 251))),
    );
    const delivered: Buffer[] = [];
    const deframer = new Deframer(2 ** 20, (buf, start, end) => {
      delivered.push(Buffer.from(buf.subarray(start, end)));
    });
    const concat = Buffer.concat;
    let joined = 0;
    Buffer.concat = (list: readonly Uint8Array[], totalLength?: number) => {
      const out = concat(list, totalLength);
      joined += out.length;
      return out;
    };
    const step = 4096;
    let chunks = 0;
    try {
      for (let at = 0; at < wire.length; at += step, chunks++)
        deframer.push(wire.subarray(at, at + step));
    } finally {
      Buffer.concat = concat;
    }
    assert.equal(delivered.length, count);
    for (const [i, m] of delivered.entries())
      assert.ok(m.equals(Buffer.alloc(size, i % 251)), `message ${i}`);
    assert.equal(deframer.pending, 0);
    // At most one message (with its prefix) joined per boundary; joining the
    // next chunk whole would be about 5 times that.
    assert.ok(
      joined <= chunks * (size + PREFIX_BYTES),
      `${joined} bytes joined over ${chunks} chunks`,
    );
  });

  it('framing - empty chunks while a message is held hold nothing more', () => {
    const delivered: number[] = [];
    const deframer = new Deframer(2 ** 20, (_buf, start, end) => {
      delivered.push(end - start);
    });
    const wire = frame(Buffer.alloc(100, 1));
    deframer.push(wire.subarray(0, 50));
    for (let i = 0; i < 10_000; i++) deframer.push(Buffer.alloc(0));
    const held = (deframer as unknown as { chunks: Buffer[] }).chunks;
    assert.equal(held.length, 1, 'only the first part is held');
    deframer.push(wire.subarray(50));
    assert.deepEqual(delivered, [100]);
    assert.equal(deframer.pending, 0);
  });

  it('framing - a gzip or deflate bomb past maxBytes is refused (RESOURCE_EXHAUSTED), within bounds accepted', () => {
    const zeros = Buffer.alloc(50 * 2 ** 20);
    const max = 2 ** 20;
    for (const encoding of ['gzip', 'deflate'] as const) {
      const bomb = compressedFrame(zeros, encoding);
      assert.ok(bomb.length < max, 'the compressed bytes are within the limit');
      const { deframer, got } = collect(max, encoding);
      const t0 = performance.now();
      assert.throws(
        () => deframer.push(bomb),
        (err) => isFramingError(err, RESOURCE_EXHAUSTED),
      );
      assert.ok(performance.now() - t0 < 2000, 'stops inflating at the limit');
      assert.equal(got.length, 0);
      assert.equal(deframer.pending, 0);

      // The limit is inclusive once inflated too.
      const exact = collect(max, encoding);
      exact.deframer.push(compressedFrame(zeros.subarray(0, max), encoding));
      assert.equal(exact.got[0]?.length, max);
      assert.throws(
        () =>
          collect(max, encoding).deframer.push(
            compressedFrame(zeros.subarray(0, max + 1), encoding),
          ),
        (err) => isFramingError(err, RESOURCE_EXHAUSTED),
      );
    }
  });

  it('framing - a compressed message without a usable encoding, or not inflatable, is INTERNAL', () => {
    const gz = compressedFrame(Buffer.from('hello'), 'gzip');
    for (const encoding of [undefined, 'identity', 'snappy', 'GZIP', '']) {
      assert.throws(
        () => collect(1000, encoding).deframer.push(gz),
        (err) => isFramingError(err, INTERNAL),
        `encoding ${String(encoding)}`,
      );
    }
    // The wrong one of the two, an empty body, a cut body.
    assert.throws(
      () => collect(1000, 'deflate').deframer.push(gz),
      (err) => isFramingError(err, INTERNAL),
    );
    assert.throws(
      () => collect(1000, 'gzip').deframer.push(prefix(1, 0)),
      (err) => isFramingError(err, INTERNAL),
    );
    const cut = gz.subarray(PREFIX_BYTES, gz.length - 4);
    assert.throws(
      () => collect(1000, 'gzip').deframer.push(Buffer.concat([prefix(1, cut.length), cut])),
      (err) => isFramingError(err, INTERNAL),
    );
  });

  it('framing - an error thrown by onMessage comes out of push as it is, and nothing is held', () => {
    const boom = new Error('boom');
    let calls = 0;
    const deframer = new Deframer(100, () => {
      calls++;
      if (calls === 2) throw boom;
    });
    const wire = Buffer.concat([
      frame(Buffer.from('a')),
      frame(Buffer.from('b')),
      frame(Buffer.from('c')),
    ]);
    // The first message and part of the third arrive with the second.
    deframer.push(wire.subarray(0, 3));
    assert.throws(
      () => deframer.push(wire.subarray(3, wire.length - 2)),
      (err) => err === boom,
    );
    assert.equal(calls, 2);
    assert.equal(deframer.pending, 0);
  });

  it('framing - random chunks end in messages or a FramingError, never another error', () => {
    // Frames with any flag and any length, right or wrong, compressed bodies sometimes.
    const rawFrame = fc.oneof(
      message.map((m) => frame(m)),
      message.map((m) => compressedFrame(m, 'gzip')),
      message.map((m) => compressedFrame(m, 'deflate')),
      fc
        .tuple(
          fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 255 })),
          fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
          fc.uint8Array({ maxLength: 600 }),
        )
        .map(([flag, length, body]) => Buffer.concat([prefix(flag, length), body])),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    );
    const outcomes = { clean: 0, framing: 0 };
    fc.assert(
      fc.property(
        fc.array(rawFrame, { maxLength: 8 }),
        cuts,
        fc.boolean(),
        fc.constantFrom(undefined, 'gzip', 'deflate', 'identity'),
        fc.integer({ min: 0, max: 6000 }),
        (frames, cutAt, oneByte, encoding, maxBytes) => {
          const { deframer } = collect(maxBytes, encoding);
          for (const chunk of chunked(Buffer.concat(frames), cutAt, oneByte)) {
            try {
              deframer.push(chunk);
            } catch (err) {
              assert.ok(
                err instanceof FramingError &&
                  (err.code === INTERNAL || err.code === RESOURCE_EXHAUSTED),
                `not a FramingError: ${String(err)}`,
              );
              assert.equal(deframer.pending, 0);
              outcomes.framing++;
              return;
            }
          }
          outcomes.clean++;
        },
      ),
      { numRuns: 500 },
    );
    assert.ok(outcomes.framing > 50 && outcomes.clean > 50, JSON.stringify(outcomes));
  });
});

describe('grpc-message decoding', () => {
  /** Code points of the Basic Multilingual Plane, lone surrogates aside. */
  const bmp = fc
    .integer({ min: 0, max: 0xffff })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCharCode(c));

  it('grpc-message decoding - any string percent-encoded decodes back to itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (s) => {
        assert.equal(decodeGrpcMessage(encodeURIComponent(s)), s);
      }),
      { numRuns: 1000 },
    );
  });

  it('grpc-message decoding - broken escapes never throw; good ones around them are decoded', () => {
    assert.equal(decodeGrpcMessage('%zz'), '%zz');
    assert.equal(decodeGrpcMessage('%'), '%');
    assert.equal(decodeGrpcMessage('%%'), '%%');
    assert.equal(decodeGrpcMessage('%E0%A4%A4'), '\u0924');
    assert.equal(decodeGrpcMessage('%E0%A4%A'), '\ufffd%A');
    assert.equal(decodeGrpcMessage('no such stream%20%zz'), 'no such stream %zz');
    const pieces = fc.oneof(
      fc.constantFrom('%', '%%', '%z', '%zz', '%2', '%20', '%E0', '%A4', '%FF', '%C3%A9', 'A', 'f'),
      fc.string({ unit: 'binary', maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const raw = parts.join('');
        let out: unknown;
        assert.doesNotThrow(() => {
          out = decodeGrpcMessage(raw);
        });
        assert.equal(typeof out, 'string');
        if (!raw.includes('%')) assert.equal(out, raw);
      }),
      { numRuns: 1000 },
    );
  });

  it('grpc-message decoding - text beside a broken escape is kept as it came', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: bmp, maxLength: 30 }).filter((s) => !s.includes('%')),
        fc.constantFrom('%', '%zz', '%z', '%2'),
        (text, broken) => {
          assert.equal(decodeGrpcMessage(text + broken), text + broken);
          // In front, '%' and '%2' could become whole escapes with the text's first characters.
          if (broken.includes('z')) assert.equal(decodeGrpcMessage(broken + text), broken + text);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('grpc-message decoding - text beside a broken escape is kept, astral characters too', () => {
    assert.equal(decodeGrpcMessage('🚀%zz'), '🚀%zz');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 10 }), (text) => {
        const raw = `${text.replaceAll('%', '')}%zz`;
        assert.equal(decodeGrpcMessage(raw), raw);
      }),
      { numRuns: 200 },
    );
  });
});
