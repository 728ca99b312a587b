/**
 * gRPC streaming calls over node:http2 directly: the 5-byte message prefix
 * written by hand, messages split out of the DATA frames, the status read
 * from the trailers. grpc-js spends several times more CPU per message than
 * HTTP/2 itself does (its filter stack, a promise and copies per message),
 * and the streaming calls (PublishAsync, Subscribe) are bound by the
 * client's CPU, so they skip it. Unary calls stay on grpc-js.
 */
import { EventEmitter } from 'node:events';
import type http2 from 'node:http2';
import { isIP } from 'node:net';
import { status, statusName } from './codes.js';
import { Deframer, decodeGrpcMessage, FramingError } from './framing.js';
import { nodeHttp2 } from './load.js';
import { WireFormatError } from './proto-reader.js';

/** PEM contents for a TLS session. */
export interface SessionTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Receive window per stream and per connection (as grpc-node.flow_control_window). */
const WINDOW = 1024 * 1024;

/** Bytes a call buffers before its writer is told to wait for 'drain'. */
const WRITE_BUFFER = 1024 * 1024;

/** A gRPC status as grpc-js reports it (what fromGrpcError reads). */
function grpcError(
  code: number,
  details: string,
  cause?: unknown,
): Error & { code: number; details: string } {
  const err = new Error(`${code} ${statusName(code)}: ${details}`, { cause });
  return Object.assign(err, { code, details });
}

/** A grpc-status header's value as a status code (UNKNOWN when it is not one). */
function statusCode(value: string | string[] | undefined): number {
  const text = Array.isArray(value) ? value[0] : value;
  const code = Number(text);
  return text !== undefined && /^\d{1,2}$/.test(text) && code <= 16 ? code : status.UNKNOWN;
}

/**
 * What a failure while reading a message ends the call with: the framing's
 * own status, INTERNAL "malformed" for bytes that are not the expected
 * protobuf (grpc/status.ts classifies both), INTERNAL for anything else.
 */
function readError(path: string, err: unknown): Error {
  if (err instanceof FramingError) return grpcError(err.code, `${path}: ${err.message}`, err);
  if (err instanceof WireFormatError) {
    return grpcError(status.INTERNAL, `${path}: malformed message: ${err.message}`, err);
  }
  const why = err instanceof Error ? err.message : String(err);
  return grpcError(status.INTERNAL, `${path}: failed to handle a message: ${why}`, err);
}

/** Opens an HTTP/2 session to `address` (`host:port`), TLS when `tls` is given. */
export function openSession(
  address: string,
  tls: SessionTls | undefined,
): http2.ClientHttp2Session {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const settings = { initialWindowSize: WINDOW };
  // SNI takes host names only (an IP there is deprecated); the certificate is
  // still checked against the address.
  const session = tls
    ? nodeHttp2().connect(`https://${address}`, {
        ...tls,
        settings,
        ALPNProtocols: ['h2'],
        servername: isIP(host) ? '' : host,
      })
    : nodeHttp2().connect(`http://${address}`, { settings });
  // A session destroyed before its 'connect' event ran (a call cancelled, or
  // a publish with AckPolicy NONE, and the client closed at once) must not
  // throw from here.
  session.once('connect', () => {
    if (!session.destroyed) session.setLocalWindowSize(WINDOW);
  });
  // Errors reach the calls as 'close' without a status; an unhandled
  // session 'error' event must not crash the process.
  session.on('error', () => {});
  return session;
}

/**
 * One call. Events: 'message' (Buffer, one gRPC message), 'drain', then
 * exactly one of 'end' (status OK) or 'error' (a grpc-js-shaped error).
 */
export class RawCall extends EventEmitter {
  private readonly request: http2.ClientHttp2Stream;
  private readonly deframer: Deframer;
  private ended = false;
  /**
   * Set: each message goes here, as its place in a chunk (valid during the
   * call only), instead of as a 'message' event (the publish hot path).
   * Whatever it throws (a WireFormatError from a decoder) ends the call
   * with an error; it never reaches the event loop.
   */
  onMessage: ((buf: Buffer, start: number, end: number) => void) | undefined;

  /**
   * `release` runs once the call is over (closes a session it owns, or
   * unrefs a shared one); a received message over `maxReceiveBytes` ends
   * the call with RESOURCE_EXHAUSTED.
   */
  constructor(
    session: http2.ClientHttp2Session,
    private readonly path: string,
    maxReceiveBytes: number,
    private readonly release: () => void = () => {},
  ) {
    super();
    this.deframer = new Deframer(maxReceiveBytes, (buf, start, end) => {
      if (this.ended) return;
      if (this.onMessage) this.onMessage(buf, start, end);
      else this.emit('message', buf.subarray(start, end));
    });
    this.request = session.request(
      {
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': 'liftbridge-rx',
      },
      { endStream: false },
    );
    const req = this.request;
    req.on('response', (headers) => this.onHeaders(headers));
    req.on('trailers', (trailers) => {
      // Trailers arrive as soon as the server sends them, also while the
      // call is paused with messages still unread: the status waits for
      // them (the stream ends once they are read).
      if (req.readableFlowing === false || req.readableLength > 0) {
        req.once('end', () => this.onHeaders(trailers));
      } else this.onHeaders(trailers);
    });
    req.on('data', (chunk: Buffer) => this.onData(chunk));
    req.on('drain', () => this.emit('drain'));
    req.on('error', (err: Error) =>
      this.finish(grpcError(status.UNAVAILABLE, `${path}: ${err.message}`)),
    );
    req.on('close', () =>
      this.finish(grpcError(status.UNAVAILABLE, `${path}: closed without a status`)),
    );
  }

  /**
   * Writes a message carrying its 5-byte prefix (or the rest of one);
   * false: wait for 'drain'. The stream's own high-water mark (16 KiB) would
   * say "wait" after every large message, costing an event-loop turn each,
   * so writes go on until WRITE_BUFFER bytes wait (the data only references
   * the caller's buffers); 'drain' comes once they are all handed to HTTP/2.
   */
  write(framed: Uint8Array): boolean {
    if (this.ended) return true;
    this.request.write(framed);
    return this.request.writableLength < WRITE_BUFFER;
  }

  /** Half-closes: no more messages from this side. */
  end(): void {
    if (!this.ended) this.request.end();
  }

  /**
   * Stops reading the response: HTTP/2 flow control then stops the server
   * once the stream's receive window (WINDOW) is full. Messages of a chunk
   * already read still arrive.
   */
  pause(): void {
    if (!this.ended) this.request.pause();
  }

  /** Reads the response again after {@link pause}. */
  resume(): void {
    if (!this.ended) this.request.resume();
  }

  cancel(): void {
    if (this.ended) return;
    this.ended = true;
    this.close();
  }

  private close(): void {
    if (!this.request.closed) this.request.close(nodeHttp2().constants.NGHTTP2_CANCEL);
    this.release();
  }

  /**
   * Response headers or trailers: a grpc-status there ends the call (an OK
   * one with part of a message still held is an error: the message is lost).
   */
  private onHeaders(headers: http2.IncomingHttpHeaders): void {
    if (this.ended) return;
    const httpStatus = headers[':status'];
    if (httpStatus !== undefined && Number(httpStatus) !== 200) {
      this.finish(grpcError(status.UNAVAILABLE, `${this.path}: HTTP status ${httpStatus}`));
      return;
    }
    const encoding = headers['grpc-encoding'];
    if (typeof encoding === 'string') this.deframer.encoding = encoding.trim().toLowerCase();
    if (headers['grpc-status'] === undefined) return;
    const code = statusCode(headers['grpc-status']);
    const message = headers['grpc-message'];
    const details = typeof message === 'string' ? decodeGrpcMessage(message) : '';
    const held = this.deframer.pending;
    if (code === status.OK && held > 0) {
      this.finish(
        grpcError(
          status.INTERNAL,
          `${this.path}: call ended inside a message (${held} bytes held)`,
        ),
      );
      return;
    }
    this.finish(code === status.OK ? undefined : grpcError(code, details));
  }

  /** Splits DATA into messages (a chunk may hold several, or part of one). */
  private onData(chunk: Buffer): void {
    if (this.ended) return;
    try {
      this.deframer.push(chunk);
    } catch (err) {
      this.finish(readError(this.path, err));
    }
  }

  private finish(err: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (err) this.emit('error', err);
    else this.emit('end');
    this.close();
  }
}
