/**
 * Message value compression, byte-compatible with Gufo Liftbridge: `zlib` is
 * the zlib container (Python's `zlib.compress`), `lzma` the xz container
 * (Python's `lzma.compress`). The method travels in a header
 * (`X-Msg-Encoding` by default) and subscribers decompress transparently.
 *
 * zlib comes with Node; lzma needs the optional peer dependency
 * `@napi-rs/lzma`, loaded on first use.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { ErrorCode, LiftbridgeError } from './errors.js';

/** Supported compression methods. */
export const COMPRESSION_METHODS = ['zlib', 'lzma'] as const;
/** One of {@link COMPRESSION_METHODS}. */
export type CompressionMethod = (typeof COMPRESSION_METHODS)[number];

interface Codec {
  compress(value: Uint8Array): Uint8Array;
  decompress(value: Uint8Array): Uint8Array;
}

const zlibCodec: Codec = {
  compress: (value) => deflateSync(value),
  decompress: (value) => inflateSync(value),
};

interface XzModule {
  compressSync(input: Uint8Array): Buffer;
  decompressSync(input: Uint8Array): Buffer;
}

let lzmaCodec: Codec | undefined;
let lzmaLoading: Promise<Codec> | undefined;
let lzmaMissing = false;

function loadLzma(): Promise<Codec> {
  lzmaLoading ??= import('@napi-rs/lzma/xz').then(
    (mod: XzModule | { default: XzModule }) => {
      const xz = 'compressSync' in mod ? mod : mod.default;
      lzmaCodec = {
        compress: (value) => xz.compressSync(value),
        decompress: (value) => xz.decompressSync(value),
      };
      return lzmaCodec;
    },
    (err: unknown) => {
      lzmaLoading = undefined;
      lzmaMissing = true;
      throw new LiftbridgeError(
        ErrorCode.InvalidArgument,
        'compression "lzma" needs the optional dependency @napi-rs/lzma: npm install @napi-rs/lzma',
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

/**
 * Starts loading the lzma codec if it may be needed and is not settled yet;
 * resolves when it is loaded or known to be missing. Never rejects.
 */
export function warmLzma(): Promise<void> | undefined {
  if (lzmaCodec || lzmaMissing) return undefined;
  return loadLzma().then(
    () => undefined,
    () => undefined,
  );
}

/** Makes the codec of `method` available synchronously (loads lzma once). */
export async function prepareCompression(method: CompressionMethod): Promise<void> {
  if (method === 'lzma' && !lzmaCodec) await loadLzma();
}

function codecOf(method: CompressionMethod): Codec {
  if (method === 'zlib') return zlibCodec;
  if (!lzmaCodec) throw new Error('lzma codec used before prepareCompression("lzma")');
  return lzmaCodec;
}

/** Compresses `value` (after {@link prepareCompression}). */
export function compress(value: Uint8Array, method: CompressionMethod): Uint8Array {
  return codecOf(method).compress(value);
}

/** Decompresses `value` (after {@link prepareCompression}); a typed error on bad bytes. */
export function decompress(value: Uint8Array, method: CompressionMethod): Uint8Array {
  try {
    return codecOf(method).decompress(value);
  } catch (err) {
    throw new LiftbridgeError(
      ErrorCode.DecompressionFailed,
      `cannot decompress a ${method} value`,
      { cause: err },
    );
  }
}
