/**
 * The client's one long-lived PublishAsync stream, shared by every publish
 * and publishBulk: opened on first use against any broker, re-opened after
 * it breaks, cancelled on close. Responses are matched to requests by
 * correlation id, never by order.
 *
 * A request whose stream breaks before its ack fails with a retriable
 * UNAVAILABLE error: the message may or may not have been stored, so it is
 * never reported as acked, and never silently dropped.
 */

import { randomBytes } from 'node:crypto';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { Observable, Subject, type Subscription, take } from 'rxjs';
import { type CompressionMethod, compress, prepareCompression } from '../compression.js';
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
  readonly correlationId: string;
  settle(ack: Ack | undefined, err: LiftbridgeError | undefined): void;
}

type Duplex = ClientDuplexStream<WireRequest, PublishResponse__Decoded>;

export class Publisher {
  private stream: Duplex | undefined;
  private readonly pending = new Map<string, Pending>();
  private needDrain = false;
  private readonly drained = new Subject<void>();
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
      this.drained.next();
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
      this.drained.next();
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

  private toWire(request: PublishRequest, correlationId: string): WireRequest {
    let value = request.value;
    let headers: { [key: string]: Uint8Array } | undefined;
    const method: CompressionMethod | undefined = this.options.compression;
    const compressIt =
      request.compress &&
      method !== undefined &&
      value.byteLength >= this.options.compressionThreshold;
    if (request.headers.size > 0 || compressIt) {
      headers = {};
      for (const [name, v] of request.headers) headers[name] = v;
    }
    if (compressIt && method && headers) {
      value = compress(value, method);
      headers[this.options.encodingHeader] = Buffer.from(method);
    }
    const wire: WireRequest = {
      stream: request.stream,
      partition: request.partition,
      value,
      correlationId,
      ackPolicy: ACK_POLICY_WIRE[request.ackPolicy],
      expectedOffset: toInt64(request.expectedOffset),
    };
    if (request.key.byteLength > 0) wire.key = request.key;
    if (headers) wire.headers = headers;
    return wire;
  }

  /**
   * Sends one request; emits its Ack and completes (AckPolicy NONE:
   * completes without an Ack once written). Cold: nothing is written until
   * subscription; unsubscribing forgets the request (a late ack is ignored).
   */
  publish(request: PublishRequest, onWritten?: () => void): Observable<Ack> {
    return new Observable<Ack>((subscriber) => {
      // Failing before the write still ends this request's write phase.
      const fail = (err: unknown) => {
        onWritten?.();
        subscriber.error(err);
      };
      if (this.closed || this.cluster.closed) {
        fail(closedError());
        return;
      }
      if (approximateSize(request) > this.options.maxMessageBytes) {
        fail(
          new LiftbridgeError(
            ErrorCode.MessageTooLarge,
            `message of ~${approximateSize(request)} bytes exceeds maxMessageBytes (${this.options.maxMessageBytes})`,
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
        correlationId,
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
      let waiting: Subscription | undefined;
      let prepared = true;
      const write = () => {
        if (subscriber.closed) return;
        if (this.needDrain) {
          waiting = this.drained.pipe(take(1)).subscribe(write);
          return;
        }
        let wire: WireRequest;
        let stream: Duplex;
        try {
          wire = this.toWire(request, correlationId);
          stream = this.open();
        } catch (err) {
          fail(err);
          return;
        }
        if (request.ackPolicy !== AckPolicy.NONE) this.pending.set(correlationId, entry);
        if (!stream.write(wire)) this.needDrain = true;
        onWritten?.();
        if (request.ackPolicy === AckPolicy.NONE) subscriber.complete();
      };
      const method = this.options.compression;
      if (request.compress && method === 'lzma') {
        prepared = false;
        prepareCompression(method).then(
          () => write(),
          (err: unknown) => fail(err),
        );
      }
      if (prepared) write();
      return () => {
        waiting?.unsubscribe();
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
    this.stream = undefined;
    stream?.cancel();
    this.drained.complete();
  }
}
