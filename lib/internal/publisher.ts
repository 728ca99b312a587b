/**
 * The client's one long-lived PublishAsync stream, shared by every publish
 * and publishBulk: opened on first use against any broker, re-opened after
 * it breaks, cancelled on close. Responses are matched to requests by
 * correlation id, never by order.
 *
 * Writes go through one FIFO queue, in send order: a request that is still
 * being compressed (lzma is asynchronous) holds back the ones after it, so
 * messages reach a partition in the order they were sent, and nothing is
 * written while the stream's buffer is full (write() returned false) until
 * it drains.
 *
 * The hot path is callback-based (no Observable, no timer per request):
 * requests are encoded by hand (publish-codec), ack deadlines share one
 * timer (Deadlines). publish() wraps send() for single messages.
 *
 * A request whose stream breaks before its ack fails with a retriable
 * UNAVAILABLE error: the message may or may not have been stored, so it is
 * never reported as acked, and never silently dropped.
 */

import { randomBytes } from 'node:crypto';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { compress, compressSync, isSynchronous } from '../compression.js';
import { closedError, ErrorCode, invalidArgument, LiftbridgeError } from '../errors.js';
import { ACK_POLICY_WIRE, type Ack, AckPolicy, toAck } from '../message.js';
import type { ResolvedClientOptions } from '../options.js';
import { approximateSize, type PublishRequest } from '../publish-request.js';
import { ackTimeoutError } from './ack-deadline.js';
import type { Cluster } from './cluster.js';
import { Deadlines } from './deadlines.js';
import { Fifo } from './fifo.js';
import { type DecodedPublishResponse, encodePublishRequest } from './grpc/publish-codec.js';
import { fromAckError, fromAsyncError, fromGrpcError } from './grpc/status.js';

/** How the sender of one request hears about it. */
export interface PublishSink {
  /** The write phase is over (written, or failed before writing). At most once, before settled. */
  written?(): void;
  /**
   * The outcome, exactly once unless cancelled: the Ack, or the error; both
   * undefined for AckPolicy NONE once written.
   */
  settled(ack: Ack | undefined, err: LiftbridgeError | undefined): void;
}

interface Entry {
  readonly id: string;
  readonly request: PublishRequest;
  readonly sink: PublishSink;
  /** Encoded request; undefined while compressing, and once written. */
  wire: Buffer | undefined;
  writeOver: boolean;
  done: boolean;
}

type Duplex = ClientDuplexStream<Buffer, DecodedPublishResponse>;

const noop = () => {};

export class Publisher {
  private stream: Duplex | undefined;
  private readonly pending = new Map<string, Entry>();
  private readonly queue = new Fifo<Entry>();
  private readonly deadlines = new Deadlines<Entry>((entry, ms) =>
    this.finish(entry, undefined, ackTimeoutError(ms, entry.request)),
  );
  private needDrain = false;
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private counter = 0;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: ResolvedClientOptions,
  ) {}

  /** Requests sent and not yet settled. */
  get inFlight(): number {
    return this.pending.size;
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.idPrefix}-${this.counter.toString(36)}`;
  }

  private open(): Duplex {
    if (this.stream) return this.stream;
    const address = this.cluster.candidates()[0] as string;
    const stream = this.cluster.connection(address).publishAsync();
    this.stream = stream;
    stream.on('data', (res: DecodedPublishResponse) => this.onResponse(res));
    stream.on('drain', () => {
      this.needDrain = false;
      this.flush();
    });
    const broken = (err: unknown) => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.needDrain = false;
      const reason = err
        ? fromGrpcError(err, 'publish', `PublishAsync at ${address}`)
        : new LiftbridgeError(ErrorCode.Unavailable, `PublishAsync at ${address}: stream ended`);
      const failed = new LiftbridgeError(
        this.closed ? ErrorCode.Closed : ErrorCode.Unavailable,
        `publish stream broke before the ack came (${reason.message}); the message may or may not be stored`,
        { cause: reason, retriable: !this.closed },
      );
      for (const entry of [...this.pending.values()]) {
        if (entry.writeOver) this.finish(entry, undefined, failed);
      }
      this.flush();
    };
    stream.on('error', broken);
    stream.on('end', () => broken(undefined));
    return stream;
  }

  private onResponse(res: DecodedPublishResponse): void {
    const id = res.correlationId || res.ack?.correlationId || '';
    const entry = this.pending.get(id);
    if (!entry) return; // settled already (timed out, cancelled)
    if (res.asyncError) {
      const { code, message } = res.asyncError;
      this.finish(entry, undefined, fromAsyncError(code, message, `publish ${id}`));
    } else if (res.ack) {
      if (res.ack.ackError !== 0)
        this.finish(entry, undefined, fromAckError(res.ack.ackError, `publish ${id}`));
      else this.finish(entry, toAck(res.ack, entry.request.partition, id), undefined);
    }
  }

  private endWrite(entry: Entry): void {
    if (entry.writeOver) return;
    entry.writeOver = true;
    entry.wire = undefined;
    entry.sink.written?.();
  }

  private finish(entry: Entry, ack: Ack | undefined, err: LiftbridgeError | undefined): void {
    if (entry.done) return;
    entry.done = true;
    if (this.pending.get(entry.id) === entry) this.pending.delete(entry.id);
    this.endWrite(entry);
    entry.sink.settled(ack, err);
  }

  /** Writes queued requests, in order, while the head is ready and the stream has room. */
  private flush(): void {
    while (this.queue.length > 0 && !this.needDrain && !this.closed) {
      const entry = this.queue.peek();
      if (entry.done) {
        this.queue.shift();
        continue;
      }
      if (!entry.wire) break; // still compressing: later requests wait their turn
      this.queue.shift();
      if (!this.open().write(entry.wire)) this.needDrain = true;
      this.endWrite(entry);
      if (entry.request.ackPolicy === AckPolicy.NONE) this.finish(entry, undefined, undefined);
    }
  }

  private encode(entry: Entry, value: Uint8Array, encoded: boolean): Buffer {
    const { request } = entry;
    let headers = request.headers;
    if (encoded && this.options.compression) {
      const withEncoding = new Map(headers);
      withEncoding.set(this.options.encodingHeader, Buffer.from(this.options.compression));
      headers = withEncoding;
    }
    return encodePublishRequest({
      key: request.key,
      value,
      stream: request.stream,
      partition: request.partition,
      headers,
      correlationId: entry.id,
      ackPolicy: ACK_POLICY_WIRE[request.ackPolicy],
      expectedOffset: request.expectedOffset,
    });
  }

  /**
   * Sends one request; the sink hears when it is written and how it ends.
   * Returns a cancel function: afterwards the sink hears nothing more, an
   * unwritten request is not written, and a late ack is ignored.
   */
  send(request: PublishRequest, ackTimeout: number, sink: PublishSink): () => void {
    const fail = (err: LiftbridgeError) => {
      sink.written?.();
      sink.settled(undefined, err);
      return noop;
    };
    if (this.closed || this.cluster.closed) return fail(closedError());
    const size = approximateSize(request);
    if (size > this.options.maxMessageBytes) {
      return fail(
        new LiftbridgeError(
          ErrorCode.MessageTooLarge,
          `message of ~${size} bytes exceeds maxMessageBytes (${this.options.maxMessageBytes})`,
        ),
      );
    }
    const id = request.correlationId ?? this.nextId();
    if (this.pending.has(id)) {
      return fail(invalidArgument('correlationId', `"${id}" is already in flight`));
    }
    const entry: Entry = { id, request, sink, wire: undefined, writeOver: false, done: false };
    this.pending.set(id, entry);
    if (request.ackPolicy !== AckPolicy.NONE) this.deadlines.add(entry, ackTimeout);
    const method = this.options.compression;
    const compressIt =
      request.compress &&
      method !== undefined &&
      request.value.byteLength >= this.options.compressionThreshold;
    if (!compressIt || !method) {
      entry.wire = this.encode(entry, request.value, false);
    } else if (isSynchronous(method)) {
      entry.wire = this.encode(entry, compressSync(request.value), true);
    } else {
      compress(request.value, method).then(
        (value) => {
          if (entry.done) return;
          entry.wire = this.encode(entry, value, true);
          this.flush();
        },
        (err: unknown) => {
          const failed =
            err instanceof LiftbridgeError
              ? err
              : new LiftbridgeError(ErrorCode.Unknown, String(err), { cause: err });
          this.finish(entry, undefined, failed);
          this.flush();
        },
      );
    }
    this.queue.push(entry);
    this.flush();
    return () => {
      if (entry.done) return;
      entry.done = true;
      if (this.pending.get(id) === entry) this.pending.delete(id);
    };
  }

  /**
   * One request as a cold Observable: emits its Ack and completes
   * (AckPolicy NONE: completes without an Ack once written). Unsubscribing
   * cancels it.
   */
  publish(request: PublishRequest, ackTimeout: number): Observable<Ack> {
    return new Observable<Ack>((subscriber) =>
      this.send(request, ackTimeout, {
        settled: (ack, err) => {
          if (err) subscriber.error(err);
          else {
            if (ack) subscriber.next(ack);
            subscriber.complete();
          }
        },
      }),
    );
  }

  /** Fails what is in flight with a closed-client error and cancels the stream. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const stream = this.stream;
    const err = closedError();
    this.deadlines.clear();
    for (const entry of [...this.pending.values()]) this.finish(entry, undefined, err);
    this.queue.clear();
    this.stream = undefined;
    stream?.cancel();
  }
}
