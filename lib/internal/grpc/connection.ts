/**
 * Everything that talks to one broker: a grpc-js channel for unary calls
 * (and for the streaming ones with transport 'grpc-js'), and HTTP/2
 * sessions for the streaming calls (raw-call.ts). Every RPC's path, and the
 * unary calls' serializers, come from proto-loader's service definition
 * (service.ts); the streaming calls keep the hand-written codecs. Unary and server-streaming
 * calls are cold Observables whose teardown cancels the call; the
 * PublishAsync duplex is handed out raw to the publisher, which owns its
 * lifecycle.
 */
import type http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { asyncScheduler, Observable, type SchedulerLike } from 'rxjs';
import { ErrorCode, LiftbridgeError } from '../../errors.js';
import type { ApiMethods } from './api-types.generated.js';
import { frame } from './framing.js';
import { grpcJs } from './load.js';
import { type DecodedMessage, MessageDecoder } from './message-codec.js';
import {
  type DecodedPublishResponse,
  decodePublishResponse,
  emptyPublishResponse,
} from './publish-codec.js';
import { openSession, RawCall, type SessionTls } from './raw-call.js';
import { apiMethod } from './service.js';
import { type CallPhase, fromGrpcError } from './status.js';

type UnaryName = {
  [K in keyof ApiMethods]: ApiMethods[K]['responseStream'] extends false
    ? ApiMethods[K]['requestStream'] extends false
      ? K
      : never
    : never;
}[keyof ApiMethods];

export interface CallOptions {
  /** Milliseconds until the call fails with a timeout; default the connection's requestTimeout. */
  timeoutMs?: number | undefined;
}

export interface ConnectionSettings {
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
  /** 'http2': PublishAsync and Subscribe over node:http2 (see raw-call.ts), with TLS when given. */
  transport: 'http2' | 'grpc-js';
  http2Tls: SessionTls | undefined;
  /** The largest message a streaming call on 'http2' accepts (after inflating). */
  maxReceiveBytes: number;
  /** Deadline of a unary call that names none (ms). */
  requestTimeout: number;
}

/** What the publisher needs of a PublishAsync call. */
export interface PublishDuplex {
  /** Writes one encoded request, or a part of one; false when the caller should wait for 'drain'. */
  write(encoded: Uint8Array): boolean;
  cancel(): void;
  /**
   * Where decoded responses go (one listener, called synchronously per
   * response). The response object may be reused for the next one: read
   * it during the call, keep only what it holds (its ack, its error).
   */
  onResponse(listener: (res: DecodedPublishResponse) => void): void;
  on(event: 'drain' | 'end', listener: () => void): this;
  on(event: 'error', listener: (err: unknown) => void): this;
  /**
   * Whether the broker at the other end still answers (an HTTP/2 PING
   * within `timeoutMs`), for a stream that has been silent: slow acks, or a
   * frozen broker? `done` runs once; false when it cannot tell.
   */
  probe(timeoutMs: number, done: (alive: boolean) => void): void;
}

/** PublishAsync on a connection of its own (closed with the call: never keeps the process alive). */
class Http2Publish implements PublishDuplex {
  private readonly call: RawCall;
  private readonly session: http2.ClientHttp2Session;

  constructor(
    address: string,
    tls: SessionTls | undefined,
    maxReceiveBytes: number,
    private readonly idle: SchedulerLike,
  ) {
    const session = openSession(address, tls);
    this.session = session;
    this.call = new RawCall(session, apiMethod('PublishAsync').path, maxReceiveBytes, () =>
      session.destroy(),
    );
  }

  /** 'drain', 'end' and 'error' are the call's own events. */
  on(event: 'drain' | 'end' | 'error', listener: (err: unknown) => void): this {
    this.call.on(event, listener);
    return this;
  }

  onResponse(listener: (res: DecodedPublishResponse) => void): void {
    const res = emptyPublishResponse(); // one per stream, refilled per response
    this.call.onMessage = (buf, start, end) =>
      listener(decodePublishResponse(buf, start, end, res));
  }

  write(framed: Uint8Array): boolean {
    return this.call.write(framed);
  }

  cancel(): void {
    this.call.cancel();
  }

  probe(timeoutMs: number, done: (alive: boolean) => void): void {
    const session = this.session;
    let settled = false;
    const settle = (alive: boolean) => {
      if (settled) return;
      settled = true;
      timer.unsubscribe();
      done(alive);
    };
    const timer = this.idle.schedule(() => settle(false), timeoutMs);
    if (session.destroyed || session.closed) {
      settle(false);
      return;
    }
    try {
      if (!session.ping((err) => settle(err === null))) settle(false);
    } catch {
      settle(false);
    }
  }
}

/** PublishAsync as a grpc-js duplex call (transport 'grpc-js'), requests and responses through the publish codec. */
class GrpcJsPublish implements PublishDuplex {
  private readonly call: grpc.ClientDuplexStream<Buffer, DecodedPublishResponse>;

  constructor(client: grpc.Client) {
    this.call = client.makeBidiStreamRequest(
      apiMethod('PublishAsync').path,
      (encoded: Buffer) => encoded,
      (buf: Buffer) => decodePublishResponse(buf),
      new (grpcJs().Metadata)(),
      {},
    );
  }

  /** 'drain', 'end' and 'error' are the call's own events. */
  on(event: 'drain' | 'end' | 'error', listener: (err: unknown) => void): this {
    this.call.on(event, listener);
    return this;
  }

  onResponse(listener: (res: DecodedPublishResponse) => void): void {
    this.call.on('data', listener);
  }

  write(encoded: Uint8Array): boolean {
    const buf = Buffer.isBuffer(encoded)
      ? encoded
      : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    return this.call.write(buf);
  }

  cancel(): void {
    this.call.cancel();
  }

  /** grpc-js offers no PING of its own: a silent stream counts as broken. */
  probe(_timeoutMs: number, done: (alive: boolean) => void): void {
    done(false);
  }
}

/**
 * The largest message a call accepts: the send limit plus room for what the
 * server adds to a stored message (offset, timestamps, stream, subject), so
 * whatever this client may publish it may also read back.
 */
export function receiveLimit(maxMessageBytes: number): number {
  return maxMessageBytes + 64 * 1024;
}

/** grpc-js takes a deadline as a point in time: `now` is the connection's clock. */
function deadline(timeoutMs: number | undefined, now: number): grpc.CallOptions {
  return timeoutMs === undefined ? {} : { deadline: now + timeoutMs };
}

export class BrokerConnection {
  private readonly client: grpc.Client;
  /** The HTTP/2 connection Subscribe calls share (transport 'http2'), referenced while calls run. */
  /** The shared Subscribe session, with the number of calls running on it. */
  private session: { http2: http2.ClientHttp2Session; calls: number } | undefined;

  /**
   * @param scheduler - times connection attempts.
   * @param idle - times what must never keep the process alive (a silent
   *   publish stream's ping); give one with unref'd timers in real time.
   */
  constructor(
    readonly address: string,
    private readonly settings: ConnectionSettings,
    private readonly scheduler: SchedulerLike = asyncScheduler,
    private readonly idle: SchedulerLike = scheduler,
  ) {
    this.client = new (grpcJs().Client)(address, settings.credentials, settings.channelOptions);
  }

  /**
   * Emits once the channel is connected (at once when it already is); fails
   * with UNAVAILABLE when the broker refuses or the connection attempt fails,
   * TIMEOUT after `timeoutMs`. Lets callers skip a dead broker fast, and
   * never write a request into a call that has no connection yet.
   */
  ready(timeoutMs: number): Observable<void> {
    return new Observable<void>((subscriber) => {
      const channel = this.client.getChannel();
      let done = false;
      const fail = (code: ErrorCode, why: string) => {
        done = true;
        subscriber.error(new LiftbridgeError(code, `${this.address}: ${why}`));
      };
      const timer = this.scheduler.schedule(
        () => fail(ErrorCode.Timeout, `not connected within ${timeoutMs} ms`),
        timeoutMs,
      );
      const { connectivityState } = grpcJs();
      const check = (): void => {
        if (done) return;
        const state = channel.getConnectivityState(true);
        if (state === connectivityState.READY) {
          done = true;
          timer.unsubscribe();
          subscriber.next();
          subscriber.complete();
          return;
        }
        if (state === connectivityState.SHUTDOWN) {
          timer.unsubscribe();
          fail(ErrorCode.Closed, 'channel closed');
          return;
        }
        // A failure after (or instead of) a connection attempt: the broker is down.
        if (state === connectivityState.TRANSIENT_FAILURE) {
          timer.unsubscribe();
          fail(ErrorCode.Unavailable, 'connection failed (broker down or unreachable)');
          return;
        }
        // No deadline here (grpc-js would keep a timer we cannot cancel): the
        // timer above bounds the wait, and a late callback is ignored.
        channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, () => check());
      };
      check();
      return () => {
        done = true;
        timer.unsubscribe();
      };
    });
  }

  /** A unary RPC as a cold Observable of its one response. */
  unary<M extends UnaryName>(
    method: M,
    request: ApiMethods[M]['request'],
    options: CallOptions = {},
  ): Observable<ApiMethods[M]['response']> {
    const def = apiMethod(method);
    return new Observable<ApiMethods[M]['response']>((subscriber) => {
      const call = this.client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        new (grpcJs().Metadata)(),
        deadline(options.timeoutMs ?? this.settings.requestTimeout, this.scheduler.now()),
        (err, response) => {
          if (err) subscriber.error(fromGrpcError(err, 'unary', `${method} at ${this.address}`));
          else {
            subscriber.next(response as ApiMethods[M]['response']);
            subscriber.complete();
          }
        },
      );
      return () => call.cancel();
    });
  }

  /**
   * Subscribe as a cold Observable of raw decoded messages, handshake
   * included. `phase()` tells the error mapper whether the handshake came.
   * While `paused` says true, the call's response is not read (HTTP/2 flow
   * control then stops the server); false reads it again.
   */
  subscribe(
    request: ApiMethods['Subscribe']['request'],
    phase: () => CallPhase,
    paused?: Observable<boolean>,
  ): Observable<DecodedMessage> {
    if (this.settings.transport === 'http2') return this.subscribeHttp2(request, phase, paused);
    const def = apiMethod('Subscribe');
    return new Observable<DecodedMessage>((subscriber) => {
      const decoder = new MessageDecoder();
      const call = this.client.makeServerStreamRequest(
        def.path,
        def.requestSerialize,
        (buf: Buffer) => decoder.decode(buf),
        request,
        new (grpcJs().Metadata)(),
        {},
      );
      let done = false;
      call.on('data', (msg: DecodedMessage) => subscriber.next(msg));
      call.on('error', (err: unknown) => {
        done = true;
        subscriber.error(fromGrpcError(err, phase(), `Subscribe at ${this.address}`));
      });
      call.on('end', () => {
        done = true;
        subscriber.complete();
      });
      const gate = paused?.subscribe((p) => {
        if (done) return;
        if (p) call.pause();
        else call.resume();
      });
      return () => {
        gate?.unsubscribe();
        if (!done) call.cancel();
      };
    });
  }

  /**
   * A new PublishAsync duplex call; the caller cancels it. Requests go in
   * already encoded (with their gRPC prefix on 'http2') and responses come out
   * decoded by the hand-written publish codec (the hot path).
   */
  publishAsync(): PublishDuplex {
    if (this.settings.transport === 'http2')
      return new Http2Publish(
        this.address,
        this.settings.http2Tls,
        this.settings.maxReceiveBytes,
        this.idle,
      );
    return new GrpcJsPublish(this.client);
  }

  private subscribeHttp2(
    request: ApiMethods['Subscribe']['request'],
    phase: () => CallPhase,
    paused: Observable<boolean> | undefined,
  ): Observable<DecodedMessage> {
    const def = apiMethod('Subscribe');
    return new Observable<DecodedMessage>((subscriber) => {
      const decoder = new MessageDecoder();
      // Counted per session: calls still running on a replaced session must
      // not touch the new one's count.
      const shared = this.sharedSession();
      const session = shared.http2;
      shared.calls += 1;
      session.ref();
      const call = new RawCall(session, def.path, this.settings.maxReceiveBytes, () => {
        shared.calls -= 1;
        if (shared.calls === 0 && !session.destroyed) session.unref();
      });
      // Decoded in place from the network chunk (key and value are copied out);
      // a WireFormatError thrown here ends the call (RawCall catches it).
      call.onMessage = (buf, start, end) => subscriber.next(decoder.decode(buf, start, end));
      call.on('end', () => subscriber.complete());
      call.on('error', (err: unknown) =>
        subscriber.error(fromGrpcError(err, phase(), `Subscribe at ${this.address}`)),
      );
      call.write(frame(def.requestSerialize(request)));
      call.end();
      const gate = paused?.subscribe((p) => (p ? call.pause() : call.resume()));
      return () => {
        gate?.unsubscribe();
        call.cancel();
      };
    });
  }

  private sharedSession(): { http2: http2.ClientHttp2Session; calls: number } {
    const current = this.session;
    if (current && !current.http2.closed && !current.http2.destroyed) return current;
    const session = openSession(this.address, this.settings.http2Tls);
    session.unref();
    const shared = { http2: session, calls: 0 };
    session.on('close', () => {
      if (this.session === shared) this.session = undefined;
    });
    this.session = shared;
    return shared;
  }

  close(): void {
    this.client.close();
    this.session?.http2.destroy();
  }
}
