/**
 * Stream administration: create, delete, pause and set readonly, each at
 * any broker (the server forwards to the metadata leader), retried through
 * unreachable brokers; a retry never mistakes its own earlier success for a
 * conflict.
 */
import {
  catchError,
  concatWith,
  defer,
  EMPTY,
  ignoreElements,
  map,
  type Observable,
  of,
  switchMap,
  tap,
  throwError,
} from 'rxjs';
import { ErrorCode, invalidArgument, isLiftbridgeError, LiftbridgeError } from '../errors.js';
import { retryWithBackoff } from '../internal/backoff.js';
import type { ClientCore } from '../internal/core.js';
import {
  type ApiMethods,
  type CreateStreamRequest,
  type NullableBool,
  type NullableInt32,
  type NullableInt64,
  toInt64,
} from '../internal/wire.js';
import {
  checkDuration,
  checkId,
  checkIndex,
  checkInt,
  checkInt64,
  checkStreamName,
  checkSubject,
} from '../validate.js';

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
 * The stream administration of a client ({@link LiftbridgeClient} implements it).
 *
 * @example
 * ```ts
 * const admin: StreamAdminApi = client;
 * await lastValueFrom(admin.createStream('orders', { partitions: 3 }));
 * ```
 */
export interface StreamAdminApi {
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
  createStream(name: string, options?: CreateStreamOptions): Observable<void>;

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
  deleteStream(name: string): Observable<void>;

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
  pauseStream(name: string, options?: PauseStreamOptions): Observable<void>;

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
  setStreamReadonly(name: string, options?: SetReadonlyOptions): Observable<void>;
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

export function createStream(
  core: ClientCore,
  name: string,
  options: CreateStreamOptions = {},
): Observable<void> {
  return core.guard(() => {
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
    const created = admin(core, 'CreateStream', request, ErrorCode.StreamExists, () =>
      madeBy(core, request),
    ).pipe(
      tap(() => {
        if (options.optimisticConcurrencyControl === true)
          core.publisher.usesConcurrencyControl(stream);
      }),
    );
    if (options.waitForStream === false) return created;
    return created.pipe(switchMap(() => waitForLeaders(core, stream, partitions)));
  });
}

/**
 * A stream admin RPC at any broker, emitting once when done. `doneCode`:
 * the error that, after an earlier attempt may have reached a broker,
 * can mean that attempt succeeded; `ours` says whether it did (default:
 * yes). An attempt that never reached one does not count.
 */
export function admin<
  M extends 'CreateStream' | 'DeleteStream' | 'PauseStream' | 'SetStreamReadonly',
>(
  core: ClientCore,
  method: M,
  request: ApiMethods[M]['request'],
  doneCode?: ErrorCode,
  ours: () => Observable<boolean> = () => of(true),
): Observable<void> {
  return core.cluster.anyBroker((conn, reachedBefore) =>
    conn.unary(method, request, { timeoutMs: core.options.requestTimeout }).pipe(
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
export function madeBy(core: ClientCore, request: CreateStreamRequest): Observable<boolean> {
  const name = request.name ?? '';
  return core.cluster.refreshMetadata([name]).pipe(
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
export function waitForLeaders(
  core: ClientCore,
  stream: string,
  partitions: number,
): Observable<void> {
  return defer(() => core.cluster.refreshMetadata([stream])).pipe(
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
      deadlineMs: core.options.retryTimeout,
    }),
  );
}

export function deleteStream(core: ClientCore, name: string): Observable<void> {
  return core.guard(() => {
    const stream = checkStreamName(name, 'name');
    // Then forget it: a later subscribe must get NOT_FOUND, not wait for
    // a partition this client still remembers.
    return admin(core, 'DeleteStream', { name: stream }, ErrorCode.NotFound).pipe(
      tap(() => core.cluster.partitions.forget(stream)),
      concatWith(
        core.cluster.refreshMetadata([stream]).pipe(
          ignoreElements(),
          catchError(() => EMPTY),
        ),
      ),
    );
  });
}

export function pauseStream(
  core: ClientCore,
  name: string,
  options: PauseStreamOptions = {},
): Observable<void> {
  return core.guard(() => {
    const stream = checkStreamName(name, 'name');
    const partitions = checkPartitionList(options.partitions, 'partitions');
    return admin(core, 'PauseStream', {
      name: stream,
      partitions,
      resumeAll: Boolean(options.resumeAll),
    });
  });
}

export function setStreamReadonly(
  core: ClientCore,
  name: string,
  options: SetReadonlyOptions = {},
): Observable<void> {
  return core.guard(() => {
    const stream = checkStreamName(name, 'name');
    const partitions = checkPartitionList(options.partitions, 'partitions');
    return admin(core, 'SetStreamReadonly', {
      name: stream,
      partitions,
      readonly: options.readonly ?? true,
    });
  });
}
