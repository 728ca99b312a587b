/**
 * Message value compression, byte-compatible with Gufo Liftbridge: `zlib` is
 * the zlib container (as Python's `zlib.compress` writes it; the deflate
 * bytes can differ between zlib builds, each side reads the other's), `lzma` the xz container
 * (Python's `lzma.compress`: preset 6, CRC-64 check). The method travels in a
 * header (`X-Msg-Encoding` by default); subscribers decompress transparently.
 *
 * zlib comes with Node. lzma uses liblzma through the optional peer
 * dependency `lzma-native` (the library Python's lzma module wraps, so the
 * bytes are identical), loaded on first use; it is asynchronous.
 *
 * Decompression is bounded: it stops once the output passes a cap (a
 * subscriber's `maxDecompressedBytes`), so a small value that would inflate
 * to gigabytes never gets the chance. Small zlib values inflate
 * synchronously (at most {@link SYNC_INFLATE_MAX_BYTES} in, so a few
 * milliseconds at worst); larger ones on the thread pool; lzma values are fed
 * to liblzma in small pieces, each decoded off the main thread.
 */
import { constants as bufferConstants } from 'node:buffer';
import { deflateSync, inflate, inflateSync } from 'node:zlib';
import { ErrorCode, LiftbridgeError } from './errors.js';

/**
 * Supported compression methods, `['zlib', 'lzma']`: the values of the
 * {@link ClientOptions.compression} option.
 *
 * @example
 * ```ts
 * const method = 'lzma';
 * if (COMPRESSION_METHODS.includes(method)) console.log(`${method} is supported`);
 * ```
 */
export const COMPRESSION_METHODS = ['zlib', 'lzma'] as const;
/**
 * One of {@link COMPRESSION_METHODS}: `'zlib'` (the zlib container, as
 * Python's `zlib.compress` writes it; synchronous) or `'lzma'` (the xz
 * container, as Python's `lzma.compress` writes it; needs the optional
 * dependency `lzma-native`).
 *
 * @example
 * ```ts
 * const compression: CompressionMethod = 'lzma';
 * await using client = new LiftbridgeClient(BROKERS, { compression });
 * await lastValueFrom(client.publish('a large value', { stream: 'orders', compress: true }));
 * ```
 */
export type CompressionMethod = (typeof COMPRESSION_METHODS)[number];

/** The decompressor stream of lzma-native (a Transform; `cleanup` ends liblzma's work). */
interface LzmaDecompressor {
  write(chunk: Uint8Array, callback: (err?: Error | null) => void): boolean;
  end(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  cleanup(): void;
  destroy(): void;
}

interface LzmaNative {
  compress(input: Uint8Array, options: { preset: number; check: number }): Promise<Buffer>;
  createDecompressor(): LzmaDecompressor;
}

/**
 * zlib values up to this many bytes (compressed) inflate synchronously:
 * deflate expands at most about 1032:1, so at most ~8 MiB of output, a few
 * milliseconds. Larger values inflate on the thread pool.
 */
export const SYNC_INFLATE_MAX_BYTES = 8 * 1024;

/**
 * lzma values are handed to liblzma this many bytes at a time, each piece
 * decoded off the main thread, and the next piece only once the output so
 * far is within the cap: what one piece can add is bounded (xz of zeros
 * expands about 7000:1, so some 7 MiB), never the whole bomb.
 */
export const LZMA_PIECE_BYTES = 1024;

/** The xz format's check id for CRC-64 (what Python's lzma.compress writes). */
const XZ_CHECK_CRC64 = 4;

let lzmaLoading: Promise<LzmaNative> | undefined;

function loadLzma(): Promise<LzmaNative> {
  // A variable specifier: lzma-native is optional and has no bundled types.
  const specifier = 'lzma-native';
  lzmaLoading ??= import(specifier).then(
    (mod: { default?: LzmaNative } & Partial<LzmaNative>) => (mod.default ?? mod) as LzmaNative,
    (err: unknown) => {
      lzmaLoading = undefined;
      throw new LiftbridgeError(
        ErrorCode.InvalidArgument,
        'compression "lzma" needs the optional dependency lzma-native: npm install lzma-native',
        { cause: err },
      );
    },
  );
  return lzmaLoading;
}

/** True when `method` names a supported compression method. */
export function isCompressionMethod(method: string): method is CompressionMethod {
  return (COMPRESSION_METHODS as readonly string[]).includes(method);
}

/** True when values of `method` can be (de)compressed synchronously. */
export function isSynchronous(method: CompressionMethod): boolean {
  return method === 'zlib';
}

/** zlib, synchronously. */
export function compressSync(value: Uint8Array): Uint8Array {
  return deflateSync(value);
}

/** zlib's output limit for a cap (node:zlib takes at most buffer.constants.MAX_LENGTH). */
function outputLimit(maxBytes: number): number {
  return Math.min(maxBytes, bufferConstants.MAX_LENGTH);
}

function overCap(method: CompressionMethod, maxBytes: number, cause?: unknown): LiftbridgeError {
  return new LiftbridgeError(
    ErrorCode.DecompressionFailed,
    `a ${method} value decompresses to more than ${maxBytes} bytes (maxDecompressedBytes)`,
    cause === undefined ? undefined : { cause },
  );
}

function zlibFailure(err: unknown, maxBytes: number): LiftbridgeError {
  if ((err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
    return overCap('zlib', maxBytes, err);
  }
  return new LiftbridgeError(ErrorCode.DecompressionFailed, 'cannot decompress a zlib value', {
    cause: err,
  });
}

/**
 * True when `value` (compressed with `method`) is decompressed synchronously
 * by {@link decompress}: zlib values up to {@link SYNC_INFLATE_MAX_BYTES}.
 */
export function decompressesSynchronously(method: CompressionMethod, value: Uint8Array): boolean {
  return method === 'zlib' && value.byteLength <= SYNC_INFLATE_MAX_BYTES;
}

/**
 * zlib, synchronously, at most `maxBytes` of output; DECOMPRESSION_FAILED on
 * bad bytes or past the cap. Blocks for as long as inflating takes: callers
 * keep it to small values (see {@link decompressesSynchronously}).
 */
export function decompressSync(value: Uint8Array, maxBytes = Number.POSITIVE_INFINITY): Uint8Array {
  try {
    return inflateSync(value, { maxOutputLength: outputLimit(maxBytes) });
  } catch (err) {
    throw zlibFailure(err, maxBytes);
  }
}

function inflateAsync(value: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    inflate(value, { maxOutputLength: outputLimit(maxBytes) }, (err, out) => {
      if (err) reject(zlibFailure(err, maxBytes));
      else resolve(out);
    });
  });
}

/**
 * Streams `value` through liblzma a piece at a time; once the output passes
 * `maxBytes` it stops feeding, ends liblzma's work and rejects.
 */
function inflateLzma(lzma: LzmaNative, value: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const decoder = lzma.createDecompressor();
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (err: LiftbridgeError) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      // Waits (on liblzma's lock) for the piece in flight, then frees the decoder.
      decoder.cleanup();
      decoder.destroy();
      reject(err);
    };
    decoder.on('data', (chunk) => {
      if (settled) return;
      total += chunk.byteLength;
      if (total > maxBytes) fail(overCap('lzma', maxBytes));
      else chunks.push(chunk);
    });
    decoder.on('error', (err) =>
      fail(
        new LiftbridgeError(ErrorCode.DecompressionFailed, 'cannot decompress an lzma value', {
          cause: err,
        }),
      ),
    );
    decoder.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
    let at = 0;
    const feed = (err?: Error | null): void => {
      if (settled || err) return;
      if (at >= value.byteLength) {
        decoder.end();
        return;
      }
      const piece = value.subarray(at, at + LZMA_PIECE_BYTES);
      at += piece.byteLength;
      decoder.write(piece, feed);
    };
    feed();
  });
}

/** Compresses `value` with `method`. */
export async function compress(value: Uint8Array, method: CompressionMethod): Promise<Uint8Array> {
  if (method === 'zlib') return compressSync(value);
  const lzma = await loadLzma();
  return lzma.compress(value, { preset: 6, check: XZ_CHECK_CRC64 });
}

/**
 * Decompresses `value` with `method`, producing at most `maxBytes`
 * (default: no cap); DECOMPRESSION_FAILED on bad bytes and once the output
 * passes the cap (decompression stops there: the whole output is never
 * allocated). Small zlib values inflate synchronously, larger ones on the
 * thread pool; lzma streams through liblzma a piece at a time.
 */
export async function decompress(
  value: Uint8Array,
  method: CompressionMethod,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<Uint8Array> {
  if (method === 'zlib') {
    return decompressesSynchronously(method, value)
      ? decompressSync(value, maxBytes)
      : inflateAsync(value, maxBytes);
  }
  return inflateLzma(await loadLzma(), value, maxBytes);
}
