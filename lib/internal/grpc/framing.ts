/**
 * gRPC message framing (the "Length-Prefixed-Message" of the gRPC HTTP/2
 * protocol): a 1-byte compressed flag, a 4-byte big-endian length, the
 * message. The one place that writes the 5-byte prefix, and the deframer
 * that splits received DATA back into messages, bounded:
 * - a message longer than the receive limit is refused on its prefix,
 *   before a byte of it is buffered;
 * - a message split over many chunks is collected and copied once (O(total));
 * - a compressed message is inflated (gzip or deflate, as named by the
 *   call's `grpc-encoding`) to at most the receive limit;
 * - anything else (an unknown flag, a compressed message with no encoding)
 *   is a {@link FramingError}.
 */
import { gunzipSync, inflateSync } from 'node:zlib';

/** Bytes in front of every gRPC message. */
export const PREFIX_BYTES = 5;

/** gRPC status codes the framing reports (as grpc-js reports the same failures). */
export const FRAMING_STATUS = { INTERNAL: 13, RESOURCE_EXHAUSTED: 8 } as const;

/** Received bytes that break gRPC framing; `code` is the gRPC status to end the call with. */
export class FramingError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'FramingError';
  }
}

/** Writes the prefix of an uncompressed message of `length` bytes at `at` of `buf`. */
export function writePrefix(buf: Buffer, at: number, length: number): void {
  buf[at] = 0;
  buf.writeUInt32BE(length, at + 1);
}

/** Prefixes an encoded message for the wire. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(message.byteLength + PREFIX_BYTES);
  writePrefix(out, 0, message.byteLength);
  out.set(message, PREFIX_BYTES);
  return out;
}

function tooLarge(size: string, max: number): FramingError {
  return new FramingError(
    FRAMING_STATUS.RESOURCE_EXHAUSTED,
    `Received message larger than max (${size} vs. ${max} bytes); raise maxMessageBytes to accept it`,
  );
}

/** Splits received DATA into messages; `onMessage` gets each one as its place in a buffer. */
export class Deframer {
  /** The call's `grpc-encoding` (from its response headers), for compressed messages. */
  encoding: string | undefined;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the held chunks must reach before they are worth joining. */
  private need = PREFIX_BYTES;

  constructor(
    private readonly maxBytes: number,
    private readonly onMessage: (buf: Buffer, start: number, end: number) => void,
  ) {}

  /** Bytes held of a message not yet complete (a call that ends with some is broken). */
  get pending(): number {
    return this.buffered;
  }

  /**
   * Takes one chunk of DATA; delivers every message it completes, in order.
   * Throws a FramingError (or whatever onMessage throws) and then holds
   * nothing: the caller ends the call.
   */
  push(chunk: Buffer): void {
    try {
      let at = 0;
      // Complete what is held with only the bytes it lacks (not the whole
      // chunk: joining those would copy every byte a second time).
      while (this.buffered > 0) {
        const take = Math.min(this.need - this.buffered, chunk.length - at);
        if (take === 0) return; // an empty chunk, or this one used up
        this.chunks.push(chunk.subarray(at, at + take));
        this.buffered += take;
        at += take;
        if (this.buffered < this.need) return;
        const held = Buffer.concat(this.chunks, this.buffered);
        this.chunks = [];
        this.buffered = 0;
        // A whole message, or a prefix that is held again with its length known.
        this.split(held);
      }
      if (at < chunk.length) this.split(at === 0 ? chunk : chunk.subarray(at));
    } catch (err) {
      this.chunks = [];
      this.buffered = 0;
      throw err;
    }
  }

  private split(buf: Buffer): void {
    let at = 0;
    while (buf.length - at >= PREFIX_BYTES) {
      const flag = buf[at] as number;
      const length = buf.readUInt32BE(at + 1);
      if (flag > 1) {
        throw new FramingError(FRAMING_STATUS.INTERNAL, `unknown gRPC message flag ${flag}`);
      }
      if (length > this.maxBytes) throw tooLarge(String(length), this.maxBytes);
      const start = at + PREFIX_BYTES;
      if (buf.length - start < length) break;
      at = start + length;
      if (flag === 0) this.onMessage(buf, start, at);
      else {
        const inflated = this.inflate(buf.subarray(start, at));
        this.onMessage(inflated, 0, inflated.length);
      }
    }
    if (at === buf.length) return;
    // Hold the rest: a copy when it shares a chunk with delivered messages
    // (which it would otherwise keep alive), else the chunk itself.
    const rest = at === 0 ? buf : Buffer.from(buf.subarray(at));
    this.chunks = [rest];
    this.buffered = rest.length;
    this.need = rest.length >= PREFIX_BYTES ? PREFIX_BYTES + rest.readUInt32BE(1) : PREFIX_BYTES;
  }

  private inflate(compressed: Buffer): Buffer {
    const encoding = this.encoding;
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      throw new FramingError(
        FRAMING_STATUS.INTERNAL,
        `compressed message with grpc-encoding ${encoding === undefined ? '(none)' : `"${encoding}"`}`,
      );
    }
    try {
      const options = { maxOutputLength: Math.max(1, this.maxBytes) };
      return encoding === 'gzip'
        ? gunzipSync(compressed, options)
        : inflateSync(compressed, options);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw tooLarge('more once inflated', this.maxBytes);
      }
      throw new FramingError(
        FRAMING_STATUS.INTERNAL,
        `could not ${encoding === 'gzip' ? 'gunzip' : 'inflate'} a message: ${(err as Error).message}`,
      );
    }
  }
}

/**
 * A `grpc-message` trailer: percent-decoded where it is well formed, the
 * rest kept as it came (a broken escape must not throw: URIError).
 */
export function decodeGrpcMessage(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    const bytes: number[] = [];
    let i = 0;
    while (i < raw.length) {
      const hex = raw.charCodeAt(i) === 0x25 ? raw.slice(i + 1, i + 3) : '';
      if (hex.length === 2 && /^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 3;
        continue;
      }
      // One code point (a surrogate pair stays whole).
      const point = raw.codePointAt(i) as number;
      const ch = String.fromCodePoint(point);
      for (const b of Buffer.from(ch)) bytes.push(b);
      i += ch.length;
    }
    return Buffer.from(bytes).toString('utf8');
  }
}
