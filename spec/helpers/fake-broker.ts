/**
 * A scriptable fake Liftbridge broker on node:http2, for wire-level specs:
 * what a real server never sends (malformed protobuf, broken framing,
 * compressed frames, odd trailers, RST_STREAM, GOAWAY, silence) on the
 * streaming calls, while the unary calls the client needs (FetchMetadata)
 * are answered correctly. Listens on 127.0.0.1, port 0, only.
 *
 * Subscribe and PublishAsync streams are handed to per-test scripts
 * ({@link FakeBrokerOptions}) as {@link FakeCall}s; the broker records each
 * Subscribe call (its decoded request) and each PublishRequest received.
 */

import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type {
  FetchMetadataRequest__Decoded,
  FetchMetadataResponse,
  PublishRequest__Decoded,
  SubscribeRequest__Decoded,
} from '../../lib/internal/grpc/api-types.generated.js';
import { codec, fromInt64, toInt64 } from '../../lib/internal/grpc/codec.js';

const { constants } = http2;

/** gRPC status codes the fake broker sends. */
export const GRPC = { OK: 0, UNKNOWN: 2, INVALID_ARGUMENT: 3, INTERNAL: 13, UNIMPLEMENTED: 12 };

/** The Subscribe handshake: an empty Message, as a gRPC message (5 bytes). */
export const HANDSHAKE: Buffer = Buffer.from([0, 0, 0, 0, 0]);

/** A gRPC message: the 1-byte compressed flag, the 4-byte length, the bytes. */
export function grpcFrame(message: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + message.byteLength);
  out[0] = flag;
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, 5);
  return out;
}

/** A gzip-compressed gRPC message (flag 1); needs `grpc-encoding: gzip` on the response. */
export function gzipFrame(message: Uint8Array): Buffer {
  return grpcFrame(gzipSync(message), 1);
}

/** A varint's bytes (unsigned, up to 2^53). */
export function varint(n: number): Buffer {
  const out: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

/** A length-delimited field (wire type 2) by hand: key, length, bytes. */
export function lenField(field: number, bytes: Uint8Array | string): Buffer {
  const body = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
  return Buffer.concat([varint(field * 8 + 2), varint(body.length), body]);
}

/** A group field (wire types 3 and 4, long deprecated) around `inner` fields. */
export function groupField(field: number, inner: Uint8Array): Buffer {
  return Buffer.concat([varint(field * 8 + 3), inner, varint(field * 8 + 4)]);
}

/** Fields of a Message, as protobufjs encodes them. */
export interface MessageFields {
  offset: bigint;
  value?: string | Uint8Array;
  key?: string | Uint8Array;
  stream?: string;
  partition?: number;
  timestamp?: bigint;
  headers?: Record<string, Uint8Array>;
}

const bytesOf = (v: string | Uint8Array | undefined) =>
  v === undefined ? undefined : typeof v === 'string' ? Buffer.from(v) : v;

/** A Message's protobuf bytes (no gRPC prefix). */
export function encodeMessage(m: MessageFields): Buffer {
  return codec<object, never>('Message').serialize({
    offset: toInt64(m.offset),
    value: bytesOf(m.value),
    key: bytesOf(m.key),
    stream: m.stream,
    partition: m.partition,
    timestamp: m.timestamp === undefined ? undefined : toInt64(m.timestamp),
    headers: m.headers,
  });
}

/** Fields of an Ack. */
export interface AckFields {
  stream: string;
  offset: bigint;
  correlationId: string;
  partitionSubject?: string;
  ackError?: number;
}

/** An Ack's protobuf bytes (to nest by hand, e.g. with unknown fields appended). */
export function encodeAck(a: AckFields): Buffer {
  return codec<object, never>('Ack').serialize({
    stream: a.stream,
    offset: toInt64(a.offset),
    correlationId: a.correlationId,
    partitionSubject: a.partitionSubject ?? a.stream,
    ackError: a.ackError,
  });
}

/** A PublishResponse acking `a` (correlation id at the top level too, as the server sends). */
export function encodeAckResponse(a: AckFields): Buffer {
  return codec<object, never>('PublishResponse').serialize({
    ack: {
      stream: a.stream,
      offset: toInt64(a.offset),
      correlationId: a.correlationId,
      partitionSubject: a.partitionSubject ?? a.stream,
      ackError: a.ackError,
    },
    correlationId: a.correlationId,
  });
}

/** A Subscribe call as the broker received it. */
export interface SubscribeRecord {
  request: SubscribeRequest__Decoded;
  /** startPosition (wire enum: 0 NEW_ONLY, 1 OFFSET, 2 EARLIEST, 3 LATEST, 4 TIMESTAMP). */
  startPosition: number;
  startOffset: bigint;
}

/** A PublishRequest as the broker received it, with the PublishAsync call it came on. */
export interface PublishRecord {
  request: PublishRequest__Decoded;
  correlationId: string;
  /** Index of the PublishAsync call (0: the first one this broker saw). */
  callIndex: number;
}

/**
 * One streaming call, server side. Methods are no-ops once the stream is
 * gone (the client may have cancelled it): a script never throws for that.
 */
export class FakeCall {
  private responded = false;
  private trailers: http2.OutgoingHttpHeaders = { 'grpc-status': String(GRPC.OK) };
  /** Resolves once the stream is closed (by either side). */
  readonly closed: Promise<void>;

  constructor(
    readonly stream: http2.ServerHttp2Stream,
    /** 0-based index of this call among the broker's calls of the same method. */
    readonly index: number,
  ) {
    this.closed = new Promise((resolve) => stream.once('close', () => resolve()));
  }

  /** Whether the stream can still be written to. */
  get open(): boolean {
    return !this.stream.destroyed && !this.stream.closed && this.stream.writable;
  }

  /** Sends the response headers (once; `extra` e.g. `{ 'grpc-encoding': 'gzip' }`). */
  respond(extra: http2.OutgoingHttpHeaders = {}): void {
    if (this.responded || !this.open) return;
    this.responded = true;
    this.stream.once('wantTrailers', () => {
      try {
        this.stream.sendTrailers(this.trailers);
      } catch {
        // the stream went away meanwhile
      }
    });
    this.stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', ...extra },
      { waitForTrailers: true },
    );
  }

  /** Raw bytes into the DATA stream (the response headers first, if not sent yet). */
  write(bytes: Uint8Array): void {
    this.respond();
    if (this.open) this.stream.write(bytes);
  }

  /** The handshake (an empty Message). */
  handshake(): void {
    this.write(HANDSHAKE);
  }

  /** One uncompressed gRPC message carrying `bytes`. */
  send(bytes: Uint8Array): void {
    this.write(grpcFrame(bytes));
  }

  /** Ends the call with trailers (`grpc-status`, and `grpc-message` as given: raw, not encoded). */
  end(status: number = GRPC.OK, message?: string, extra: http2.OutgoingHttpHeaders = {}): void {
    this.respond();
    if (!this.open) return;
    this.trailers = { 'grpc-status': String(status), ...extra };
    if (message !== undefined) this.trailers['grpc-message'] = message;
    this.stream.end();
  }

  /** A trailers-only response: the status in the one HEADERS frame, no DATA. */
  endTrailersOnly(status: number, message?: string): void {
    if (this.responded || !this.open) return;
    this.responded = true;
    const headers: http2.OutgoingHttpHeaders = {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': String(status),
    };
    if (message !== undefined) headers['grpc-message'] = message;
    this.stream.respond(headers, { endStream: true });
  }

  /** RST_STREAM with `code` (default INTERNAL_ERROR). */
  rst(code: number = constants.NGHTTP2_INTERNAL_ERROR): void {
    if (!this.stream.destroyed && !this.stream.closed) this.stream.close(code);
  }

  /**
   * GOAWAY on the whole session this call runs on. `lastStreamId` 0 means
   * (to node:http2) the last stream the session processed: the calls in
   * flight stay valid, the client just opens no new ones on it.
   */
  goaway(code: number = constants.NGHTTP2_NO_ERROR, lastStreamId = 0): void {
    const session = this.stream.session;
    if (session && !session.destroyed && !session.closed) session.goaway(code, lastStreamId);
  }

  /** Drops the whole connection this call runs on (no status, no GOAWAY first). */
  disconnect(): void {
    const session = this.stream.session;
    if (session && !session.destroyed) session.destroy();
  }
}

/** A Subscribe call, with the request it carried. */
export interface SubscribeCall extends FakeCall {
  readonly record: SubscribeRecord;
}

/** Streams the fake broker's metadata lists (every one with one partition per leader entry). */
export interface FakeStream {
  name: string;
  partitions?: number;
}

export interface FakeBrokerOptions {
  /** Streams in metadata, each partition led by this broker (default: one stream 'wire'). */
  streams?: FakeStream[];
  /**
   * Script of each Subscribe call (after its request was read). Default:
   * the handshake, then silence.
   */
  subscribe?: (call: SubscribeCall) => void | Promise<void>;
  /** Runs once per PublishAsync call, when it opens. */
  publishOpened?: (call: FakeCall) => void;
  /**
   * Script of each PublishRequest received (default: an ack at the next
   * offset of that partition).
   */
  publish?: (record: PublishRecord, call: FakeCall, broker: FakeBroker) => void | Promise<void>;
  /**
   * Script of any other unary call (CreateStream, DeleteStream, ...), by
   * method name, once its request was read; `index` counts that method's
   * calls. Default: UNIMPLEMENTED.
   */
  unary?: (method: string, call: FakeCall, broker: FakeBroker) => void | Promise<void>;
}

/** Broker id in metadata. */
export const BROKER_ID = 'fake-1';

/** A running fake broker; {@link startFakeBroker} makes one. */
export class FakeBroker {
  readonly subscribes: SubscribeRecord[] = [];
  readonly publishes: PublishRecord[] = [];
  /** PublishAsync calls opened. */
  publishCalls = 0;
  /** FetchMetadata calls answered. */
  metadataCalls = 0;
  /** Errors a script threw (a spec asserts there are none). */
  readonly scriptErrors: unknown[] = [];
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly offsets = new Map<string, bigint>();
  private readonly streams: FakeStream[];
  /** Calls of each other unary method. */
  readonly unaryCalls = new Map<string, number>();

  constructor(
    private readonly server: http2.Http2Server,
    readonly port: number,
    private readonly options: FakeBrokerOptions,
  ) {
    this.streams = [...(options.streams ?? [{ name: 'wire' }])];
    server.on('session', (session) => {
      this.sessions.add(session);
      session.on('error', () => {});
      session.on('close', () => this.sessions.delete(session));
    });
    server.on('stream', (stream, headers) => this.onStream(stream, headers));
  }

  /** `127.0.0.1:port`, as the client's seed. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private run(work: () => void | Promise<void>): void {
    try {
      const done = work();
      if (done) done.catch((err: unknown) => this.scriptErrors.push(err));
    } catch (err) {
      this.scriptErrors.push(err);
    }
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => {});
    const path = String(headers[':path']);
    if (path === '/proto.API/Subscribe') this.onSubscribe(stream);
    else if (path === '/proto.API/PublishAsync') this.onPublishAsync(stream);
    else if (path === '/proto.API/FetchMetadata') this.onFetchMetadata(stream);
    else if (this.options.unary && path.startsWith('/proto.API/')) this.onUnary(stream, path);
    else new FakeCall(stream, 0).endTrailersOnly(GRPC.UNIMPLEMENTED, `unknown method ${path}`);
  }

  /** Lists one more stream in metadata (as if it had been created). */
  addStream(stream: FakeStream): void {
    this.streams.push(stream);
  }

  private onUnary(stream: http2.ServerHttp2Stream, path: string): void {
    const method = path.slice('/proto.API/'.length);
    this.readRequest(stream, () => {
      const index = this.unaryCalls.get(method) ?? 0;
      this.unaryCalls.set(method, index + 1);
      const script = this.options.unary;
      if (script) this.run(() => script(method, new FakeCall(stream, index), this));
    });
  }

  /** Collects a unary (or server-streaming) call's one request, then hands over its bytes. */
  private readRequest(stream: http2.ServerHttp2Stream, then: (message: Buffer) => void): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.length < 5) {
        new FakeCall(stream, 0).endTrailersOnly(GRPC.INTERNAL, 'no request message');
        return;
      }
      then(body.subarray(5, 5 + body.readUInt32BE(1)));
    });
  }

  private onFetchMetadata(stream: http2.ServerHttp2Stream): void {
    this.readRequest(stream, (bytes) => {
      this.metadataCalls += 1;
      const request = codec<never, FetchMetadataRequest__Decoded>(
        'FetchMetadataRequest',
      ).deserialize(bytes);
      const call = new FakeCall(stream, this.metadataCalls - 1);
      call.send(
        codec<FetchMetadataResponse, never>('FetchMetadataResponse').serialize(
          this.metadata(request.streams),
        ),
      );
      call.end(GRPC.OK);
    });
  }

  /** Metadata: this broker, and every configured stream with each partition led by it. */
  metadata(requested: readonly string[]): FetchMetadataResponse {
    const known = new Map(this.streams.map((s) => [s.name, s]));
    const names = requested.length > 0 ? requested : [...known.keys()];
    return {
      brokers: [
        {
          id: BROKER_ID,
          host: '127.0.0.1',
          port: this.port,
          partitionCount: this.streams.length,
          leaderCount: this.streams.length,
        },
      ],
      streamMetadata: names.map((name) => {
        const s = known.get(name);
        if (!s) return { name, error: 1 };
        const partitions: Record<number, object> = {};
        for (let id = 0; id < (s.partitions ?? 1); id++) {
          partitions[id] = { id, leader: BROKER_ID, replicas: [BROKER_ID], isr: [BROKER_ID] };
        }
        return { name, subject: name, error: 0, partitions, creationTimestamp: toInt64(1n) };
      }),
    };
  }

  private onSubscribe(stream: http2.ServerHttp2Stream): void {
    this.readRequest(stream, (bytes) => {
      const request = codec<never, SubscribeRequest__Decoded>('SubscribeRequest').deserialize(
        bytes,
      );
      const record: SubscribeRecord = {
        request,
        startPosition: request.startPosition,
        startOffset: fromInt64(request.startOffset),
      };
      this.subscribes.push(record);
      const call = Object.assign(new FakeCall(stream, this.subscribes.length - 1), { record });
      const script = this.options.subscribe ?? ((c: SubscribeCall) => c.handshake());
      this.run(() => script(call));
    });
  }

  private onPublishAsync(stream: http2.ServerHttp2Stream): void {
    const call = new FakeCall(stream, this.publishCalls);
    this.publishCalls += 1;
    const opened = this.options.publishOpened;
    if (opened) this.run(() => opened(call));
    let held: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      while (held.length >= 5 && held.length >= 5 + held.readUInt32BE(1)) {
        const end = 5 + held.readUInt32BE(1);
        const bytes = held.subarray(5, end);
        held = held.subarray(end);
        const request = codec<never, PublishRequest__Decoded>('PublishRequest').deserialize(bytes);
        const record = { request, correlationId: request.correlationId, callIndex: call.index };
        this.publishes.push(record);
        const script =
          this.options.publish ??
          ((r: PublishRecord, c: FakeCall) => {
            this.ack(r, c);
          });
        this.run(() => script(record, call, this));
      }
    });
  }

  /** Acks `record` on `call` at the next offset of its partition; returns that offset. */
  ack(record: PublishRecord, call: FakeCall): bigint {
    const { stream, partition } = record.request;
    const key = `${stream}/${partition}`;
    const offset = this.offsets.get(key) ?? 0n;
    this.offsets.set(key, offset + 1n);
    call.send(encodeAckResponse({ stream, offset, correlationId: record.correlationId }));
    return offset;
  }

  /** Destroys every session and stops listening. */
  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts a fake broker on 127.0.0.1, port 0. */
export async function startFakeBroker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const server = http2.createServer();
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return new FakeBroker(server, port, options);
}
