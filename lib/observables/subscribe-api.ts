/**
 * Reading a stream: subscribe (one partition or all of them, from any start
 * position, following leaders) and the server's activity stream as typed events.
 */
import { map, type Observable } from 'rxjs';
import { ACTIVITY_STREAM, type ActivityEvent, decodeActivity } from '../activity.js';
import { fetchCursor } from '../admin/cursors.js';
import { fetchPartitionMetadata } from '../admin/metadata.js';
import type { ClientCore } from '../internal/core.js';
import type { Message } from '../message.js';
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
  return core.guard(() => subscribeMessages(subscribeContext(core), stream, options));
}

/** What a subscription needs of the client. */
export function subscribeContext(core: ClientCore): SubscribeContext {
  return {
    cluster: core.cluster,
    fetchCursor: (s, p, c) => fetchCursor(core, s, p, c),
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
