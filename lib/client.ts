/**
 * LiftbridgeClient: the entry point. Every operation is a cold Observable:
 * nothing is sent until subscription, and unsubscribing cancels the call.
 */

import { randomUUID } from 'node:crypto';
import {
  catchError,
  concatWith,
  defer,
  EMPTY,
  filter,
  finalize,
  ignoreElements,
  map,
  mergeAll,
  Observable,
  of,
  share,
  switchMap,
  takeUntil,
  tap,
  throwError,
  type Unsubscribable,
} from 'rxjs';
import { ACTIVITY_STREAM, type ActivityEvent, decodeActivity } from './activity.js';
import { CURSORS_STREAM, cursorPartition } from './cursors.js';
import {
  closedError,
  ErrorCode,
  invalidArgument,
  isLiftbridgeError,
  LiftbridgeError,
} from './errors.js';
import { retryWithBackoff } from './internal/backoff.js';
import { Cluster } from './internal/cluster.js';
import type {
  Ack__Decoded,
  ApiMethods,
  CreateStreamRequest,
  NullableBool,
  NullableInt32,
  NullableInt64,
} from './internal/grpc/api-types.generated.js';
import { fromInt64, toInt64 } from './internal/grpc/codec.js';
import { failSink, Publisher, type PublishSink } from './internal/publisher.js';
import { ACK_POLICY_WIRE, type Ack, type AckPolicy, type Message, toAck } from './message.js';
import {
  type ClusterMetadata,
  type ConsumerGroupInfo,
  type PartitionInfo,
  toPartitionInfo,
} from './metadata/metadata.js';
import {
  type AssignedPartition,
  type ConsumerGroupOptions,
  type GroupMessage,
  groupPartitions,
} from './observables/consumer-group.js';
import {
  type SubscribeContext,
  type SubscribeOptions,
  subscribeMessages,
} from './observables/subscribe.js';
import { type ClientOptions, type ResolvedClientOptions, resolveOptions } from './options.js';
import { Partitioning } from './partitioners.js';
import {
  buildPublishRequest,
  type HeadersInit,
  isPublishRequest,
  type PublishOptions,
  type PublishRequest,
} from './publish-request.js';
import type { ClientStatus } from './status.js';
import {
  checkAckTimeout,
  checkCursor,
  checkDuration,
  checkId,
  checkIndex,
  checkInt,
  checkInt64,
  checkStreamName,
  checkSubject,
} from './validate.js';

/**
 * Settings of {@link LiftbridgeClient.createStream}. Unset ones are not sent,
 * so the server's defaults apply (its `streams.*` configuration). Durations
 * are milliseconds; sizes are bytes. Bad values throw `INVALID_ARGUMENT` at
 * the call site.
 *
 * @example
 * ```ts
 * const options: CreateStreamOptions = {
 *   partitions: 3,
 *   replicationFactor: 'all',
 *   retentionMaxAge: 24 * 3600 * 1000,
 * };
 * await lastValueFrom(client.createStream('orders', options));
 * ```
 */
export interface CreateStreamOptions {
  /**
   * NATS subject the stream consumes (partition N > 0 consumes `<subject>.N`).
   * @defaultValue the stream name
   */
  subject?: string;
  /**
   * Load-balance group: streams in one group share the subject's messages.
   * @defaultValue none
   */
  group?: string;
  /**
   * Number of partitions, 1 to 4096.
   * @defaultValue 1
   */
  partitions?: number;
  /**
   * Replicas per partition; -1 (or `'all'`) means every broker.
   * @defaultValue 1
   */
  replicationFactor?: number | 'all';
  /**
   * Replicas that must have a message before it is committed.
   * @defaultValue the server's `clustering.min.insync.replicas`
   */
  minIsr?: number;
  /**
   * Bytes a partition keeps before the oldest segments are deleted.
   * @defaultValue the server's `streams.retention.max.bytes`
   */
  retentionMaxBytes?: bigint | number;
  /**
   * Messages a partition keeps before the oldest segments are deleted.
   * @defaultValue the server's `streams.retention.max.messages`
   */
  retentionMaxMessages?: bigint | number;
  /**
   * Age (ms) after which segments are deleted.
   * @defaultValue the server's `streams.retention.max.age`
   */
  retentionMaxAge?: number;
  /**
   * How often (ms) the server checks retention limits.
   * @defaultValue the server's `streams.cleaner.interval`
   */
  cleanerInterval?: number;
  /**
   * Bytes after which a new log segment starts.
   * @defaultValue the server's `streams.segment.max.bytes`
   */
  segmentMaxBytes?: bigint | number;
  /**
   * Age (ms) after which a new log segment starts.
   * @defaultValue the server's `streams.segment.max.age`
   */
  segmentMaxAge?: number;
  /**
   * Log compaction: keep only the newest message of each key.
   * @defaultValue the server's `streams.compact.enabled`
   */
  compactEnabled?: boolean;
  /**
   * Goroutines the server uses to compact a partition, 1 to 1024.
   * @defaultValue the server's `streams.compact.max.goroutines`
   */
  compactMaxGoroutines?: number;
  /**
   * Milliseconds a partition may stay idle before the server pauses it; 0: never.
   * @defaultValue the server's `streams.auto.pause.time`
   */
  autoPauseTime?: number;
  /**
   * Do not auto-pause partitions that have subscribers.
   * @defaultValue the server's `streams.auto.pause.disable.if.subscribers`
   */
  autoPauseDisableIfSubscribers?: boolean;
  /**
   * Allow optimistic concurrency: publishes may name an `expectedOffset`.
   * @defaultValue the server's `streams.concurrency.control`
   */
  optimisticConcurrencyControl?: boolean;
  /**
   * Encryption at rest (the server needs `LIFTBRIDGE_ENCRYPTION_KEY`).
   * @defaultValue the server's `streams.encryption`
   */
  encryption?: boolean;
  /**
   * Complete only once metadata shows every partition with a leader
   * (polled within the client's `retryTimeout`); false: once the server has accepted the request.
   * @defaultValue true
   */
  waitForStream?: boolean;
}

/**
 * Options of {@link LiftbridgeClient.pauseStream}.
 *
 * @example
 * ```ts
 * await lastValueFrom(client.pauseStream('orders', { partitions: [1, 2], resumeAll: true }));
 * ```
 */
export interface PauseStreamOptions {
  /**
   * Partitions to pause.
   * @defaultValue all partitions
   */
  partitions?: number[];
  /**
   * Resume every partition when a publish or subscribe resumes one.
   * @defaultValue false
   */
  resumeAll?: boolean;
}

/**
 * Options of {@link LiftbridgeClient.setStreamReadonly}.
 *
 * @example
 * ```ts
 * await lastValueFrom(client.setStreamReadonly('orders', { partitions: [0], readonly: false }));
 * ```
 */
export interface SetReadonlyOptions {
  /**
   * Partitions to change.
   * @defaultValue all partitions
   */
  partitions?: number[];
  /**
   * Set (true) or clear (false) the readonly flag.
   * @defaultValue true
   */
  readonly?: boolean;
}

/**
 * Options of {@link LiftbridgeClient.publish}: those of every publish request,
 * plus an ack wait for this one.
 *
 * @example
 * ```ts
 * const options: SinglePublishOptions = { stream: 'orders', key: 'customer-7', ackTimeout: 1000 };
 * const ack = await lastValueFrom(client.publish('order #1', options));
 * ```
 */
export interface SinglePublishOptions extends PublishOptions {
  /**
   * Ack wait for this publish (ms, above 0); then it fails with `ACK_TIMEOUT`.
   * @defaultValue the client's {@link ClientOptions.ackTimeout}
   */
  ackTimeout?: number;
}

/**
 * Options of {@link LiftbridgeClient.publishToSubject}.
 *
 * @example
 * ```ts
 * const options: PublishToSubjectOptions = { key: 'disk', ackPolicy: AckPolicy.ALL };
 * await lastValueFrom(client.publishToSubject('alerts.disk', 'disk 91% full', options));
 * ```
 */
export interface PublishToSubjectOptions {
  /**
   * Message key.
   * @defaultValue none (empty)
   */
  key?: Uint8Array | string;
  /**
   * Message headers.
   * @defaultValue none
   */
  headers?: HeadersInit;
  /**
   * How the server acknowledges; with `NONE` the Observable completes without an Ack.
   * @defaultValue `'LEADER'`
   */
  ackPolicy?: AckPolicy;
  /**
   * Correlation id, returned in the Ack.
   * @defaultValue a random UUID
   */
  correlationId?: string;
  /**
   * How long the server waits for the stream's ack (ms, above 0); then the
   * Observable fails with `ACK_TIMEOUT`.
   * @defaultValue the client's {@link ClientOptions.ackTimeout}
   */
  ackTimeout?: number;
}

/** Partitions and limits the server accepts from us (the server trusts its clients). */
const MAX_PARTITIONS = 4096;

function nullableInt64(
  value: bigint | number | undefined,
  name: string,
): NullableInt64 | undefined {
  return value === undefined ? undefined : { value: toInt64(checkInt64(value, name)) };
}
function nullableMs(value: number | undefined, name: string): NullableInt64 | undefined {
  return value === undefined ? undefined : { value: toInt64(BigInt(checkDuration(value, name))) };
}
function nullableInt32(
  value: number | undefined,
  name: string,
  min: number,
  max: number,
): NullableInt32 | undefined {
  return value === undefined ? undefined : { value: checkInt(value, name, min, max) };
}
function nullableBool(value: boolean | undefined, name: string): NullableBool | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidArgument(name, 'expected a boolean');
  return { value };
}

function checkPartitionList(partitions: unknown, name: string): number[] {
  if (partitions === undefined) return [];
  if (!Array.isArray(partitions))
    throw invalidArgument(name, 'expected an array of partition numbers');
  return partitions.map((p, i) => checkIndex(p, `${name}[${i}]`));
}

/**
 * A Liftbridge client: streams, publishing, subscriptions, cursors and
 * consumer groups over one set of gRPC connections.
 *
 * Every operation returns a cold Observable: nothing is sent until it is
 * subscribed, each subscription runs the call anew, and unsubscribing
 * cancels it. Arguments are checked when the method is called (a bad one
 * throws `INVALID_ARGUMENT` at once); failures later arrive as
 * {@link LiftbridgeError}s through the Observable. Calls retry by
 * themselves through unreachable brokers and leader changes for up to the
 * `retryTimeout` option. After {@link close}, every operation fails with
 * `CLIENT_CLOSED`.
 *
 * @example
 * ```ts
 * await using client = new LiftbridgeClient(['127.0.0.1:9292']);
 * await lastValueFrom(client.createStream('orders'));
 * const ack = await lastValueFrom(client.publish('hello', { stream: 'orders' }));
 * console.log(`stored at offset ${ack.offset}`);
 * ```
 */
export class LiftbridgeClient {
  private readonly options: ResolvedClientOptions;
  private readonly cluster: Cluster;
  private readonly publisher: Publisher;
  private readonly partitioning = new Partitioning();
  private readonly metadataWaits = new Map<string, Observable<ClusterMetadata>>();
  /** Live consumer groups (each ends itself when called) and their pending goodbyes. */
  private readonly liveGroups = new Set<() => void>();
  private readonly goodbyes = new Set<{ group: string; work: Promise<void> }>();
  private closing: Promise<void> | undefined;

  /**
   * Makes a client; nothing connects until the first operation is subscribed.
   *
   * @param brokers - seed brokers as `host:port` (IPv6 as `[::1]:9292`); the
   *   others are learnt from cluster metadata.
   * @param options - see {@link ClientOptions}; every field has a documented default.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` naming a bad seed or
   *   option (an empty list, a missing or bad port, `tls` with `credentials`, ...).
   * @example
   * ```ts
   * const client = new LiftbridgeClient(['10.0.0.1:9292', '10.0.0.2:9292'], {
   *   requestTimeout: 5000,
   * });
   * // ...
   * await client.close();
   * ```
   */
  constructor(brokers: string[], options: ClientOptions = {}) {
    this.options = resolveOptions(brokers, options);
    this.cluster = new Cluster(this.options);
    this.publisher = new Publisher(this.cluster, this.options);
    const signal = this.options.signal;
    if (signal) {
      const onAbort = () => void this.close();
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.cluster.closing.subscribe(() => signal.removeEventListener('abort', onAbort));
      }
    }
  }

  /**
   * Connection and routing events as they happen (hot: no replay): a broker
   * connected or stopped answering, a partition leader changed, metadata
   * was refreshed, the client closed. Completes after `closed`; subscribing
   * does not connect.
   *
   * @example
   * ```ts
   * client.status$.subscribe((event) => {
   *   if (event.type === 'reconnecting') console.warn(`${event.broker}: ${event.error.code}`);
   *   if (event.type === 'leaderChanged') console.log(`${event.stream}/${event.partition} -> ${event.leader}`);
   * });
   * ```
   */
  get status$(): Observable<ClientStatus> {
    return this.cluster.status;
  }

  /**
   * The current cluster metadata: replays the latest snapshot (if any), then
   * every refresh; completes on close. Subscribing does not fetch: metadata
   * arrives with the client's calls, {@link fetchMetadata} and the
   * background refresh.
   *
   * @example
   * ```ts
   * client.metadata$.subscribe((md) => console.log(`${md.brokers.size} broker(s), ${md.streams.size} stream(s)`));
   * await lastValueFrom(client.fetchMetadata());
   * ```
   */
  get metadata$(): Observable<ClusterMetadata> {
    return this.cluster.metadataChanges.pipe(filter((m): m is ClusterMetadata => m !== undefined));
  }

  /**
   * True once {@link close} was called (or the `signal` option aborted).
   *
   * @example
   * ```ts
   * await client.close();
   * console.log(client.closed); // true
   * ```
   */
  get closed(): boolean {
    return this.cluster.closed;
  }

  /**
   * Builds an operation now (so argument checks throw at the call site) and
   * returns it cold, failing with CLIENT_CLOSED if subscribed after close().
   */
  private guard<T>(build: () => Observable<T>): Observable<T> {
    const operation = build();
    return defer(() => {
      if (this.cluster.closed) return throwError(closedError);
      // Live operations end with CLIENT_CLOSED when the client closes (the
      // teardown cancels their gRPC calls).
      return operation.pipe(
        takeUntil(this.cluster.closing),
        concatWith(defer(() => (this.cluster.closed ? throwError(closedError) : EMPTY))),
      );
    });
  }

  /**
   * Fetches cluster metadata (brokers, and all streams or those named) from
   * any broker, and updates {@link metadata$}. Emits one snapshot, then completes.
   *
   * @param streams - streams to fetch; omitted or empty: all streams. A named
   *   stream that does not exist is left out of the snapshot.
   * @returns a cold Observable of one {@link ClusterMetadata}; errors with
   *   `UNAVAILABLE` when no broker answers within the retry budget.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad stream name, at the call site.
   * @example
   * ```ts
   * const metadata = await lastValueFrom(client.fetchMetadata(['orders']));
   * for (const p of metadata.streams.get('orders')?.partitions.values() ?? []) {
   *   console.log(`orders/${p.id}: leader ${p.leader}, isr ${p.isr.join(',')}`);
   * }
   * ```
   */
  fetchMetadata(streams?: string[]): Observable<ClusterMetadata> {
    return this.guard(() => {
      const names = (streams ?? []).map((s, i) => checkStreamName(s, `streams[${i}]`, true));
      return this.cluster.refreshMetadata(names);
    });
  }

  /**
   * Partition details from the partition's leader: high watermark, newest
   * offset, paused and readonly flags, event timestamps. For a paused
   * partition (which has no running leader) the cluster metadata's view.
   *
   * @param stream - the stream.
   * @param partition - the partition number (default 0).
   * @returns a cold Observable of one {@link PartitionInfo}; errors with
   *   `NOT_FOUND` for an unknown stream or partition.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or
   *   partition, at the call site.
   * @example
   * ```ts
   * const p = await lastValueFrom(client.fetchPartitionMetadata('orders', 1));
   * console.log(`newest offset ${p.newestOffset}, high watermark ${p.highWatermark}`);
   * ```
   */
  fetchPartitionMetadata(stream: string, partition = 0): Observable<PartitionInfo> {
    return this.guard(() => {
      const name = checkStreamName(stream, 'stream', true);
      const index = checkIndex(partition, 'partition');
      return this.cluster.leaderBound(name, index, (conn) =>
        conn
          .unary(
            'FetchPartitionMetadata',
            { stream: name, partition: index },
            { timeoutMs: this.options.requestTimeout },
          )
          .pipe(
            map((res) => {
              if (!res.metadata) {
                throw new LiftbridgeError(ErrorCode.NotFound, `no metadata for ${name}/${index}`);
              }
              return toPartitionInfo(res.metadata);
            }),
            // A paused partition has no running leader to answer; the
            // cluster metadata still describes it.
            catchError((err: unknown) =>
              isLiftbridgeError(err, ErrorCode.NotLeader)
                ? this.cluster.refreshMetadata([name]).pipe(
                    map((md) => {
                      const info = md.streams.get(name)?.partitions.get(index);
                      if (info?.paused) return info;
                      throw err;
                    }),
                  )
                : throwError(() => err),
            ),
          ),
      );
    });
  }

  /**
   * Creates a stream. Emits once (`undefined`) when done; with
   * `waitForStream` (default true) only after every partition has a leader.
   * A retried request never reports `STREAM_EXISTS` caused by its own
   * earlier attempt.
   *
   * @param name - the stream name: non-empty, no whitespace, `*` or `>`, not
   *   starting with `__` (reserved for the server).
   * @param options - see {@link CreateStreamOptions}; unset settings take the server's defaults.
   * @returns a cold Observable that emits once; errors with `STREAM_EXISTS`
   *   when the name is taken.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or
   *   option, at the call site.
   * @example
   * ```ts
   * await lastValueFrom(
   *   client.createStream('orders', { partitions: 3, replicationFactor: 'all' }).pipe(
   *     catchError((err: unknown) =>
   *       isLiftbridgeError(err, ErrorCode.StreamExists) ? of(undefined) : throwError(() => err),
   *     ),
   *   ),
   * );
   * ```
   */
  createStream(name: string, options: CreateStreamOptions = {}): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      if (options === null || typeof options !== 'object')
        throw invalidArgument('options', 'expected an object');
      const partitions =
        options.partitions === undefined
          ? 1
          : checkInt(options.partitions, 'partitions', 1, MAX_PARTITIONS);
      let rf = 1;
      if (options.replicationFactor === 'all' || options.replicationFactor === -1) rf = -1;
      else if (options.replicationFactor !== undefined)
        rf = checkInt(options.replicationFactor, 'replicationFactor', 1, 1000);
      const request: CreateStreamRequest = {
        name: stream,
        subject: options.subject === undefined ? stream : checkSubject(options.subject),
        partitions,
        replicationFactor: rf,
      };
      if (options.group !== undefined) request.group = checkId(options.group, 'group');
      const optional: { [K in keyof CreateStreamRequest]?: CreateStreamRequest[K] | undefined } = {
        retentionMaxBytes: nullableInt64(options.retentionMaxBytes, 'retentionMaxBytes'),
        retentionMaxMessages: nullableInt64(options.retentionMaxMessages, 'retentionMaxMessages'),
        retentionMaxAge: nullableMs(options.retentionMaxAge, 'retentionMaxAge'),
        cleanerInterval: nullableMs(options.cleanerInterval, 'cleanerInterval'),
        segmentMaxBytes: nullableInt64(options.segmentMaxBytes, 'segmentMaxBytes'),
        segmentMaxAge: nullableMs(options.segmentMaxAge, 'segmentMaxAge'),
        compactMaxGoroutines: nullableInt32(
          options.compactMaxGoroutines,
          'compactMaxGoroutines',
          1,
          1024,
        ),
        compactEnabled: nullableBool(options.compactEnabled, 'compactEnabled'),
        autoPauseTime: nullableMs(options.autoPauseTime, 'autoPauseTime'),
        autoPauseDisableIfSubscribers: nullableBool(
          options.autoPauseDisableIfSubscribers,
          'autoPauseDisableIfSubscribers',
        ),
        minIsr: nullableInt32(options.minIsr, 'minIsr', 1, 1000),
        optimisticConcurrencyControl: nullableBool(
          options.optimisticConcurrencyControl,
          'optimisticConcurrencyControl',
        ),
        encryption: nullableBool(options.encryption, 'encryption'),
      };
      for (const [key, value] of Object.entries(optional)) {
        if (value !== undefined) Object.assign(request, { [key]: value });
      }
      if (options.compactMaxGoroutines !== undefined && options.compactEnabled === false) {
        throw invalidArgument(
          'compactMaxGoroutines',
          'sets how compaction runs, but compactEnabled is false',
        );
      }
      const created = this.admin('CreateStream', request, ErrorCode.StreamExists, () =>
        this.madeBy(request),
      ).pipe(
        tap(() => {
          if (options.optimisticConcurrencyControl === true)
            this.publisher.usesConcurrencyControl(stream);
        }),
      );
      if (options.waitForStream === false) return created;
      return created.pipe(switchMap(() => this.waitForLeaders(stream, partitions)));
    });
  }

  /**
   * A stream admin RPC at any broker, emitting once when done. `doneCode`:
   * the error that, after an earlier attempt may have reached a broker,
   * can mean that attempt succeeded; `ours` says whether it did (default:
   * yes). An attempt that never reached one does not count.
   */
  private admin<M extends 'CreateStream' | 'DeleteStream' | 'PauseStream' | 'SetStreamReadonly'>(
    method: M,
    request: ApiMethods[M]['request'],
    doneCode?: ErrorCode,
    ours: () => Observable<boolean> = () => of(true),
  ): Observable<void> {
    return this.cluster.anyBroker((conn, reachedBefore) =>
      conn.unary(method, request, { timeoutMs: this.options.requestTimeout }).pipe(
        map(() => undefined),
        catchError((err: unknown) =>
          doneCode && reachedBefore && isLiftbridgeError(err, doneCode)
            ? ours().pipe(
                catchError(() => of(false)),
                switchMap((mine) => (mine ? of(undefined) : throwError(() => err))),
              )
            : throwError(() => err),
        ),
      ),
    );
  }

  /** Whether stream `name` has the subject and partition count of `request` (so was made by it). */
  private madeBy(request: CreateStreamRequest): Observable<boolean> {
    const name = request.name ?? '';
    return this.cluster.refreshMetadata([name]).pipe(
      map((md) => {
        const info = md.streams.get(name);
        return (
          info !== undefined &&
          info.subject === request.subject &&
          info.partitions.size === request.partitions
        );
      }),
    );
  }

  /** Polls metadata until every partition of `stream` has a leader. */
  private waitForLeaders(stream: string, partitions: number): Observable<void> {
    return defer(() => this.cluster.refreshMetadata([stream])).pipe(
      map((md) => {
        const info = md.streams.get(stream);
        const ready =
          info !== undefined &&
          info.partitions.size === partitions &&
          [...info.partitions.values()].every((p) => p.leader !== undefined);
        if (!ready)
          throw new LiftbridgeError(ErrorCode.Unavailable, `stream "${stream}" has no leader yet`);
        return undefined;
      }),
      retryWithBackoff({
        shouldRetry: (err) => isLiftbridgeError(err, ErrorCode.Unavailable),
        deadlineMs: this.options.retryTimeout,
      }),
    );
  }

  /**
   * Deletes a stream. Emits once (`undefined`) when done, after refreshing
   * the client's metadata so that later calls see the stream gone;
   * subscribers of it end with `STREAM_DELETED`. A retried request never
   * reports `NOT_FOUND` caused by its own earlier attempt.
   *
   * @param name - the stream name.
   * @returns a cold Observable that emits once; errors with `NOT_FOUND` when
   *   there is no such stream.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name, at the call site.
   * @example
   * ```ts
   * await lastValueFrom(client.deleteStream('orders'));
   * ```
   */
  deleteStream(name: string): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      // Then forget it: a later subscribe must get NOT_FOUND, not wait for
      // a partition this client still remembers.
      return this.admin('DeleteStream', { name: stream }, ErrorCode.NotFound).pipe(
        tap(() => this.cluster.partitions.forget(stream)),
        concatWith(
          this.cluster.refreshMetadata([stream]).pipe(
            ignoreElements(),
            catchError(() => EMPTY),
          ),
        ),
      );
    });
  }

  /**
   * Pauses partitions (all by default): the server stops their leaders
   * until a publish or a subscribe with `resume: true` resumes them.
   * Emits once (`undefined`) when done.
   *
   * @param name - the stream name.
   * @param options - see {@link PauseStreamOptions}.
   * @returns a cold Observable that emits once; errors with `NOT_FOUND` for
   *   an unknown stream.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or
   *   partition list, at the call site.
   * @example
   * ```ts
   * await lastValueFrom(client.pauseStream('orders', { partitions: [2] }));
   * ```
   */
  pauseStream(name: string, options: PauseStreamOptions = {}): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      const partitions = checkPartitionList(options.partitions, 'partitions');
      return this.admin('PauseStream', {
        name: stream,
        partitions,
        resumeAll: Boolean(options.resumeAll),
      });
    });
  }

  /**
   * Sets (or clears, with `readonly: false`) the readonly flag of
   * partitions (all by default). Publishes to a readonly partition fail with
   * `READONLY`; subscribers without a stop position end with `READONLY` once
   * they have read it all. Emits once (`undefined`) when done.
   *
   * @param name - the stream name.
   * @param options - see {@link SetReadonlyOptions}.
   * @returns a cold Observable that emits once; errors with `NOT_FOUND` for
   *   an unknown stream.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or
   *   partition list, at the call site.
   * @example
   * ```ts
   * await lastValueFrom(client.setStreamReadonly('orders', { partitions: [0] }));
   * ```
   */
  setStreamReadonly(name: string, options: SetReadonlyOptions = {}): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      const partitions = checkPartitionList(options.partitions, 'partitions');
      return this.admin('SetStreamReadonly', {
        name: stream,
        partitions,
        readonly: options.readonly ?? true,
      });
    });
  }

  /**
   * Builds and validates a publish request without sending it, for
   * {@link publishBulk}, {@link publishBulkSettled}, {@link publishBulkFrom}
   * or {@link publishRequest}. The client's `partitioner` option applies when
   * the options name neither a partition nor a partitioner.
   *
   * @param value - the message value; a string is sent as UTF-8. Bytes are
   *   sent without a copy: do not change them until the publish settles.
   * @param options - see {@link PublishOptions}; `stream` is required.
   * @returns the request (read-only; it may be sent more than once, but not
   *   twice at the same time when it has a `correlationId`).
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` on bad input, at the call site.
   * @example
   * ```ts
   * const acks = await lastValueFrom(
   *   range(0, 100).pipe(
   *     map((i) => client.getPublishRequest(`msg ${i}`, { stream: 'orders', key: `k${i % 4}` })),
   *     publishBulk(client),
   *     toArray(),
   *   ),
   * );
   * ```
   */
  getPublishRequest(value: Uint8Array | string, options: PublishOptions): PublishRequest {
    return buildPublishRequest(value, options, this.options.partitioner);
  }

  /**
   * Publishes one message on the client's shared publish stream and emits
   * its {@link Ack} once the server acknowledges it. With AckPolicy `NONE`,
   * completes without an Ack once the message is written. The client never
   * re-sends a message (a re-send could store it twice).
   *
   * @param value - the message value; a string is sent as UTF-8. Bytes are
   *   sent without a copy: do not change them until the publish settles.
   * @param options - see {@link SinglePublishOptions}; `stream` is required.
   * @returns a cold Observable of one Ack (none with `NONE`). Errors with
   *   `ACK_TIMEOUT` when no ack comes within `ackTimeout`, and with a
   *   retriable `UNAVAILABLE` when the publish stream breaks first (in both
   *   cases the message may or may not be stored); with `NOT_FOUND` for an
   *   unknown stream or partition, `MESSAGE_TOO_LARGE`, `READONLY`,
   *   `INCORRECT_OFFSET` (a wrong `expectedOffset`), `ENCRYPTION_FAILED`,
   *   `PERMISSION_DENIED`, `INVALID_ARGUMENT` (a partitioner failed, or the
   *   `correlationId` is already in flight) or `CLIENT_CLOSED`.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` on bad input, at the call site.
   * @example
   * ```ts
   * const ack = await lastValueFrom(client.publish('hello', { stream: 'orders', partition: 0 }));
   * console.log(`acked: ${ack.stream}/${ack.partition} at offset ${ack.offset}`);
   * ```
   */
  publish(value: Uint8Array | string, options: SinglePublishOptions): Observable<Ack> {
    return this.publishRequest(
      buildPublishRequest(value, options, this.options.partitioner),
      options?.ackTimeout,
    );
  }

  /**
   * Sends a request built by {@link getPublishRequest}; emits its Ack and
   * errors as {@link publish} does.
   *
   * @param request - a request from getPublishRequest.
   * @param ackTimeout - ack wait for this request (ms, above 0); default the
   *   client's {@link ClientOptions.ackTimeout}.
   * @returns a cold Observable of one Ack (none with AckPolicy `NONE`).
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` when `request` was not
   *   built by getPublishRequest or `ackTimeout` is bad, at the call site.
   * @example
   * ```ts
   * const request = client.getPublishRequest('hello', { stream: 'orders' });
   * const ack = await lastValueFrom(client.publishRequest(request, 2000));
   * ```
   */
  publishRequest(request: PublishRequest, ackTimeout?: number): Observable<Ack> {
    return this.guard(() => {
      if (!isPublishRequest(request)) {
        throw invalidArgument('request', 'expected a request built by client.getPublishRequest()');
      }
      const wait = checkAckTimeout(ackTimeout) ?? this.options.ackTimeout;
      return new Observable<Ack>((subscriber) =>
        this.sendRouted(request, wait, {
          settled: (ack, err) => {
            if (err) subscriber.error(err);
            else {
              if (ack) subscriber.next(ack);
              subscriber.complete();
            }
          },
        }),
      );
    });
  }

  /**
   * Sends a request, choosing its partition first when it has a
   * partitioner (waiting for the stream's metadata when the client has none
   * yet; requests that wait for the same stream keep their order).
   */
  private sendRouted(
    request: PublishRequest,
    ackTimeout: number,
    sink: PublishSink,
  ): Unsubscribable {
    const partitioner = request.partitioner;
    if (!partitioner) return this.publisher.send(request, ackTimeout, sink);
    let sent: Unsubscribable | undefined;
    const send = (md: ClusterMetadata) => {
      let placed: PublishRequest;
      try {
        const { stream, key, value } = request;
        const partition = this.partitioning.choose(partitioner, stream, key, value, md);
        placed = { ...request, partition, partitioner: undefined };
      } catch (err) {
        failSink(sink, err);
        return;
      }
      sent = this.publisher.send(placed, ackTimeout, sink);
    };
    const known = this.cluster.metadata;
    if (known?.streams.has(request.stream)) {
      send(known);
      return { unsubscribe: () => sent?.unsubscribe() };
    }
    const waiting = this.streamMetadata(request.stream).subscribe({
      next: send,
      error: (err: unknown) => failSink(sink, err),
    });
    return {
      unsubscribe: () => {
        waiting.unsubscribe();
        sent?.unsubscribe();
      },
    };
  }

  /** One shared metadata refresh per stream for the requests waiting on it. */
  private streamMetadata(stream: string): Observable<ClusterMetadata> {
    let wait = this.metadataWaits.get(stream);
    if (!wait) {
      wait = this.cluster.refreshMetadata([stream]).pipe(
        finalize(() => this.metadataWaits.delete(stream)),
        share(),
      );
      this.metadataWaits.set(stream, wait);
    }
    return wait;
  }

  /**
   * Publishes to a NATS subject (the PublishToSubject RPC): every stream
   * consuming that subject stores the message. Emits the Ack of one of them
   * (its `partition` comes from the stream's subject: partition N > 0
   * consumes `<subject>.N`).
   *
   * @param subject - a NATS subject: no wildcards, whitespace or empty tokens.
   * @param value - the message value; a string is sent as UTF-8. Bytes are
   *   sent without a copy: do not change them until the publish settles.
   * @param options - see {@link PublishToSubjectOptions}.
   * @returns a cold Observable of one Ack (none with AckPolicy `NONE`).
   *   Errors with `ACK_TIMEOUT` when no ack comes within `ackTimeout`, as
   *   when no stream consumes the subject; never retried then, since the
   *   message may be stored.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` on bad input, at the call site.
   * @example
   * ```ts
   * const ack = await lastValueFrom(
   *   client.publishToSubject('alerts.disk', 'disk 91% full', { ackPolicy: AckPolicy.LEADER }),
   * );
   * console.log(`acked by ${ack.stream} at offset ${ack.offset}`);
   * ```
   */
  publishToSubject(
    subject: string,
    value: Uint8Array | string,
    options: PublishToSubjectOptions = {},
  ): Observable<Ack> {
    return this.guard(() => {
      const target = checkSubject(subject);
      // Reuses publish-request validation for value, key, headers, policy and id.
      const req = buildPublishRequest(value, { ...options, stream: 'subject' });
      const wait = checkAckTimeout(options.ackTimeout) ?? this.options.ackTimeout;
      const correlationId = req.correlationId ?? randomUUID();
      // A deadline here means no ack: it must not be retried (it may be stored).
      const noAck = (err: unknown) =>
        throwError(() =>
          isLiftbridgeError(err, ErrorCode.Timeout)
            ? new LiftbridgeError(
                ErrorCode.AckTimeout,
                `no ack within ${wait} ms for a message to subject ${target} (no stream consumes it, or none acked in time); it may or may not be stored`,
                { cause: err },
              )
            : err,
        );
      const call = this.cluster.anyBroker((conn) =>
        conn
          .unary(
            'PublishToSubject',
            {
              subject: target,
              key: req.key,
              value: req.value,
              headers: Object.fromEntries(req.headers),
              correlationId,
              ackPolicy: ACK_POLICY_WIRE[req.ackPolicy],
            },
            { timeoutMs: wait },
          )
          .pipe(catchError(noAck)),
      );
      return call.pipe(
        switchMap((res) => (res.ack ? this.subjectAck(res.ack, correlationId) : EMPTY)),
      );
    });
  }

  /** An Ack of PublishToSubject; its partition comes from the stream's subject in metadata. */
  private subjectAck(raw: Ack__Decoded, correlationId: string): Observable<Ack> {
    const decoded = {
      ...raw,
      offset: fromInt64(raw.offset),
      receptionTimestamp: fromInt64(raw.receptionTimestamp),
      commitTimestamp: fromInt64(raw.commitTimestamp),
    };
    const partitionOf = (md: ClusterMetadata | undefined): number | undefined => {
      const base = md?.streams.get(raw.stream)?.subject;
      if (base === undefined) return undefined;
      if (raw.msgSubject === base) return 0;
      const suffix = raw.msgSubject.startsWith(`${base}.`)
        ? raw.msgSubject.slice(base.length + 1)
        : '';
      return /^\d+$/.test(suffix) ? Number(suffix) : 0;
    };
    const known = partitionOf(this.cluster.metadata);
    const partition$ =
      known !== undefined
        ? of(known)
        : this.cluster.refreshMetadata([raw.stream]).pipe(
            map((md) => partitionOf(md) ?? 0),
            catchError(() => of(0)),
          );
    return partition$.pipe(map((partition) => toAck(decoded, partition, correlationId)));
  }

  /**
   * The callback path publishBulk uses: sends now, reports through `sink`;
   * unsubscribing the result cancels the request.
   * @internal
   */
  sendRequest(
    request: PublishRequest,
    ackTimeout: number | undefined,
    sink: PublishSink,
  ): Unsubscribable {
    return this.sendRouted(request, ackTimeout ?? this.options.ackTimeout, sink);
  }

  /**
   * Publish requests written to the publish stream and not yet
   * acknowledged, a gauge for tests and monitoring.
   *
   * @example
   * ```ts
   * setInterval(() => console.log(`in flight: ${client.publishesInFlight}`), 1000).unref();
   * ```
   */
  get publishesInFlight(): number {
    return this.publisher.inFlight;
  }

  /**
   * Subscribes to a stream partition: a cold Observable, one gRPC stream per
   * subscriber, at the partition leader (or a random in-sync replica with
   * `readIsrReplica`). Completes at the stop position; unsubscribing
   * cancels the stream. Compressed values arrive decompressed. If the
   * connection breaks or the leader moves, it resumes at the last offset + 1
   * (no gap, no duplicate) for up to `retryTimeout`.
   *
   * @param stream - the stream (reserved `__` names such as `__activity` allowed).
   * @param options - see {@link SubscribeOptions}: partition (default 0),
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
  subscribe(stream: string, options: SubscribeOptions = {}): Observable<Message> {
    return this.guard(() => subscribeMessages(this.subscribeContext(), stream, options));
  }

  private subscribeContext(): SubscribeContext {
    return {
      cluster: this.cluster,
      fetchCursor: (s, p, c) => this.fetchCursor(s, p, c),
      encodingHeader: this.options.encodingHeader,
      setupTimeout: this.options.requestTimeout,
    };
  }

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
  activity$(options: Omit<SubscribeOptions, 'partition'> = {}): Observable<ActivityEvent> {
    return this.subscribe(ACTIVITY_STREAM, { ...options, partition: 0 }).pipe(map(decodeActivity));
  }

  /**
   * Joins consumer group `groupId` for `streams` and emits the messages of
   * every partition the group assigns to this member, following rebalances
   * (partitions start after the group's checkpoint). Unsubscribing
   * checkpoints and leaves the group; {@link close} waits for that. Delivery
   * is at least once: after a rebalance the new assignee starts at the last
   * checkpoint.
   *
   * @param groupId - the group to join.
   * @param streams - a stream name or a non-empty list of them.
   * @param options - see {@link ConsumerGroupOptions}: `consumerId` (default
   *   a random UUID), `autoOffset` (default `'earliest'`), `autoCheckpoint`
   *   (default 5000 ms), `fetchAssignmentsInterval`.
   * @returns a cold Observable of {@link GroupMessage}s, merged from every
   *   assigned partition (see {@link consumerGroupPartitions}); errors with
   *   `NOT_FOUND` for a partition without a checkpoint under
   *   `autoOffset: 'none'`, with `CLIENT_CLOSED` on close, and as
   *   {@link subscribe} does.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad id, stream
   *   or option, at the call site.
   * @example
   * ```ts
   * const firstEight = await lastValueFrom(
   *   client.consumerGroup('billing', 'jobs').pipe(
   *     take(8),
   *     map((m) => Buffer.from(m.value).toString()),
   *     toArray(),
   *   ),
   * );
   * ```
   */
  consumerGroup(
    groupId: string,
    streams: string | string[],
    options: ConsumerGroupOptions = {},
  ): Observable<GroupMessage> {
    return this.consumerGroupPartitions(groupId, streams, options).pipe(mergeAll());
  }

  /**
   * Like {@link consumerGroup}, one Observable per assigned partition (as
   * rxjs `groupBy` gives groups): each completes when the partition is
   * assigned elsewhere; it reads only while subscribed.
   *
   * @param groupId - the group to join.
   * @param streams - a stream name or a non-empty list of them.
   * @param options - see {@link ConsumerGroupOptions}.
   * @returns a cold Observable of {@link AssignedPartition}s; errors as
   *   {@link consumerGroup} does.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad id, stream
   *   or option, at the call site.
   * @example
   * ```ts
   * client
   *   .consumerGroupPartitions('billing', 'jobs')
   *   .pipe(
   *     mergeMap((partition) =>
   *       partition.pipe(
   *         tap((m) => console.log(`${partition.stream}/${partition.partition}: ${m.offset}`)),
   *         finalize(() => console.log(`${partition.stream}/${partition.partition} went elsewhere`)),
   *       ),
   *     ),
   *   )
   *   .subscribe();
   * ```
   */
  consumerGroupPartitions(
    groupId: string,
    streams: string | string[],
    options: ConsumerGroupOptions = {},
  ): Observable<AssignedPartition> {
    return this.guard(() =>
      groupPartitions(
        {
          cluster: this.cluster,
          subscribe: (stream, opts, claim) =>
            this.guard(() => subscribeMessages(this.subscribeContext(), stream, opts, claim)),
          fetchCursor: (s, p, c) => this.fetchCursor(s, p, c),
          setCursor: (s, p, c, o) => this.setCursor(s, p, c, o),
          live: (stop) => {
            this.liveGroups.add(stop);
            return () => this.liveGroups.delete(stop);
          },
          goodbye: (group, work) => {
            const entry = { group, work };
            this.goodbyes.add(entry);
            void work.finally(() => this.goodbyes.delete(entry));
          },
          settled: async (group) => {
            const pending = [...this.goodbyes].filter((g) => g.group === group);
            await Promise.allSettled(pending.map((g) => g.work));
          },
        },
        groupId,
        streams,
        options,
      ),
    );
  }

  /**
   * A consumer group's coordinator and epoch, from cluster metadata.
   *
   * @param groupId - the group.
   * @returns a cold Observable of one {@link ConsumerGroupInfo}; errors with
   *   `NOT_FOUND` when there is no such group (once its last member has left).
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for an empty id, at the call site.
   * @example
   * ```ts
   * const group = await lastValueFrom(client.fetchConsumerGroup('billing'));
   * console.log(`coordinator ${group.coordinator}, epoch ${group.epoch}`);
   * ```
   */
  fetchConsumerGroup(groupId: string): Observable<ConsumerGroupInfo> {
    return this.guard(() => {
      const id = checkId(groupId, 'groupId');
      return this.cluster.fetchGroup(id).pipe(
        map((group) => {
          if (!group) throw new LiftbridgeError(ErrorCode.NotFound, `no consumer group "${id}"`);
          return group;
        }),
      );
    });
  }

  /** The `__cursors` partition holding a cursor, from metadata. */
  private cursorHome(stream: string, partition: number, cursorId: string): Observable<number> {
    return defer(() => this.cursorHomeNow(stream, partition, cursorId));
  }

  private cursorHomeNow(stream: string, partition: number, cursorId: string): Observable<number> {
    const fromMetadata = (md: ClusterMetadata | undefined) =>
      md?.streams.get(CURSORS_STREAM)?.partitions.size;
    const known = fromMetadata(this.cluster.metadata);
    const count$ = known
      ? of(known)
      : this.cluster.refreshMetadata([CURSORS_STREAM]).pipe(map((md) => fromMetadata(md) ?? 0));
    return count$.pipe(
      map((count) => {
        if (count === 0) {
          throw new LiftbridgeError(
            ErrorCode.NotFound,
            'cursors are disabled on this server (set cursors.stream.partitions > 0)',
          );
        }
        return cursorPartition(cursorId, stream, partition, count);
      }),
    );
  }

  /**
   * Stores `offset` (that of the last processed message) in cursor
   * `cursorId` of a stream partition; `StartPosition.RESUME` later starts
   * at offset + 1. Emits once (`undefined`) when stored. The server needs
   * `cursors.stream.partitions > 0`.
   *
   * @param stream - the stream.
   * @param partition - the partition number.
   * @param cursorId - the cursor (any non-empty string).
   * @param offset - the offset of the last processed message (-1 or more).
   * @returns a cold Observable that emits once; errors with `NOT_FOUND` when
   *   the server keeps no cursors.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad argument, at the call site.
   * @example
   * ```ts
   * client
   *   .subscribe('orders', { startPosition: StartPosition.RESUME, cursorId: 'mailer' })
   *   .pipe(concatMap((msg) => client.setCursor('orders', msg.partition, 'mailer', msg.offset)))
   *   .subscribe();
   * ```
   */
  setCursor(
    stream: string,
    partition: number,
    cursorId: string,
    offset: bigint | number,
  ): Observable<void> {
    return this.guard(() => {
      const {
        stream: name,
        partition: index,
        cursorId: id,
      } = checkCursor(stream, partition, cursorId);
      const value = checkInt64(offset, 'offset', -1n);
      return this.cursorHome(name, index, id).pipe(
        switchMap((home) =>
          this.cluster.leaderBound(CURSORS_STREAM, home, (conn) =>
            conn.unary(
              'SetCursor',
              { stream: name, partition: index, cursorId: id, offset: toInt64(value) },
              { timeoutMs: this.options.requestTimeout },
            ),
          ),
        ),
        map(() => undefined),
      );
    });
  }

  /**
   * The offset stored in cursor `cursorId` of a stream partition.
   *
   * @param stream - the stream.
   * @param partition - the partition number.
   * @param cursorId - the cursor.
   * @returns a cold Observable of one offset, `-1n` when there is no such
   *   cursor; errors with `NOT_FOUND` when the server keeps no cursors.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad argument, at the call site.
   * @example
   * ```ts
   * const last = await lastValueFrom(client.fetchCursor('orders', 0, 'mailer'));
   * console.log(last < 0n ? 'no cursor yet' : `resume at ${last + 1n}`);
   * ```
   */
  fetchCursor(stream: string, partition: number, cursorId: string): Observable<bigint> {
    return this.guard(() => {
      const {
        stream: name,
        partition: index,
        cursorId: id,
      } = checkCursor(stream, partition, cursorId);
      return this.cursorHome(name, index, id).pipe(
        switchMap((home) =>
          this.cluster.leaderBound(CURSORS_STREAM, home, (conn) =>
            conn.unary(
              'FetchCursor',
              { stream: name, partition: index, cursorId: id },
              { timeoutMs: this.options.requestTimeout },
            ),
          ),
        ),
        map((res) => fromInt64(res.offset)),
      );
    });
  }

  /**
   * Closes the client: live consumer groups checkpoint and leave (waiting
   * up to `requestTimeout`), in-flight publishes fail with `CLIENT_CLOSED`,
   * live subscriptions and other operations end with `CLIENT_CLOSED`,
   * {@link metadata$} and {@link status$} complete, every channel closes,
   * and the process can exit. Idempotent: later calls return the same promise.
   *
   * @returns a promise that resolves once closed.
   * @example
   * ```ts
   * const client = new LiftbridgeClient(['127.0.0.1:9292']);
   * try {
   *   await lastValueFrom(client.publish('hello', { stream: 'orders' }));
   * } finally {
   *   await client.close();
   * }
   * ```
   */
  async close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** Ends live consumer groups (waiting a bounded time for their checkpoint and leave), then closes. */
  private async shutDown(): Promise<void> {
    for (const stop of [...this.liveGroups]) stop();
    if (this.goodbyes.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.requestTimeout);
      });
      await Promise.race([Promise.allSettled([...this.goodbyes].map((g) => g.work)), bound]);
      clearTimeout(timer);
    }
    this.publisher.close();
    this.cluster.close();
  }

  /**
   * Calls {@link close}, so `await using` closes the client at scope exit.
   *
   * @example
   * ```ts
   * {
   *   await using client = new LiftbridgeClient(['127.0.0.1:9292']);
   *   await lastValueFrom(client.fetchMetadata());
   * } // closed here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
