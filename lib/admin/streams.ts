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
import { ErrorCode, isLiftbridgeError, LiftbridgeError } from '../errors.js';
import { retryWithBackoff } from '../internal/backoff.js';
import type { ClientCore } from '../internal/core.js';
import { type ApiMethods, type CreateStreamRequest, toInt64 } from '../internal/wire.js';
import {
  type CreateStreamOptions,
  type CreateStreamPlan,
  type PauseStreamOptions,
  planCreateStream,
  planPauseStream,
  planSetStreamReadonly,
  type SetReadonlyOptions,
} from '../plans/streams.js';
import { checkStreamName } from '../validate.js';

export type { CreateStreamOptions, PauseStreamOptions, SetReadonlyOptions };

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

/** The wire request of a create-stream plan: optional settings unset are not sent. */
function toCreateRequest(plan: CreateStreamPlan): CreateStreamRequest {
  const request: CreateStreamRequest = {
    name: plan.name,
    subject: plan.subject,
    partitions: plan.partitions,
    replicationFactor: plan.replicationFactor,
  };
  if (plan.group !== undefined) request.group = plan.group;
  const int64 = (v: bigint | number | undefined) =>
    v === undefined ? undefined : { value: toInt64(BigInt(v)) };
  const int32 = (v: number | undefined) => (v === undefined ? undefined : { value: v });
  const bool = (v: boolean | undefined) => (v === undefined ? undefined : { value: v });
  const optional: { [K in keyof CreateStreamRequest]?: CreateStreamRequest[K] | undefined } = {
    retentionMaxBytes: int64(plan.retentionMaxBytes),
    retentionMaxMessages: int64(plan.retentionMaxMessages),
    retentionMaxAge: int64(plan.retentionMaxAge),
    cleanerInterval: int64(plan.cleanerInterval),
    segmentMaxBytes: int64(plan.segmentMaxBytes),
    segmentMaxAge: int64(plan.segmentMaxAge),
    compactMaxGoroutines: int32(plan.compactMaxGoroutines),
    compactEnabled: bool(plan.compactEnabled),
    autoPauseTime: int64(plan.autoPauseTime),
    autoPauseDisableIfSubscribers: bool(plan.autoPauseDisableIfSubscribers),
    minIsr: int32(plan.minIsr),
    optimisticConcurrencyControl: bool(plan.optimisticConcurrencyControl),
    encryption: bool(plan.encryption),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(request, { [key]: value });
  }
  return request;
}

export function createStream(
  core: ClientCore,
  name: string,
  options: CreateStreamOptions = {},
): Observable<void> {
  return core.guard(() => {
    const plan = planCreateStream(name, options);
    const request = toCreateRequest(plan);
    const stream = plan.name;
    const created = admin(core, 'CreateStream', request, ErrorCode.StreamExists, () =>
      madeBy(core, request),
    ).pipe(
      tap(() => {
        if (plan.optimisticConcurrencyControl === true)
          core.publisher.usesConcurrencyControl(stream);
      }),
    );
    if (!plan.waitForStream) return created;
    return created.pipe(switchMap(() => waitForLeaders(core, stream, plan.partitions)));
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
    conn.unary(method, request).pipe(
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
  return core.guard(() => admin(core, 'PauseStream', planPauseStream(name, options)));
}

export function setStreamReadonly(
  core: ClientCore,
  name: string,
  options: SetReadonlyOptions = {},
): Observable<void> {
  return core.guard(() => admin(core, 'SetStreamReadonly', planSetStreamReadonly(name, options)));
}
