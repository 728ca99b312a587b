/**
 * LiftbridgeClientProxy: Nest's ClientProxy over Liftbridge. emit(stream,
 * data) publishes and completes with the Ack; send(stream, data) publishes
 * a request naming a reply stream and relays the replies a LiftbridgeServer
 * @MessagePattern handler publishes there.
 */
import { randomUUID } from 'node:crypto';
import type { ReadPacket, WritePacket } from '@nestjs/microservices';
import {
  catchError,
  from,
  lastValueFrom,
  map,
  type Observable,
  of,
  ReplaySubject,
  type Subscription,
  switchMap,
  throwError,
} from 'rxjs';
import {
  checkStreamName,
  closedError,
  ErrorCode,
  invalidArgument,
  isLiftbridgeError,
  type LiftbridgeClientApi,
  type Message,
  type PublishOptions,
  StartPosition,
} from '../index.js';
import { jsonSafeAck, type LiftbridgeAck } from './ack.js';
import {
  decodeMessage,
  encodeData,
  headerText,
  REPLY_TO_HEADER,
  REQUEST_ID_HEADER,
} from './codec.js';
import { type Connection, connect, type LiftbridgeConnection } from './connection.js';
import { microservices } from './peers.js';
import { LiftbridgeRecord } from './record.js';

/**
 * Options of {@link LiftbridgeClientProxy}: a shared client or brokers (see
 * {@link LiftbridgeConnection}), and the reply stream send() needs.
 */
export type LiftbridgeClientProxyOptions = LiftbridgeConnection & {
  /**
   * Stream the replies to send() come back on (partition 0); created with
   * one partition on the first send() when missing. Default none: send()
   * fails with INVALID_ARGUMENT. Give each application instance its own.
   */
  replyStream?: string;
};

/**
 * Nest's `ClientProxy` for Liftbridge: `emit(stream, data)` publishes (bytes
 * and strings as they are, anything else as JSON) and the returned
 * Observable emits the {@link LiftbridgeAck} (an Ack with `toJSON`) and completes once the server acked;
 * `send(stream, data)` is request/response with a `@MessagePattern` handler
 * of a {@link LiftbridgeServer} (replies come back on `replyStream`). A
 * missing stream fails with a `LiftbridgeError` `NOT_FOUND`.
 *
 * @example
 * ```ts
 * const proxy = new LiftbridgeClientProxy({ brokers: ['127.0.0.1:9292'], replyStream: 'replies' });
 * const ack = await lastValueFrom(proxy.emit('orders', { id: 7 }));
 * const sum = await lastValueFrom(proxy.send<number>('sums', [1, 2, 3]).pipe(timeout(5000)));
 * ```
 */
export class LiftbridgeClientProxy extends microservices.ClientProxy {
  private readonly connection: Connection;
  private readonly replyStream: string | undefined;
  /** Resolves once the reply subscription runs (reset when it fails). */
  private replies: Promise<void> | undefined;
  private replySubscription: Subscription | undefined;
  private closed = false;

  /** @param options see {@link LiftbridgeClientProxyOptions}. */
  constructor(options: LiftbridgeClientProxyOptions) {
    super();
    this.connection = connect(options, ['replyStream']);
    this.replyStream =
      options.replyStream === undefined
        ? undefined
        : checkStreamName(options.replyStream, 'options.replyStream');
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  /** Nothing to do: the client connects on first use. Resolves to the client. */
  async connect(): Promise<LiftbridgeClientApi> {
    if (this.closed) throw closedError();
    return this.connection.client;
  }

  /**
   * Stops the reply subscription, fails requests awaiting replies, and
   * drains the client if the proxy made it (emits under way settle, then it closes).
   */
  async close(): Promise<void> {
    this.closed = true;
    this.stopReplies(closedError());
    if (this.connection.owned) await this.connection.client.drain();
  }

  /** The LiftbridgeClient. */
  unwrap<T>(): T {
    return this.connection.client as T;
  }

  /**
   * Publishes `data` to stream `pattern` at once (Nest's emit semantics:
   * sent without a subscriber, synchronously, so a test kit's
   * `expectPublish` sees it right after the call); the Observable emits the
   * {@link LiftbridgeAck} (an Ack with `toJSON`: an HTTP handler may return
   * it) and completes, or fails with the publish's error.
   * @throws LiftbridgeError INVALID_ARGUMENT for a bad stream name, at the call site.
   */
  override emit<TResult = LiftbridgeAck, TInput = unknown>(
    pattern: string,
    data: TInput,
  ): Observable<TResult> {
    checkStreamName(pattern, 'pattern');
    if (this.closed) return throwError(() => closedError());
    const result = new ReplaySubject<TResult>(1);
    try {
      const { value, options } = this.outgoing({ pattern, data }, {});
      this.connection.client
        .publish(value, options)
        .pipe(map((ack) => jsonSafeAck(ack) as TResult))
        .subscribe(result);
    } catch (err) {
      return throwError(() => err);
    }
    return result.asObservable();
  }

  /**
   * Sends a request to the `@MessagePattern(pattern)` handler consuming
   * stream `pattern`, and emits its replies (cold: nothing is sent until
   * subscribed). No timeout of its own: pipe `timeout()`.
   * @throws LiftbridgeError INVALID_ARGUMENT for a bad stream name, at the call site.
   */
  override send<TResult = unknown, TInput = unknown>(
    pattern: string,
    data: TInput,
  ): Observable<TResult> {
    checkStreamName(pattern, 'pattern');
    return super.send<TResult, TInput>(pattern, data);
  }

  /** Nest's event path (emit() above publishes directly): publishes and resolves to the Ack. */
  protected async dispatchEvent<T>(packet: ReadPacket): Promise<T> {
    return (await lastValueFrom(this.emit<T>(packet.pattern, packet.data))) as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const id = randomUUID();
    let request: Subscription | undefined;
    try {
      const replyStream = this.replyStream;
      if (replyStream === undefined)
        throw invalidArgument('options.replyStream', 'send() needs a reply stream');
      const { value, options } = this.outgoing(packet, {
        [REPLY_TO_HEADER]: replyStream,
        [REQUEST_ID_HEADER]: id,
      });
      this.routingMap.set(id, callback);
      request = from(this.startReplies(replyStream))
        .pipe(switchMap(() => this.connection.client.publish(value, options)))
        .subscribe({
          error: (err: unknown) => {
            this.routingMap.delete(id);
            callback({ err, isDisposed: true });
          },
        });
    } catch (err) {
      callback({ err, isDisposed: true });
    }
    return () => {
      this.routingMap.delete(id);
      request?.unsubscribe();
    };
  }

  /** The value and publish options of an outgoing packet (a LiftbridgeRecord's options included). */
  private outgoing(
    packet: ReadPacket,
    extraHeaders: Record<string, string>,
  ): { value: Uint8Array | string; options: PublishOptions } {
    const stream = checkStreamName(packet.pattern, 'pattern');
    const record: LiftbridgeRecord | undefined =
      packet.data instanceof LiftbridgeRecord ? packet.data : undefined;
    const { value, headers } = encodeData(record ? record.data : packet.data);
    const merged = new Map<string, Uint8Array | string>();
    for (const [k, v] of Object.entries(packet.metadata ?? {})) merged.set(k, v);
    const own = record?.options.headers;
    if (own) for (const [k, v] of own instanceof Map ? own : Object.entries(own)) merged.set(k, v);
    for (const [k, v] of Object.entries({ ...headers, ...extraHeaders })) merged.set(k, v);
    const options: PublishOptions = { stream, headers: merged };
    const o = record?.options;
    if (o?.key !== undefined) options.key = o.key;
    if (o?.partition !== undefined) options.partition = o.partition;
    if (o?.partitioner !== undefined) options.partitioner = o.partitioner;
    if (o?.ackPolicy !== undefined) {
      if (o.ackPolicy !== 'LEADER' && o.ackPolicy !== 'ALL')
        throw invalidArgument('record.options.ackPolicy', "expected 'LEADER' or 'ALL'");
      options.ackPolicy = o.ackPolicy;
    }
    return { value, options };
  }

  /**
   * Starts the one reply subscription (creating the reply stream when
   * missing) at the offset after the newest reply: every reply to a request
   * sent after this resolves is read, with no handshake race.
   */
  private startReplies(stream: string): Promise<void> {
    if (this.replies) return this.replies;
    const starting = (async () => {
      const client = this.connection.client;
      await lastValueFrom(
        client
          .createStream(stream)
          .pipe(
            catchError((err: unknown) =>
              isLiftbridgeError(err, ErrorCode.StreamExists)
                ? of(undefined)
                : throwError(() => err),
            ),
          ),
      );
      const partition = await lastValueFrom(client.fetchPartitionMetadata(stream, 0));
      if (this.closed) throw closedError();
      this.replySubscription = client
        .subscribe(stream, {
          partition: 0,
          startPosition: StartPosition.OFFSET,
          startOffset: partition.newestOffset + 1n,
        })
        .subscribe({
          next: (message) => this.route(message),
          error: (err: unknown) => this.stopReplies(err),
          // Ended by a drain or close: a send() still waiting must not wait for ever.
          complete: () => this.stopReplies(closedError()),
        });
    })();
    this.replies = starting;
    // A failed start is forgotten (the next send tries again), unless a newer one replaced it.
    starting.catch(() => {
      if (this.replies === starting) this.replies = undefined;
    });
    return starting;
  }

  /** Ends the reply subscription and fails every request still waiting for replies. */
  private stopReplies(err: unknown): void {
    this.replies = undefined;
    this.replySubscription?.unsubscribe();
    this.replySubscription = undefined;
    const waiting = [...this.routingMap.values()];
    this.routingMap.clear();
    for (const callback of waiting)
      (callback as (p: WritePacket) => void)({ err, isDisposed: true });
  }

  /** Hands a reply to the request it answers (replies to other proxies' requests are skipped). */
  private route(message: Message): void {
    const id = headerText(message, REQUEST_ID_HEADER);
    const callback = id === undefined ? undefined : this.routingMap.get(id);
    if (id === undefined || callback === undefined) return;
    let packet: WritePacket;
    try {
      packet = decodeMessage(message) as WritePacket;
    } catch (err) {
      packet = { err, isDisposed: true };
    }
    if (packet.isDisposed || packet.err) this.routingMap.delete(id);
    (callback as (p: WritePacket) => void)(packet);
  }
}
