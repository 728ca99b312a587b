/**
 * Events at the source, through `node:diagnostics_channel`: publish, ack,
 * publish failure, subscribe start and end, message delivered, resubscribe,
 * leader move, retry, admin calls, and message handling. This module owns
 * the channels; the emitting sites are one-liners that check
 * `hasSubscribers` first, so nothing is allocated while nobody listens.
 *
 * Tracing tools (the `liftbridge-rx/otel` entry, or your own) subscribe by
 * name with `diagnostics_channel.subscribe(DIAGNOSTICS_CHANNELS.publish, fn)`.
 * Listeners run synchronously at the emitting site and must not throw.
 */
import diagnostics from 'node:diagnostics_channel';
import { defer, finalize, type MonoTypeOperatorFunction, Observable, tap } from 'rxjs';
import type { LiftbridgeError } from './errors.js';
import type { Ack, Message } from './message.js';
import type { PublishRequest } from './publish-request.js';

/**
 * The names of the channels a client publishes on, each with the event
 * type its messages have.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(DIAGNOSTICS_CHANNELS.ack, (m) => {
 *   const e = m as PublishEvent;
 *   console.log(`acked ${e.correlationId} at ${e.ack?.offset}`);
 * });
 * ```
 */
export const DIAGNOSTICS_CHANNELS = {
  /** {@link PublishEvent}, before the request is encoded: listeners may add headers. */
  publish: 'liftbridge-rx:publish',
  /** {@link PublishEvent} (the same object) with `outcome` `'acked'` (ack set) or `'sent'` (AckPolicy NONE). */
  ack: 'liftbridge-rx:ack',
  /** {@link PublishEvent} (the same object) with `outcome` `'failed'` (error set) or `'cancelled'`; alone for a request refused before sending ({@link PublishEvent.refused}). */
  publishError: 'liftbridge-rx:publish-error',
  /** {@link SubscribeEvent}: a partition subscription started (subscribed). */
  subscribeStart: 'liftbridge-rx:subscribe-start',
  /** {@link SubscribeEvent} (the same object): it ended (completed, failed or unsubscribed). */
  subscribeEnd: 'liftbridge-rx:subscribe-end',
  /** {@link DeliverEvent}: a message is handed to the subscriber (listeners may wrap `run`). */
  deliver: 'liftbridge-rx:deliver',
  /** {@link ResubscribeEvent}: a partition subscription calls the (new) leader again. */
  resubscribe: 'liftbridge-rx:resubscribe',
  /** {@link LeaderMoveEvent}: a metadata refresh shows a partition's leader moved. */
  leaderMove: 'liftbridge-rx:leader-move',
  /** {@link RetryEvent}: a call failed and is tried again after a delay. */
  retry: 'liftbridge-rx:retry',
  /** {@link CallEvent}: an admin, metadata or cursor call started. */
  call: 'liftbridge-rx:call',
  /** {@link CallEvent} (the same object): it ended. */
  callEnd: 'liftbridge-rx:call-end',
  /** {@link ProcessEvent}: {@link handleMessage} runs a handler (listeners may wrap `run`). */
  process: 'liftbridge-rx:process',
} as const;

/**
 * One publish, from the `publish` channel to `ack` or `publishError` (the
 * same object, so a listener can keep state for it in a WeakMap).
 *
 * @example
 * ```ts
 * subscribe(DIAGNOSTICS_CHANNELS.publish, (m) => {
 *   (m as PublishEvent).headers.set('x-sent-by', Buffer.from('billing'));
 * });
 * ```
 */
export interface PublishEvent {
  /** The correlation id the request is sent with (given, or made by the client). */
  readonly correlationId: string;
  /** The request as it is sent (its `headers` are {@link PublishEvent.headers}). */
  readonly request: PublishRequest;
  /** The headers to send: a copy a `publish` listener may add to (never remove a user's). */
  readonly headers: Map<string, Uint8Array>;
  /** `'pending'` until settled: `'acked'`, `'sent'` (AckPolicy NONE), `'failed'` or `'cancelled'` (unsubscribed). */
  outcome: 'pending' | 'acked' | 'sent' | 'failed' | 'cancelled';
  /** The ack, once `'acked'`. */
  ack: Ack | undefined;
  /** Why it failed, once `'failed'`. */
  error: LiftbridgeError | undefined;
  /**
   * The NATS subject of a `publishToSubject` (then `request.stream` is that
   * subject too: the ack says which stream stored it); undefined for a
   * publish to a stream.
   */
  readonly subject: string | undefined;
  /**
   * True for a request refused before it was sent (client closed or
   * draining, message too large, a partitioner that failed, a
   * `correlationId` already in flight...): it comes on `publishError` alone,
   * with no `publish` event before it, `outcome` `'failed'`, and the
   * `correlationId` given ('' when none was given).
   */
  readonly refused: boolean;
}

/**
 * One partition subscription, from `subscribeStart` to `subscribeEnd` (the
 * same object).
 *
 * @example
 * ```ts
 * subscribe(DIAGNOSTICS_CHANNELS.subscribeEnd, (m) => {
 *   const s = m as SubscribeEvent;
 *   console.log(`${s.stream}/${s.partition} ended after offset ${s.lastOffset}`);
 * });
 * ```
 */
export interface SubscribeEvent {
  /** The stream. */
  readonly stream: string;
  /** The partition. */
  readonly partition: number;
  /** The offset of the last message delivered; undefined before the first. */
  lastOffset: bigint | undefined;
  /** Why it ended (on `subscribeEnd`); undefined: completed or unsubscribed. */
  error: unknown;
  /** The partition's high watermark, from its leader (for a lag gauge). */
  readonly highWatermark: (() => Observable<bigint>) | undefined;
}

/**
 * A message handed to a subscriber.
 *
 * @example
 * ```ts
 * subscribe(DIAGNOSTICS_CHANNELS.deliver, (m) => {
 *   const e = m as DeliverEvent;
 *   const deliver = e.run;
 *   e.run = () => {
 *     const t0 = performance.now();
 *     deliver();
 *     console.log(`offset ${e.message.offset} handled in ${performance.now() - t0} ms`);
 *   };
 * });
 * ```
 */
export interface DeliverEvent {
  /** The message. */
  readonly message: Message;
  /** Its subscription (undefined when nobody listened when it started). */
  readonly subscription: SubscribeEvent | undefined;
  /** Delivers the message; a listener may replace it with a wrapper that calls the old one once. */
  run: () => void;
}

/**
 * A handler run by {@link handleMessage}.
 *
 * @example
 * ```ts
 * subscribe(DIAGNOSTICS_CHANNELS.process, (m) => {
 *   const e = m as ProcessEvent;
 *   const run = e.run;
 *   e.run = () => storage.run(e.message, run); // an AsyncLocalStorage of yours
 * });
 * ```
 */
export interface ProcessEvent {
  /** The message handled. */
  readonly message: Message;
  /** Runs the handler; a listener may replace it with a wrapper that calls the old one once and returns its result. */
  run: () => unknown;
}

/**
 * A partition subscription calls the (new) leader again after a break.
 *
 * @example
 * ```ts
 * subscribe(DIAGNOSTICS_CHANNELS.resubscribe, (m) => {
 *   const e = m as ResubscribeEvent;
 *   console.log(`${e.stream}/${e.partition} again from ${e.fromOffset}`);
 * });
 * ```
 */
export interface ResubscribeEvent {
  /** The stream. */
  readonly stream: string;
  /** The partition. */
  readonly partition: number;
  /** The offset it asks for (the last delivered + 1), undefined when nothing was delivered yet. */
  readonly fromOffset: bigint | undefined;
  /** 1 for the first call again, 2 for the next... */
  readonly attempt: number;
}

/**
 * A metadata refresh shows a partition's leader moved (as the
 * `leaderChanged` event of `status$`).
 *
 * @example
 * ```ts
 * subscribe(DIAGNOSTICS_CHANNELS.leaderMove, (m) => {
 *   const e = m as LeaderMoveEvent;
 *   console.log(`${e.stream}/${e.partition}: ${e.previous} -> ${e.leader}`);
 * });
 * ```
 */
export interface LeaderMoveEvent {
  /** The stream. */
  readonly stream: string;
  /** The partition. */
  readonly partition: number;
  /** Broker id of the old leader; undefined when there was none. */
  readonly previous: string | undefined;
  /** Broker id of the new leader; undefined while there is none. */
  readonly leader: string | undefined;
}

/**
 * A call failed and is tried again after a delay.
 *
 * @example
 * ```ts
 * subscribe(DIAGNOSTICS_CHANNELS.retry, (m) => {
 *   const e = m as RetryEvent;
 *   console.log(`retrying ${e.operation} in ${e.delayMs} ms`);
 * });
 * ```
 */
export interface RetryEvent {
  /** What is retried (`call to orders/0`, `any-broker call`). */
  readonly operation: string;
  /** The failure. */
  readonly error: unknown;
  /** 1 for the first retry, 2 for the next... */
  readonly attempt: number;
  /** The wait before it (ms). */
  readonly delayMs: number;
}

/**
 * An admin, metadata or cursor call, from `call` to `callEnd` (the same object).
 *
 * @example
 * ```ts
 * subscribe(DIAGNOSTICS_CHANNELS.callEnd, (m) => {
 *   const e = m as CallEvent;
 *   if (e.error) console.warn(`${e.method} failed`);
 * });
 * ```
 */
export interface CallEvent {
  /** The RPC (`CreateStream`, `FetchMetadata`, `SetCursor`, ...). */
  readonly method: string;
  /** The stream it is about, if one. */
  readonly stream: string | undefined;
  /** Why it failed (on `callEnd`); undefined: it succeeded or was unsubscribed. */
  error: unknown;
}

const ch = (name: string) => diagnostics.channel(name);
const publishChannel = ch(DIAGNOSTICS_CHANNELS.publish);
const ackChannel = ch(DIAGNOSTICS_CHANNELS.ack);
const publishErrorChannel = ch(DIAGNOSTICS_CHANNELS.publishError);
const startChannel = ch(DIAGNOSTICS_CHANNELS.subscribeStart);
const endChannel = ch(DIAGNOSTICS_CHANNELS.subscribeEnd);
const deliverChannel = ch(DIAGNOSTICS_CHANNELS.deliver);
const resubscribeChannel = ch(DIAGNOSTICS_CHANNELS.resubscribe);
const leaderMoveChannel = ch(DIAGNOSTICS_CHANNELS.leaderMove);
const retryChannel = ch(DIAGNOSTICS_CHANNELS.retry);
const callChannel = ch(DIAGNOSTICS_CHANNELS.call);
const callEndChannel = ch(DIAGNOSTICS_CHANNELS.callEnd);
const processChannel = ch(DIAGNOSTICS_CHANNELS.process);

/**
 * A publish is about to be encoded: undefined while nobody listens; else
 * the event, whose `request` (with a copy of the headers that listeners
 * may add to) is the one to send.
 */
export function publishing(
  request: PublishRequest,
  correlationId: string,
  subject?: string,
): PublishEvent | undefined {
  if (!publishChannel.hasSubscribers) return undefined;
  const headers = new Map(request.headers);
  const event: PublishEvent = {
    correlationId,
    request: { ...request, headers },
    headers,
    outcome: 'pending',
    ack: undefined,
    error: undefined,
    subject,
    refused: false,
  };
  publishChannel.publish(event);
  return event;
}

/** A request refused before it was sent: a `publishError` event alone (see {@link PublishEvent.refused}). */
export function refused(request: PublishRequest, error: LiftbridgeError, subject?: string): void {
  if (!publishErrorChannel.hasSubscribers) return;
  publishErrorChannel.publish({
    correlationId: request.correlationId ?? '',
    request,
    headers: new Map(request.headers),
    outcome: 'failed',
    ack: undefined,
    error,
    subject,
    refused: true,
  } satisfies PublishEvent);
}

/** A publish settled (ack, or error; neither: sent without ack) or was cancelled. */
export function published(
  event: PublishEvent,
  ack: Ack | undefined,
  error: LiftbridgeError | undefined,
  cancelled = false,
): void {
  if (event.outcome !== 'pending') return;
  event.ack = ack;
  event.error = error;
  event.outcome = cancelled ? 'cancelled' : error ? 'failed' : ack ? 'acked' : 'sent';
  (error || cancelled ? publishErrorChannel : ackChannel).publish(event);
}

/**
 * Reports a partition subscription's start, end and deliveries (and hands
 * each message to the subscriber inside a listener's wrapper). While nobody
 * listens it only passes messages on. A `new Observable` outside the gRPC
 * glue, because no stock operator lets a wrapper run the downstream `next`
 * (the consumer span must be the active context while the subscriber runs).
 */
export function observeSubscription(
  stream: string,
  partition: number,
  highWatermark: (() => Observable<bigint>) | undefined,
): MonoTypeOperatorFunction<Message> {
  return (source) =>
    new Observable<Message>((subscriber) => {
      let event: SubscribeEvent | undefined;
      if (startChannel.hasSubscribers || endChannel.hasSubscribers) {
        event = { stream, partition, lastOffset: undefined, error: undefined, highWatermark };
        startChannel.publish(event);
      }
      const subscription = source.subscribe({
        next: (m) => {
          if (event) event.lastOffset = m.offset;
          if (!deliverChannel.hasSubscribers) subscriber.next(m);
          else {
            const deliver: DeliverEvent = {
              message: m,
              subscription: event,
              run: () => subscriber.next(m),
            };
            deliverChannel.publish(deliver);
            deliver.run();
          }
        },
        error: (err: unknown) => {
          if (event) event.error = err;
          subscriber.error(err);
        },
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        if (event) endChannel.publish(event);
      };
    });
}

/** A partition subscription calls the leader again. */
export function resubscribed(
  stream: string,
  partition: number,
  fromOffset: bigint | undefined,
  attempt: number,
): void {
  if (resubscribeChannel.hasSubscribers)
    resubscribeChannel.publish({ stream, partition, fromOffset, attempt } as ResubscribeEvent);
}

/** A metadata refresh shows a leader moved. */
export function leaderMoved(event: LeaderMoveEvent): void {
  if (leaderMoveChannel.hasSubscribers) leaderMoveChannel.publish(event);
}

/** A call is tried again after `delayMs`. */
export function retried(operation: string, error: unknown, attempt: number, delayMs: number): void {
  if (retryChannel.hasSubscribers)
    retryChannel.publish({ operation, error, attempt, delayMs } as RetryEvent);
}

/** An admin, metadata or cursor call, reported on the `call` channels when subscribed. */
export function observeCall<T>(
  method: string,
  stream: string | undefined,
  call: Observable<T>,
): Observable<T> {
  return defer(() => {
    if (!callChannel.hasSubscribers) return call;
    const event: CallEvent = { method, stream, error: undefined };
    callChannel.publish(event);
    return call.pipe(
      tap({ error: (err: unknown) => (event.error = err) }),
      finalize(() => callEndChannel.publish(event)),
    );
  });
}

/**
 * Runs `handler` as the handling of `message`: while a tracing tool listens
 * (the `liftbridge-rx/otel` entry), inside the message's consumer span
 * context, so spans the handler starts (even after an `await`) join the
 * message's trace. Otherwise it only calls `handler`. The NestJS transport
 * runs every handler through it.
 *
 * @example
 * ```ts
 * client.subscribe('orders').subscribe((msg) => {
 *   void handleMessage(msg, async () => {
 *     await saveOrder(msg.value);
 *   });
 * });
 * ```
 */
export function handleMessage<T>(message: Message, handler: () => T): T {
  if (!processChannel.hasSubscribers) return handler();
  const event: ProcessEvent = { message, run: handler };
  processChannel.publish(event);
  return event.run() as T;
}
