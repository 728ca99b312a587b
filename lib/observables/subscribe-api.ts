/**
 * Reading a stream: subscribe (one partition or all of them, from any start
 * position, following leaders) and the server's activity stream as typed events.
 */
import { map, type Observable, type ObservableInput, takeUntil } from 'rxjs';
import { ACTIVITY_STREAM, type ActivityEvent, decodeActivity } from '../activity.js';
import { fetchCursor } from '../admin/cursors.js';
import { fetchPartitionMetadata } from '../admin/metadata.js';
import { handleMessage } from '../diagnostics.js';
import type { ClientCore } from '../internal/core.js';
import type { Message } from '../message.js';
import {
  type ConsumeOptions,
  type MessagesOptions,
  planConsume,
  planMessages,
} from '../plans/flow.js';
import { planSubscribe } from '../plans/subscribe.js';
import { consumeWithFlowControl, iterateWithFlowControl } from './flow-control.js';
import { type SubscribeContext, type SubscribeOptions, subscribeMessages } from './subscribe.js';

/**
 * The reading of a client ({@link LiftbridgeClient} implements it).
 *
 * @example
 * ```ts
 * const reader: SubscribeApi = client;
 * reader.subscribe('orders', { startPosition: StartPosition.EARLIEST }).subscribe(console.log);
 * ```
 */
export interface SubscribeApi {
  /**
   * Subscribes to a stream partition (partition 0 unless `partition` says
   * otherwise; `'all'` reads every partition, one subscription each, merged):
   * a cold Observable, one gRPC stream per subscriber and partition, at the partition leader (or a random in-sync replica with
   * `readIsrReplica`). Completes at the stop position; unsubscribing
   * cancels the stream. Compressed values arrive decompressed. If the
   * connection breaks or the leader moves, it resumes at the last offset + 1
   * (no gap, no duplicate) for up to `retryTimeout`.
   *
   * @param stream - the stream (reserved `__` names such as `__activity` allowed).
   * @param options - see {@link SubscribeOptions}: partition (default 0, or `'all'`),
   *   start (default `NEW_ONLY`) and stop (default `ON_CANCEL`) positions.
   * @returns a cold Observable of {@link Message}s. Errors with `NOT_FOUND`
   *   for an unknown stream or partition, `STREAM_DELETED` when the stream
   *   is deleted, `PARTITION_PAUSED` when the partition is paused (subscribe
   *   with `resume: true` to resume it), `READONLY` at the end of a readonly
   *   partition without a stop position, `CLIENT_CLOSED` on close.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or
   *   option (such as `startPosition: 'OFFSET'` without `startOffset`), at the call site.
   * @example
   * ```ts
   * await lastValueFrom(
   *   client
   *     .subscribe('orders', { startPosition: StartPosition.EARLIEST, stopPosition: StopPosition.LATEST })
   *     .pipe(tap((msg) => console.log(`${msg.offset}: ${Buffer.from(msg.value).toString()}`))),
   *   { defaultValue: undefined },
   * );
   * ```
   */
  subscribe(stream: string, options?: SubscribeOptions): Observable<Message>;

  /**
   * Reads a stream as an AsyncIterable, with flow control: `for await`
   * pulls, and while the loop is `highWaterMark` messages behind the gRPC
   * stream is paused (not read, so HTTP/2 flow control stops the server
   * once the stream's 1 MiB window is full) until it is back to
   * `lowWaterMark`. Memory stays bounded whatever the backlog. Each
   * `for await` subscribes anew (as {@link subscribe} does, with the same
   * options, `partition: 'all'`, resubscription and leader moves); `break`
   * cancels the call; errors are thrown from the loop as the same typed
   * errors, after the messages before them. On `drain()` the call stops,
   * the loop gets the messages already received and ends, and the drain
   * waits for it.
   *
   * @param stream - the stream.
   * @param options - see {@link MessagesOptions}: subscribe's options, and
   *   `highWaterMark` (default 256) and `lowWaterMark` (default a quarter of it).
   * @returns a cold AsyncIterable of {@link Message}s.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or option, at the call site.
   * @example
   * ```ts
   * for await (const msg of client.messages('orders', { startPosition: StartPosition.EARLIEST })) {
   *   await save(msg);
   *   if (msg.offset >= 99n) break; // cancels the call
   * }
   * ```
   */
  messages(stream: string, options?: MessagesOptions): AsyncIterable<Message>;

  /**
   * Reads a stream into `handler` with flow control, the Rx form of
   * {@link messages}: each message is handed to `handler` (`concurrency`
   * at a time; one at a time, in order, by default), and while `prefetch`
   * messages are received and not yet handled the gRPC stream is paused,
   * until half of them are. Unlike `subscribe().pipe(concatMap(handler))`,
   * which buffers the whole backlog, memory stays bounded. On `drain()` it
   * stops pulling, handles the messages already received, then completes.
   *
   * @param stream - the stream.
   * @param handler - called per message; returns an Observable, Promise or
   *   array (its values are emitted).
   * @param options - see {@link ConsumeOptions}: subscribe's options,
   *   `prefetch` (default 256) and `concurrency` (default 1).
   * @returns a cold Observable of the handlers' results; errors as
   *   {@link subscribe} does, or with a handler's error.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or option, at the call site.
   * @example
   * ```ts
   * client
   *   .consume('orders', (msg) => save(msg), { startPosition: StartPosition.EARLIEST, prefetch: 100 })
   *   .subscribe({ error: (err) => console.error(err) });
   * ```
   */
  consume<R>(
    stream: string,
    handler: (message: Message) => ObservableInput<R>,
    options?: ConsumeOptions,
  ): Observable<R>;

  /**
   * The server's activity stream (`__activity`; the server needs
   * `activity.stream.enabled: true`) as typed events: a subscription with
   * the given positions, each message decoded by {@link decodeActivity}.
   *
   * @param options - subscribe options without `partition` (the stream has
   *   one); start default `NEW_ONLY`, stop default `ON_CANCEL`.
   * @returns a cold Observable of {@link ActivityEvent}s; errors with
   *   `NOT_FOUND` when the server does not keep the stream, and as
   *   {@link subscribe} does.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad option, at the call site.
   * @example
   * ```ts
   * client.activity$({ startPosition: StartPosition.EARLIEST }).subscribe((event) => {
   *   if (event.type === 'streamCreated') console.log(`created ${event.stream}`);
   * });
   * ```
   */
  activity$(options?: Omit<SubscribeOptions, 'partition'>): Observable<ActivityEvent>;
}

export function subscribe(
  core: ClientCore,
  stream: string,
  options: SubscribeOptions = {},
): Observable<Message> {
  // A plain subscription has no handler to wait for: it completes when drain starts.
  return core.guard(() =>
    subscribeMessages(subscribeContext(core), stream, options).pipe(takeUntil(core.drain.draining)),
  );
}

export function messages(
  core: ClientCore,
  stream: string,
  options: MessagesOptions = {},
): AsyncIterable<Message> {
  const plan = planMessages(options);
  planSubscribe(stream, plan.subscribe);
  return iterateWithFlowControl(
    (paused) =>
      core.guard(() =>
        subscribeMessages({ ...subscribeContext(core), paused }, stream, plan.subscribe),
      ),
    plan.marks,
    core.lifecycle,
  );
}

export function consume<R>(
  core: ClientCore,
  stream: string,
  handler: (message: Message) => ObservableInput<R>,
  options: ConsumeOptions = {},
): Observable<R> {
  const plan = planConsume(handler, options);
  planSubscribe(stream, plan.subscribe);
  return core.guard(() =>
    consumeWithFlowControl(
      (paused) => subscribeMessages({ ...subscribeContext(core), paused }, stream, plan.subscribe),
      // Inside the message's consumer span when tracing (liftbridge-rx/otel).
      (message) => handleMessage(message, () => handler(message)),
      plan,
      core.lifecycle,
    ),
  );
}

/** What a subscription needs of the client. */
export function subscribeContext(core: ClientCore): SubscribeContext {
  return {
    cluster: core.cluster,
    fetchCursor: (s, p, c) => fetchCursor(core, s, p, c, 'inner'),
    encodingHeader: core.options.encodingHeader,
    maxDecompressedBytes: core.options.maxDecompressedBytes,
    setupTimeout: core.options.requestTimeout,
    highWatermark: (s, p) => fetchPartitionMetadata(core, s, p).pipe(map((i) => i.highWatermark)),
    logger: core.options.logger,
  };
}

export function activity(
  core: ClientCore,
  options: Omit<SubscribeOptions, 'partition'> = {},
): Observable<ActivityEvent> {
  return subscribe(core, ACTIVITY_STREAM, { ...options, partition: 0 }).pipe(map(decodeActivity));
}
