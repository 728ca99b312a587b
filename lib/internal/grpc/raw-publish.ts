/**
 * PublishAsync over node:http2 directly: gRPC framing (a 5-byte prefix per
 * message) written by hand, acks parsed from the DATA frames. grpc-js costs
 * several times more CPU per message on this path (its call stack, not
 * HTTP/2), and publishing is bound by the client's CPU, so the hot path
 * skips it. Every other call still goes through grpc-js.
 */
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import { isIP } from 'node:net';
import { status } from '@grpc/grpc-js';
import { type DecodedPublishResponse, decodePublishResponse } from './publish-codec.js';

/** What the publisher needs of a PublishAsync call (the grpc-js duplex has it too). */
export interface PublishDuplex {
  /** Writes one encoded request; false when the caller should wait for 'drain'. */
  write(encoded: Buffer): boolean;
  cancel(): void;
  on(event: 'data', listener: (res: DecodedPublishResponse) => void): this;
  on(event: 'drain' | 'end', listener: () => void): this;
  on(event: 'error', listener: (err: unknown) => void): this;
}

/** PEM contents for a TLS session. */
export interface SessionTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

const PATH = '/proto.API/PublishAsync';

/** A gRPC status as grpc-js reports it (what fromGrpcError reads). */
function grpcError(code: number, details: string): Error & { code: number; details: string } {
  return Object.assign(new Error(`${code} ${status[code] ?? ''}: ${details}`), { code, details });
}

/** Opens an HTTP/2 session to `address` (`host:port`), TLS when `tls` is given. */
export function openSession(
  address: string,
  tls: SessionTls | undefined,
): http2.ClientHttp2Session {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  // SNI takes host names only (an IP there is deprecated); the certificate is
  // still checked against the address.
  const session = tls
    ? http2.connect(`https://${address}`, {
        ...tls,
        ALPNProtocols: ['h2'],
        servername: isIP(host) ? '' : host,
      })
    : http2.connect(`http://${address}`);
  // Errors reach the streams as 'close' without trailers; an unhandled
  // session 'error' event must not crash the process.
  session.on('error', () => {});
  return session;
}

/**
 * One PublishAsync call on its own HTTP/2 session (one connection per
 * publish stream, closed with it: an idle connection never keeps the
 * process alive).
 */
export class RawPublishStream extends EventEmitter implements PublishDuplex {
  private readonly request: http2.ClientHttp2Stream;
  private pending: Buffer | undefined;
  private ended = false;

  constructor(private readonly session: http2.ClientHttp2Session) {
    super();
    this.request = session.request(
      {
        ':method': 'POST',
        ':path': PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': 'liftbridge-rx',
      },
      { endStream: false },
    );
    const req = this.request;
    req.on('response', (headers) => this.onHeaders(headers));
    req.on('trailers', (trailers) => this.onHeaders(trailers));
    req.on('data', (chunk: Buffer) => this.onData(chunk));
    req.on('drain', () => this.emit('drain'));
    req.on('error', (err: Error) =>
      this.finish(grpcError(status.UNAVAILABLE, `PublishAsync stream: ${err.message}`)),
    );
    req.on('close', () =>
      this.finish(grpcError(status.UNAVAILABLE, 'PublishAsync stream closed without a status')),
    );
  }

  write(framed: Buffer): boolean {
    if (this.ended) return true;
    return this.request.write(framed);
  }

  cancel(): void {
    this.ended = true;
    this.release();
  }

  private release(): void {
    if (!this.request.closed) this.request.close(http2.constants.NGHTTP2_CANCEL);
    if (!this.session.destroyed) this.session.destroy();
  }

  /** Response headers or trailers: a grpc-status there ends the call. */
  private onHeaders(headers: http2.IncomingHttpHeaders): void {
    const httpStatus = headers[':status'];
    if (httpStatus !== undefined && Number(httpStatus) !== 200) {
      this.finish(grpcError(status.UNAVAILABLE, `HTTP status ${httpStatus}`));
      return;
    }
    const code = headers['grpc-status'];
    if (code === undefined) return;
    const message = headers['grpc-message'];
    const details = typeof message === 'string' ? decodeURIComponent(message) : '';
    this.finish(Number(code) === status.OK ? undefined : grpcError(Number(code), details));
  }

  /** Splits DATA into gRPC messages (a chunk may hold several, or part of one). */
  private onData(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= 5) {
      const length = buf.readUInt32BE(at + 1);
      if (buf.length - at - 5 < length) break;
      const message = buf.subarray(at + 5, at + 5 + length);
      at += 5 + length;
      if (this.ended) continue;
      this.emit('data', decodePublishResponse(message));
    }
    buf = buf.subarray(at);
    this.pending = buf.length > 0 ? Buffer.from(buf) : undefined;
  }

  private finish(err: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (err) this.emit('error', err);
    else this.emit('end');
    this.release();
  }
}
