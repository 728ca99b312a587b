/**
 * The client's one long-lived PublishAsync stream, shared by every publish
 * and publishBulk: opened on first use against any broker, re-opened after
 * it breaks, cancelled on close. Responses are matched to requests by
 * correlation id, never by order.
 *
 * Writes go through one FIFO queue, in subscription order: a request that is
 * still being compressed (lzma is asynchronous) holds back the ones after it,
 * so messages reach a partition in the order they were sent, and nothing is
 * written while the stream's buffer is full (write() returned false) until
 * it drains.
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
import type { Cluster } from './cluster.js';
import type {
  PublishResponse__Decoded,
  PublishRequest as WireRequest,
} from './grpc/api-types.generated.js';
import { toInt64 } from './grpc/codec.js';
import { fromAckError, fromAsyncError, fromGrpcError } from './grpc/status.js';

interface Pending {
  readonly partition: number;
  settle(ack: Ack | undefined, err: LiftbridgeError | undefined): void;
}

interface QueuedWrite {
  wire: WireRequest | undefined;
  cancelled: boolean;
  /** Called once written (the stream is passed in). */
  written(): void;
}

type Duplex = ClientDuplexStream<WireRequest, PublishResponse__Decoded>;

export class Publisher {
  private stream: Duplex | undefined;
  private readonly pending = new Map<string, Pending>();
  private queue: QueuedWrite[] = [];
  private head = 0;
  private needDrain = false;
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private counter = 0;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: ResolvedClientOptions,
  ) {}

  /** Requests written and not yet settled. */
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
    stream.on('data', (res: PublishResponse__Decoded) => this.onResponse(res));
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
      for (const entry of [...this.pending.values()]) entry.settle(undefined, failed);
      this.flush();
    };
    stream.on('error', broken);
    stream.on('end', () => broken(undefined));
    return stream;
  }

  private onResponse(res: PublishResponse__Decoded): void {
    const id = res.correlationId || res.ack?.correlationId || '';
    const entry = this.pending.get(id);
    if (!entry) return; // settled already (timed out, cancelled) or AckPolicy NONE
    if (res.asyncError) {
      entry.settle(
        undefined,
        fromAsyncError(res.asyncError.code, res.asyncError.message, `publish ${id}`),
      );
    } else if (res.ack) {
      if (res.ack.ackError !== 0)
        entry.settle(undefined, fromAckError(res.ack.ackError, `publish ${id}`));
      else entry.settle(toAck(res.ack, entry.partition, id), undefined);
    }
  }

  /** Writes queued requests, in order, while the head is ready and the stream has room. */
  private flush(): void {
    while (this.head < this.queue.length && !this.needDrain && !this.closed) {
      const item = this.queue[this.head] as QueuedWrite;
      if (item.cancelled) {
        this.head += 1;
        continue;
      }
      if (!item.wire) break; // still compressing: later requests wait their turn
      this.head += 1;
      const stream = this.open();
      if (!stream.write(item.wire)) this.needDrain = true;
      item.written();
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private toWire(
    request: PublishRequest,
    correlationId: string,
    value: Uint8Array,
    encoded: boolean,
  ): WireRequest {
    const wire: WireRequest = {
      stream: request.stream,
      partition: request.partition,
      value,
      correlationId,
      ackPolicy: ACK_POLICY_WIRE[request.ackPolicy],
      expectedOffset: toInt64(request.expectedOffset),
    };
    if (request.key.byteLength > 0) wire.key = request.key;
    if (request.headers.size > 0 || encoded) {
      const headers: { [key: string]: Uint8Array } = {};
      for (const [name, v] of request.headers) headers[name] = v;
      if (encoded && this.options.compression) {
        headers[this.options.encodingHeader] = Buffer.from(this.options.compression);
      }
      wire.headers = headers;
    }
    return wire;
  }

  /**
   * Sends one request; emits its Ack and completes (AckPolicy NONE:
   * completes without an Ack once written). Cold: nothing is written until
   * subscription; unsubscribing forgets the request (a late ack is ignored).
   * `onWritten` is called once the request's write phase is over (written,
   * or failed before writing).
   */
  publish(request: PublishRequest, onWritten?: () => void): Observable<Ack> {
    return new Observable<Ack>((subscriber) => {
      let writePhaseOver = false;
      const endWritePhase = () => {
        if (writePhaseOver) return;
        writePhaseOver = true;
        onWritten?.();
      };
      const fail = (err: unknown) => {
        endWritePhase();
        subscriber.error(err);
      };
      if (this.closed || this.cluster.closed) {
        fail(closedError());
        return;
      }
      const size = approximateSize(request);
      if (size > this.options.maxMessageBytes) {
        fail(
          new LiftbridgeError(
            ErrorCode.MessageTooLarge,
            `message of ~${size} bytes exceeds maxMessageBytes (${this.options.maxMessageBytes})`,
          ),
        );
        return;
      }
      const correlationId = request.correlationId ?? this.nextId();
      if (this.pending.has(correlationId)) {
        fail(invalidArgument('correlationId', `"${correlationId}" is already in flight`));
        return;
      }
      const entry: Pending = {
        partition: request.partition,
        settle: (ack, err) => {
          if (this.pending.get(correlationId) !== entry) return;
          this.pending.delete(correlationId);
          if (err) subscriber.error(err);
          else if (ack) {
            subscriber.next(ack);
            subscriber.complete();
          }
        },
      };
      const item: QueuedWrite = {
        wire: undefined,
        cancelled: false,
        written: () => {
          endWritePhase();
          if (request.ackPolicy === AckPolicy.NONE) subscriber.complete();
        },
      };
      const method = this.options.compression;
      const compressIt =
        request.compress &&
        method !== undefined &&
        request.value.byteLength >= this.options.compressionThreshold;
      if (request.ackPolicy !== AckPolicy.NONE) this.pending.set(correlationId, entry);
      this.queue.push(item);
      if (!compressIt || !method) {
        item.wire = this.toWire(request, correlationId, request.value, false);
      } else if (isSynchronous(method)) {
        item.wire = this.toWire(request, correlationId, compressSync(request.value), true);
      } else {
        compress(request.value, method).then(
          (value) => {
            item.wire = this.toWire(request, correlationId, value, true);
            this.flush();
          },
          (err: unknown) => {
            item.cancelled = true;
            this.pending.delete(correlationId);
            fail(err);
            this.flush();
          },
        );
      }
      this.flush();
      return () => {
        if (!writePhaseOver) item.cancelled = true;
        if (this.pending.get(correlationId) === entry) this.pending.delete(correlationId);
      };
    });
  }

  /** Fails what is in flight with a closed-client error and cancels the stream. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const stream = this.stream;
    const err = closedError();
    for (const entry of [...this.pending.values()]) entry.settle(undefined, err);
    for (let i = this.head; i < this.queue.length; i++)
      (this.queue[i] as QueuedWrite).cancelled = true;
    this.queue = [];
    this.head = 0;
    this.stream = undefined;
    stream?.cancel();
  }
}
