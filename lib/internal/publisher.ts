/**
 * The client's one long-lived PublishAsync stream, shared by every publish
 * and publishBulk: opened on first use against a connected broker, opened
 * again (at another broker when that one is down) after it breaks,
 * cancelled on close. Responses are matched to requests by correlation id
 * (the oldest awaited one first, see AckOrder), never by order alone.
 *
 * Writes go through one FIFO queue, in send order: a request that is still
 * being compressed (lzma is asynchronous) holds back the ones after it, so
 * messages reach a partition in the order they were sent, and nothing is
 * written while the stream's buffer is full (write() returned false) until
 * it drains, or while no broker is connected.
 *
 * The hot path is callback-based (no Observable, no timer per request):
 * requests are encoded by hand (publish-codec), ack deadlines share one
 * timer (Deadlines).
 *
 * What happens to a request when its stream breaks (documented in the README):
 * - not yet written: it stays queued and goes out on the next stream (it
 *   cannot have been stored, so sending it once is safe);
 * - written, no ack yet: it fails with a retriable UNAVAILABLE error. The
 *   broker may have stored it before it broke, so re-sending it could store
 *   it twice; the caller decides (publishBulkSettled reports each one).
 * A stream that answers nothing for a whole ack timeout while requests wait
 * (a frozen broker keeps its TCP connection open) counts as broken.
 */
import { randomBytes } from 'node:crypto';
import {
  defer,
  map,
  type Observable,
  type SchedulerLike,
  type Subscription,
  type Unsubscribable,
} from 'rxjs';
import { compress, compressSync, isSynchronous } from '../compression.js';
import { published, publishing } from '../diagnostics.js';
import {
  asLiftbridgeError,
  closedError,
  ErrorCode,
  invalidArgument,
  LiftbridgeError,
} from '../errors.js';
import { ACK_POLICY_WIRE, type Ack, AckPolicy } from '../message.js';
import { approximateSize, type PublishRequest } from '../publish-request.js';
import type { ClientStatus } from '../status.js';
import { ackTimeoutError } from './ack-deadline.js';
import { AckOrder } from './ack-order.js';
import { retryWithBackoff } from './backoff.js';
import { brokerDown } from './cluster.js';
import type { ClientConfig } from './config.js';
import { Deadlines } from './deadlines.js';
import { Fifo } from './fifo.js';
import type { PublishDuplex } from './grpc/connection.js';
import {
  type DecodedPublishResponse,
  encodePublishRequest,
  type WirePublish,
} from './grpc/publish-codec.js';
import { fromAckError, fromAsyncError, fromGrpcError, fromMalformedAck } from './grpc/status.js';
import type { KnownPartitions } from './known-partitions.js';
import { NamedIds } from './named-ids.js';
import { Entry } from './publish-entry.js';
import { failSink, type PublishSink } from './publish-sink.js';

/** What the publisher needs of the cluster (a Cluster, or a stub in specs). */
export interface PublishRouting {
  readonly closed: boolean;
  /** The clock and timers of ack deadlines and reconnects. */
  readonly scheduler: SchedulerLike;
  readonly partitions: Pick<KnownPartitions, 'saw'>;
  /** Brokers in the order to try them. */
  candidates(): string[];
  /** A connection to `address` once it is connected. */
  reach(address: string): Observable<{ publishAsync(): PublishDuplex }>;
  /** How long reconnecting may go on (ms). */
  retryBudget(): number;
  markDown(address: string, error: LiftbridgeError): void;
  /** What a NOT_FOUND for a partition stands for (see Cluster.missing). */
  missing(stream: string, partition: number, notFound: LiftbridgeError): Observable<never>;
  report(event: ClientStatus): void;
}

/** What the publisher reads of the configuration. */
export type PublisherConfig = Pick<
  ClientConfig,
  'transport' | 'compression' | 'compressionThreshold' | 'encodingHeader' | 'maxMessageBytes'
>;

type Duplex = PublishDuplex;

/**
 * Values from this size up are written as they are, after the rest of the
 * encoded request, instead of being copied into it (a copy and a fresh
 * backing store per message made large messages pay for memcpy and major GCs).
 */
const VALUE_APART_BYTES = 2048;

const EMPTY = new Uint8Array(0);

/** How long a silent stream's broker has to answer a ping before the stream is abandoned. */
const PROBE_TIMEOUT_MS = 2_000;

/** Requests sent with AckPolicy NONE remembered for a late refusal (see lateRefusal()). */
const NONE_REMEMBERED = 4096;

/** A request whose wait ended before any broker took the publish stream: never sent. */
function notSentError(why: string): LiftbridgeError {
  return new LiftbridgeError(
    ErrorCode.Unavailable,
    `not sent (so not stored): ${why}; no broker accepted the publish stream`,
  );
}

export class Publisher {
  private stream: Duplex | undefined;
  private streamAddress = '';
  /** Responses the current stream has given (a stream silent since a write counts as broken). */
  private responses = 0;
  /** Connecting to a broker for a new stream, or waiting to try again. */
  private connecting: Subscription | undefined;
  /** Requests sent and not yet settled (queued, compressing, or written and awaiting an ack). */
  private live = 0;
  /** The ids callers named for requests in flight (so send() can refuse one in flight). */
  private readonly named = new NamedIds();
  /** Requests written to the current stream and awaiting an ack, oldest first. */
  private readonly order = new AckOrder<Entry>();
  /** The partition of the last ack (each new one is noted as existing, see KnownPartitions). */
  private lastAckedStream = '';
  private lastAckedPartition = -1;
  private readonly queue = new Fifo<Entry>();
  private readonly deadlines: Deadlines<Entry>;
  private needDrain = false;
  /** A ping to a silent stream's broker is under way. */
  private probing = false;
  /** Streams known to use optimistic concurrency control (the server refuses AckPolicy NONE there). */
  private readonly concurrencyControlled = new Set<string>();
  /** Recent AckPolicy NONE requests, by correlation id, oldest first. */
  private readonly unacked = new Map<string, { stream: string; partition: number }>();
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private counter = 0;
  private closed = false;
  private readonly scratch: WirePublish = {
    key: EMPTY,
    value: EMPTY,
    stream: '',
    partition: 0,
    headers: undefined,
    correlationId: '',
    ackPolicy: 0,
    expectedOffset: 0n,
  };
  /** Told while requests are pending (a client's drain waits for them); see holdWhileBusy(). */
  private busy: { enter(): () => void } | undefined;
  private release: (() => void) | undefined;

  /** @param scheduler - the clock and timers of ack deadlines and reconnects; default the cluster's. */
  constructor(
    private readonly cluster: PublishRouting,
    private readonly options: PublisherConfig,
    private readonly scheduler: SchedulerLike = cluster.scheduler,
  ) {
    this.deadlines = new Deadlines<Entry>((entry, ms) => this.expired(entry, ms), scheduler);
  }

  /** Requests sent and not yet settled. */
  get inFlight(): number {
    return this.live;
  }

  /** Enters `live` while any request is pending, and leaves it once none is (so a drain waits for them). */
  holdWhileBusy(live: { enter(): () => void }): void {
    this.busy = live;
  }

  /** A request was added to pending, or removed from it. */
  private pendingChanged(): void {
    const size = this.live;
    if (size === 1 && !this.release && this.busy) this.release = this.busy.enter();
    else if (size === 0 && this.release) {
      const release = this.release;
      this.release = undefined;
      release();
    }
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.idPrefix}-${this.counter.toString(36)}`;
  }

  /**
   * Opens a stream at the first candidate broker once it is connected. A
   * failed attempt is retried through the one retry engine (backoff.ts)
   * while requests wait, within the cluster's retry budget.
   */
  private connect(): void {
    if (this.stream || this.connecting || this.closed) return;
    const attempt = defer(() => {
      const address = this.cluster.candidates()[0] as string;
      return this.cluster.reach(address).pipe(map((conn) => ({ conn, address })));
    })
      .pipe(
        retryWithBackoff({
          shouldRetry: () => !this.closed && this.waiting(),
          deadlineMs: () => this.cluster.retryBudget(),
          scheduler: this.scheduler,
        }),
      )
      .subscribe({
        next: ({ conn, address }) => {
          this.connecting = undefined;
          this.attach(conn.publishAsync(), address);
          this.flush();
        },
        error: (err: unknown) => {
          this.connecting = undefined;
          this.connectFailed(err);
        },
      });
    if (!attempt.closed) this.connecting = attempt;
  }

  /** Whether a request waits to be written. */
  private waiting(): boolean {
    while (this.queue.length > 0 && this.queue.peek().done) this.queue.shift();
    return this.queue.length > 0;
  }

  /** No broker took the stream within the budget: what was never written fails; later requests start a new round. */
  private connectFailed(err: unknown): void {
    if (this.closed) return;
    const failed = notSentError(err instanceof Error ? err.message : String(err));
    for (const entry of this.unsettled()) {
      if (!entry.writeOver) this.finish(entry, undefined, failed);
    }
    this.queue.clear();
  }

  private attach(stream: Duplex, address: string): void {
    this.stream = stream;
    this.streamAddress = address;
    this.responses = 0;
    stream.onResponse((res: DecodedPublishResponse) => {
      if (this.stream === stream) this.responses += 1;
      if (res.malformed === undefined) this.onResponse(res);
      else this.onMalformed(stream, res, res.malformed);
    });
    stream.on('drain', () => {
      this.needDrain = false;
      this.flush();
    });
    stream.on('error', (err: unknown) =>
      this.broken(stream, fromGrpcError(err, 'publish', `PublishAsync at ${address}`)),
    );
    stream.on('end', () =>
      this.broken(
        stream,
        new LiftbridgeError(ErrorCode.Unavailable, `PublishAsync at ${address}: stream ended`),
      ),
    );
  }

  /** The stream is gone: fail what was written to it, send the rest on a new one. */
  private broken(stream: Duplex, reason: LiftbridgeError): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.needDrain = false;
    if (brokerDown(reason)) this.cluster.markDown(this.streamAddress, reason);
    const failed = new LiftbridgeError(
      this.closed ? ErrorCode.Closed : ErrorCode.Unavailable,
      `publish stream broke before the ack came (${reason.message}); the message may or may not be stored`,
      { cause: reason, retriable: !this.closed },
    );
    for (const entry of this.unsettled()) {
      if (entry.writtenTo === stream) this.finish(entry, undefined, failed);
    }
    this.order.clear();
    this.flush();
  }

  /**
   * An ack deadline passed: that request fails ACK_TIMEOUT, alone. A stream
   * silent since it was written may be a frozen broker, or only slow acks
   * (AckPolicy ALL on a partition whose in-sync set is below minIsr): the
   * broker is asked (an HTTP/2 PING), and the stream is abandoned only when
   * that goes unanswered too, so other requests, whose acks may still come,
   * are never failed for one slow partition.
   */
  private expired(entry: Entry, ms: number): void {
    const stream = entry.writtenTo;
    if (!stream) {
      this.finish(entry, undefined, notSentError(`no broker connected within ${ms} ms`));
      return;
    }
    this.finish(entry, undefined, ackTimeoutError(ms, entry.request));
    if (stream !== this.stream || this.responses !== entry.responsesBefore || this.probing) return;
    this.probing = true;
    const since = this.responses;
    const wait = Math.min(ms, PROBE_TIMEOUT_MS);
    stream.probe(wait, (alive) => {
      this.probing = false;
      if (alive || stream !== this.stream || this.responses !== since) return;
      const silent = new LiftbridgeError(
        ErrorCode.Timeout,
        `PublishAsync at ${this.streamAddress}: no response for ${ms} ms, nor to a ping for ${wait} ms`,
      );
      this.broken(stream, silent);
      stream.cancel();
    });
  }

  private onResponse(res: DecodedPublishResponse): void {
    const id = res.correlationId || res.ack?.correlationId || '';
    const entry = this.order.take(id);
    if (!entry) {
      // Settled already (timed out, cancelled), or sent with AckPolicy NONE.
      if (res.asyncError && this.unacked.size > 0) this.lateRefusal(id, res.asyncError);
      return;
    }
    if (res.asyncError) {
      const { code, message } = res.asyncError;
      const err = fromAsyncError(code, message, `publish ${id}`);
      this.learn(entry.request.stream, err);
      if (err.code === ErrorCode.NotFound) this.notFound(entry, err);
      else this.finish(entry, undefined, err);
    } else if (res.ack) {
      if (res.ackError !== 0)
        this.finish(entry, undefined, fromAckError(res.ackError, `publish ${id}`));
      else {
        const { stream, partition } = entry.request;
        if (stream !== this.lastAckedStream || partition !== this.lastAckedPartition) {
          this.cluster.partitions.saw(stream, partition);
          this.lastAckedStream = stream;
          this.lastAckedPartition = partition;
        }
        const ack = res.ack;
        ack.partition = partition;
        if (ack.correlationId === '') ack.correlationId = id;
        this.finish(entry, ack, undefined);
      }
    }
  }

  /**
   * A response that was not a PublishResponse: the request it names fails
   * alone (or, settled already, is left alone); when it names none, the
   * stream is no longer trusted (every request written to it fails, as
   * when it breaks).
   */
  private onMalformed(stream: Duplex, res: DecodedPublishResponse, why: string): void {
    const id = res.correlationId || res.ack?.correlationId || '';
    if (id !== '') {
      const entry = this.order.find(id);
      if (entry) {
        const context = `publish ${id} at ${this.streamAddress}`;
        this.finish(entry, undefined, fromMalformedAck(why, context));
      }
      return;
    }
    this.broken(
      stream,
      new LiftbridgeError(
        ErrorCode.Internal,
        `PublishAsync at ${this.streamAddress}: a malformed response naming no request (${why})`,
      ),
    );
    stream.cancel();
  }

  /** A refusal of a request sent with AckPolicy NONE: reported on status$ (its caller has gone). */
  private lateRefusal(id: string, asyncError: { code: number; message: string }): void {
    const sent = this.unacked.get(id);
    if (!sent) return;
    this.unacked.delete(id);
    const error = fromAsyncError(asyncError.code, asyncError.message, `publish ${id}`);
    this.learn(sent.stream, error);
    this.cluster.report({ type: 'publishRejected', ...sent, correlationId: id, error });
  }

  /** What a refusal tells about its stream (it uses optimistic concurrency control). */
  private learn(stream: string, err: LiftbridgeError): void {
    if (err.code === ErrorCode.InvalidArgument && /concurrency control/i.test(err.message)) {
      this.concurrencyControlled.add(stream);
    }
  }

  /** Stream `stream` uses optimistic concurrency control: AckPolicy NONE is refused before sending. */
  usesConcurrencyControl(stream: string): void {
    this.concurrencyControlled.add(stream);
  }

  /**
   * NOT_FOUND for the request's partition: final, or (while it may still be
   * loading: see KnownPartitions) a retriable UNAVAILABLE. Not stored either way.
   */
  private notFound(entry: Entry, err: LiftbridgeError): void {
    const { stream, partition } = entry.request;
    this.cluster.missing(stream, partition, err).subscribe({
      error: (judged: unknown) => this.finish(entry, undefined, asLiftbridgeError(judged)),
    });
  }

  private endWrite(entry: Entry): void {
    if (entry.writeOver) return;
    entry.writeOver = true;
    entry.wire = undefined;
    entry.valueApart = undefined;
    entry.sink.written?.();
  }

  private finish(entry: Entry, ack: Ack | undefined, err: LiftbridgeError | undefined): void {
    if (entry.done) return;
    entry.done = true;
    this.untrack(entry); // not done, so still counted
    this.endWrite(entry);
    if (entry.event) published(entry.event, ack, err);
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
      const stream = this.stream;
      if (!stream) {
        this.connect();
        if (!this.stream) break;
        continue;
      }
      this.queue.shift();
      entry.writtenTo = stream;
      entry.responsesBefore = this.responses;
      let room = stream.write(entry.wire);
      if (entry.valueApart) room = stream.write(entry.valueApart);
      if (!room) this.needDrain = true;
      this.endWrite(entry);
      if (entry.request.ackPolicy === AckPolicy.NONE) {
        this.rememberUnacked(entry);
        this.finish(entry, undefined, undefined);
      } else this.order.push(entry);
    }
  }

  /** Keeps a NONE request's id for a while, so a refusal can still be reported. */
  private rememberUnacked(entry: Entry): void {
    const unacked = this.unacked;
    if (unacked.size >= NONE_REMEMBERED) {
      const oldest = unacked.keys().next().value;
      if (oldest !== undefined) unacked.delete(oldest);
    }
    unacked.set(entry.id, { stream: entry.request.stream, partition: entry.request.partition });
  }

  /** Encodes the request into entry.wire (and entry.valueApart). */
  private encode(entry: Entry, value: Uint8Array, encoded: boolean): void {
    const { request } = entry;
    const framed = this.options.transport === 'http2';
    const apart = framed && value.byteLength >= VALUE_APART_BYTES;
    let headers = request.headers;
    if (encoded && this.options.compression) {
      const withEncoding = new Map(headers);
      withEncoding.set(this.options.encodingHeader, Buffer.from(this.options.compression));
      headers = withEncoding;
    }
    entry.valueApart = apart ? value : undefined;
    const wire = this.scratch; // refilled per request: no object per request
    wire.key = request.key;
    wire.value = value;
    wire.stream = request.stream;
    wire.partition = request.partition;
    wire.headers = headers;
    wire.correlationId = entry.id;
    wire.ackPolicy = ACK_POLICY_WIRE[request.ackPolicy];
    wire.expectedOffset = request.expectedOffset;
    entry.wire = encodePublishRequest(wire, framed, apart);
    wire.key = wire.value = EMPTY; // holds no message's bytes
    wire.headers = undefined;
  }

  /** Why a request is refused before it is sent (undefined: it is not). */
  private refusal(request: PublishRequest): LiftbridgeError | undefined {
    if (this.closed || this.cluster.closed) return closedError();
    const size = approximateSize(request);
    const max = this.options.maxMessageBytes;
    if (size > max)
      return new LiftbridgeError(
        ErrorCode.MessageTooLarge,
        `message of ~${size} bytes exceeds maxMessageBytes (${max})`,
      );
    if (request.ackPolicy === AckPolicy.NONE && this.concurrencyControlled.has(request.stream))
      return invalidArgument(
        'ackPolicy',
        `stream "${request.stream}" uses optimistic concurrency control, where the server refuses AckPolicy NONE; use LEADER or ALL`,
      );
    return undefined;
  }

  /**
   * Sends one request; the sink hears when it is written and how it ends.
   * Unsubscribing the result cancels it: afterwards the sink hears nothing
   * more, an unwritten request is not written, and a late ack is ignored.
   */
  send(request: PublishRequest, ackTimeout: number, sink: PublishSink): Unsubscribable {
    const refusal = this.refusal(request);
    if (refusal) return failSink(sink, refusal, request);
    const named = request.correlationId;
    const id = named ?? this.nextId();
    if (named !== undefined && this.inFlightId(named))
      return failSink(
        sink,
        invalidArgument('correlationId', `"${id}" is already in flight`),
        request,
      );
    const event = publishing(request, id); // tracing tools may add headers before encoding
    const entry = new Entry(this, id, event?.request ?? request, sink, event);
    if (named !== undefined) entry.named = this.named.add(id);
    this.live += 1;
    if (this.live === 1) this.pendingChanged();
    if (request.ackPolicy !== AckPolicy.NONE) this.deadlines.add(entry, ackTimeout);
    const method = this.options.compression;
    const compressIt =
      request.compress &&
      method !== undefined &&
      request.value.byteLength >= this.options.compressionThreshold;
    if (!compressIt || !method) {
      this.encode(entry, request.value, false);
    } else if (isSynchronous(method)) {
      this.encode(entry, compressSync(request.value), true);
    } else {
      compress(request.value, method).then(
        (value) => {
          if (entry.done) return;
          this.encode(entry, value, true);
          this.flush();
        },
        (err: unknown) => {
          this.finish(entry, undefined, asLiftbridgeError(err));
          this.flush();
        },
      );
    }
    this.queue.push(entry);
    this.flush();
    return entry;
  }

  /** A cancelled entry: no longer awaited (it leaves the write queue when it reaches the head). */
  forget(entry: Entry): void {
    this.untrack(entry); // called once, as it becomes done (finish() returns early after)
  }

  /** A request settled or cancelled: no longer counted nor looked up. */
  private untrack(entry: Entry): void {
    this.live -= 1;
    if (entry.named) this.named.settle(entry.named);
    this.order.forget(entry);
    if (this.live === 0) this.pendingChanged();
  }

  /** Every request sent and not settled: those waiting to be written, then those written. */
  private unsettled(): Entry[] {
    const all = this.queue.toArray().filter((entry) => !entry.done);
    for (const entry of this.order.awaited()) all.push(entry);
    return all;
  }

  /** Whether a caller's id is in flight (generated ids are in no Map: one like them is searched for). */
  private inFlightId(id: string): boolean {
    if (this.named.inFlight(id)) return true;
    if (!id.startsWith(`${this.idPrefix}-`)) return false;
    return this.unsettled().some((entry) => entry.id === id);
  }

  /** Fails what is in flight with a closed-client error and cancels the stream. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const stream = this.stream;
    const err = closedError();
    this.deadlines.clear();
    this.connecting?.unsubscribe();
    for (const entry of this.unsettled()) this.finish(entry, undefined, err);
    this.queue.clear();
    this.order.clear();
    this.stream = undefined;
    stream?.cancel();
  }
}
