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
  throwError,
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
import { Publisher, type PublishSink } from './internal/publisher.js';
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
  checkDuration,
  checkId,
  checkIndex,
  checkInt,
  checkInt64,
  checkStreamName,
  checkSubject,
} from './validate.js';

/** Settings of createStream; unset ones take the server's defaults. Durations in milliseconds. */
export interface CreateStreamOptions {
  /** NATS subject the stream consumes; default the stream name. */
  subject?: string;
  /** Load-balance group: streams in one group share the subject's messages. */
  group?: string;
  /** Number of partitions; default 1. */
  partitions?: number;
  /** Replicas per partition; -1 (or 'all') means every broker; default 1. */
  replicationFactor?: number | 'all';
  /** Replicas that must have a message before it is committed. */
  minIsr?: number;
  retentionMaxBytes?: bigint | number;
  retentionMaxMessages?: bigint | number;
  /** Milliseconds. */
  retentionMaxAge?: number;
  /** Milliseconds. */
  cleanerInterval?: number;
  segmentMaxBytes?: bigint | number;
  /** Milliseconds. */
  segmentMaxAge?: number;
  compactEnabled?: boolean;
  compactMaxGoroutines?: number;
  /** Milliseconds a partition may stay idle before the server pauses it; 0: never. */
  autoPauseTime?: number;
  autoPauseDisableIfSubscribers?: boolean;
  optimisticConcurrencyControl?: boolean;
  /** Encryption at rest (the server needs LIFTBRIDGE_ENCRYPTION_KEY). */
  encryption?: boolean;
  /** Complete only once metadata shows every partition with a leader. Default true. */
  waitForStream?: boolean;
}

/** Options of pauseStream. */
export interface PauseStreamOptions {
  /** Partitions to pause; default all. */
  partitions?: number[];
  /** Resume every partition when a publish or subscribe resumes one. */
  resumeAll?: boolean;
}

/** Options of setStreamReadonly. */
export interface SetReadonlyOptions {
  /** Partitions; default all. */
  partitions?: number[];
  /** Set (true, default) or clear (false) the readonly flag. */
  readonly?: boolean;
}

/** Options of a single publish. */
export interface SinglePublishOptions extends PublishOptions {
  /** Ack wait for this publish (ms); default the client's ackTimeout. */
  ackTimeout?: number;
}

/** Options of publishToSubject. */
export interface PublishToSubjectOptions {
  key?: Uint8Array | string;
  headers?: HeadersInit;
  /** Default LEADER. With NONE the Observable completes without an Ack. */
  ackPolicy?: AckPolicy;
  correlationId?: string;
  /** How long the server waits for the stream's ack (ms); default the client's ackTimeout. */
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
 * A Liftbridge client.
 *
 * @example
 * ```ts
 * await using client = new LiftbridgeClient(['127.0.0.1:9292']);
 * await lastValueFrom(client.createStream('orders'));
 * const ack = await lastValueFrom(client.publish('hello', { stream: 'orders' }));
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
   * @param brokers seed brokers as `host:port`; the others are learnt from metadata.
   * @param options see {@link ClientOptions}; every field has a documented default.
   * @throws LiftbridgeError INVALID_ARGUMENT naming a bad seed or option.
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
   * was refreshed, the client closed. Completes after `closed`.
   */
  get status$(): Observable<ClientStatus> {
    return this.cluster.status;
  }

  /** The current cluster metadata: replays the latest snapshot, then every refresh; completes on close. */
  get metadata$(): Observable<ClusterMetadata> {
    return this.cluster.metadataChanges.pipe(filter((m): m is ClusterMetadata => m !== undefined));
  }

  /** True once close() was called. */
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

  /** Fetches metadata of all streams (or those named) and updates metadata$. */
  fetchMetadata(streams?: string[]): Observable<ClusterMetadata> {
    return this.guard(() => {
      const names = (streams ?? []).map((s, i) => checkStreamName(s, `streams[${i}]`, true));
      return this.cluster.refreshMetadata(names);
    });
  }

  /** Partition details from the partition's leader (high watermark, newest offset, paused, readonly). */
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
   * Creates a stream. Emits once (undefined) when done; with `waitForStream`
   * (default) only after every partition has a leader.
   * Fails with STREAM_EXISTS when the name is taken.
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
      const created = this.admin('CreateStream', request, ErrorCode.StreamExists);
      if (options.waitForStream === false) return created;
      return created.pipe(switchMap(() => this.waitForLeaders(stream, partitions)));
    });
  }

  /**
   * A stream admin RPC at any broker, emitting once when done. `doneCode`:
   * the error that, on a retry, means an earlier attempt already succeeded.
   */
  private admin<M extends 'CreateStream' | 'DeleteStream' | 'PauseStream' | 'SetStreamReadonly'>(
    method: M,
    request: ApiMethods[M]['request'],
    doneCode?: ErrorCode,
  ): Observable<void> {
    return this.cluster.anyBroker((conn, attempt) =>
      conn.unary(method, request, { timeoutMs: this.options.requestTimeout }).pipe(
        map(() => undefined),
        catchError((err: unknown) =>
          doneCode && attempt > 1 && isLiftbridgeError(err, doneCode)
            ? of(undefined)
            : throwError(() => err),
        ),
      ),
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

  /** Deletes a stream. Emits once when done; NOT_FOUND when there is no such stream. */
  deleteStream(name: string): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      // Then forget it: a later subscribe must get NOT_FOUND, not wait for
      // a partition this client still remembers.
      return this.admin('DeleteStream', { name: stream }, ErrorCode.NotFound).pipe(
        concatWith(
          this.cluster.refreshMetadata([stream]).pipe(
            ignoreElements(),
            catchError(() => EMPTY),
          ),
        ),
      );
    });
  }

  /** Pauses partitions (all by default); a publish or a subscribe with `resume` resumes them. */
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

  /** Sets (or clears, with `readonly: false`) the readonly flag of partitions (all by default). */
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
   * Builds a publish request without sending it (for publishBulk or publishRequest).
   * @throws LiftbridgeError INVALID_ARGUMENT on bad input, at the call site.
   */
  getPublishRequest(value: Uint8Array | string, options: PublishOptions): PublishRequest {
    return buildPublishRequest(value, options, this.options.partitioner);
  }

  /**
   * Publishes one message and emits its Ack once the server acknowledges it
   * (ACK_TIMEOUT when none comes within `ackTimeout`). With AckPolicy NONE,
   * completes without an Ack once sent.
   */
  publish(value: Uint8Array | string, options: SinglePublishOptions): Observable<Ack> {
    return this.publishRequest(
      buildPublishRequest(value, options, this.options.partitioner),
      options?.ackTimeout,
    );
  }

  /** Sends a request built by getPublishRequest; emits its Ack (see publish). */
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
  private sendRouted(request: PublishRequest, ackTimeout: number, sink: PublishSink): () => void {
    const partitioner = request.partitioner;
    if (!partitioner) return this.publisher.send(request, ackTimeout, sink);
    let cancel: (() => void) | undefined;
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
      cancel = this.publisher.send(placed, ackTimeout, sink);
    };
    const known = this.cluster.metadata;
    if (known?.streams.has(request.stream)) {
      send(known);
      return () => cancel?.();
    }
    const waiting = this.streamMetadata(request.stream).subscribe({
      next: send,
      error: (err: unknown) => failSink(sink, err),
    });
    return () => {
      waiting.unsubscribe();
      cancel?.();
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
   * (the server waits for it up to `ackTimeout`; none in time is
   * ACK_TIMEOUT, as when no stream consumes the subject).
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
   * The callback path publishBulk uses: sends now, reports through `sink`,
   * returns a cancel function.
   * @internal
   */
  sendRequest(
    request: PublishRequest,
    ackTimeout: number | undefined,
    sink: PublishSink,
  ): () => void {
    return this.sendRouted(request, ackTimeout ?? this.options.ackTimeout, sink);
  }

  /** Requests written to the publish stream and not yet acknowledged. */
  get publishesInFlight(): number {
    return this.publisher.inFlight;
  }

  /**
   * Subscribes to a stream partition: a cold Observable, one gRPC stream per
   * subscriber, at the partition leader. Completes at the stop position;
   * unsubscribing cancels the stream.
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
   * the given positions (default NEW_ONLY), each message decoded.
   * NOT_FOUND when the server does not keep the stream.
   */
  activity$(options: Omit<SubscribeOptions, 'partition'> = {}): Observable<ActivityEvent> {
    return this.subscribe(ACTIVITY_STREAM, { ...options, partition: 0 }).pipe(map(decodeActivity));
  }

  /**
   * Joins consumer group `groupId` for `streams` and emits the messages of
   * every partition the group assigns to this member, following rebalances
   * (partitions start after the group's checkpoint). Unsubscribing
   * checkpoints and leaves the group; close() waits for that.
   */
  consumerGroup(
    groupId: string,
    streams: string | string[],
    options: ConsumerGroupOptions = {},
  ): Observable<GroupMessage> {
    return this.consumerGroupPartitions(groupId, streams, options).pipe(mergeAll());
  }

  /**
   * Like consumerGroup, one Observable per assigned partition (as rxjs
   * `groupBy` gives groups): each completes when the partition is assigned
   * elsewhere; it reads only while subscribed.
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

  /** A consumer group's coordinator and epoch; NOT_FOUND when there is no such group. */
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

  /** Stores `offset` (the last processed message) in cursor `cursorId`. Emits once when stored. */
  setCursor(
    stream: string,
    partition: number,
    cursorId: string,
    offset: bigint | number,
  ): Observable<void> {
    return this.guard(() => {
      const name = checkStreamName(stream);
      const index = checkIndex(partition, 'partition');
      const id = checkId(cursorId, 'cursorId');
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

  /** The offset stored in cursor `cursorId`, or -1n when there is none. */
  fetchCursor(stream: string, partition: number, cursorId: string): Observable<bigint> {
    return this.guard(() => {
      const name = checkStreamName(stream);
      const index = checkIndex(partition, 'partition');
      const id = checkId(cursorId, 'cursorId');
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
   * Closes the client: in-flight publishes fail with CLIENT_CLOSED, live
   * subscriptions end, metadata$ completes, every channel closes. Idempotent.
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

  /** `await using client = new LiftbridgeClient(...)` closes it at scope exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Reports a failure that happened before the request could be sent. */
function failSink(sink: PublishSink, err: unknown): void {
  const error = isLiftbridgeError(err)
    ? err
    : new LiftbridgeError(ErrorCode.Unknown, String(err), { cause: err });
  sink.written?.();
  sink.settled(undefined, error);
}
