/**
 * Message value compression, byte-compatible with Gufo Liftbridge: `zlib` is
 * the zlib container (as Python's `zlib.compress` writes it; the deflate
 * bytes can differ between zlib builds, each side reads the other's), `lzma` the xz container
 * (Python's `lzma.compress`: preset 6, CRC-64 check). The method travels in a
 * header (`X-Msg-Encoding` by default); subscribers decompress transparently.
 *
 * zlib comes with Node and runs synchronously. lzma uses liblzma through the
 * optional peer dependency `lzma-native` (the library Python's lzma module
 * wraps, so the bytes are identical), loaded on first use; it is asynchronous.
 */
import { deflateSync, inflateSync } from 'node:zlib';
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

interface LzmaNative {
  compress(input: Uint8Array, options: { preset: number; check: number }): Promise<Buffer>;
  decompress(input: Uint8Array): Promise<Buffer>;
}

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

/** zlib, synchronously; a typed error on bad bytes. */
export function decompressSync(value: Uint8Array): Uint8Array {
  try {
    return inflateSync(value);
  } catch (err) {
    throw new LiftbridgeError(ErrorCode.DecompressionFailed, 'cannot decompress a zlib value', {
      cause: err,
    });
  }
}

/** Compresses `value` with `method`. */
export async function compress(value: Uint8Array, method: CompressionMethod): Promise<Uint8Array> {
  if (method === 'zlib') return compressSync(value);
  const lzma = await loadLzma();
  return lzma.compress(value, { preset: 6, check: XZ_CHECK_CRC64 });
}

/** Decompresses `value` with `method`; DECOMPRESSION_FAILED on bad bytes. */
export async function decompress(
  value: Uint8Array,
  method: CompressionMethod,
): Promise<Uint8Array> {
  if (method === 'zlib') return decompressSync(value);
  const lzma = await loadLzma();
  try {
    return await lzma.decompress(value);
  } catch (err) {
    throw new LiftbridgeError(ErrorCode.DecompressionFailed, 'cannot decompress an lzma value', {
      cause: err,
    });
  }
}
