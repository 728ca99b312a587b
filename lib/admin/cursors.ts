/**
 * Cursors: a stream partition's stored position per cursor id, kept by the
 * leader of the `__cursors` partition the cursor hashes to.
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
  throwError,
} from 'rxjs';
import { CURSORS_STREAM, cursorPartition } from '../cursors.js';
import { ErrorCode, isLiftbridgeError, LiftbridgeError } from '../errors.js';
import type { ClientCore } from '../internal/core.js';
import { type BrokerConnection, fromInt64, toInt64, toPartitionInfo } from '../internal/wire.js';
import { type CursorPlan, checkCursorTarget, planCursor, planSetCursor } from '../plans/reads.js';

/**
 * The cursors of a client ({@link LiftbridgeClient} implements it).
 *
 * @example
 * ```ts
 * const cursors: CursorApi = client;
 * await lastValueFrom(cursors.setCursor('orders', 0, 'mailer', 41n));
 * ```
 */
export interface CursorApi {
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
  ): Observable<void>;

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
  fetchCursor(stream: string, partition: number, cursorId: string): Observable<bigint>;
}

/** The `__cursors` partition holding a cursor, from metadata. */
export function cursorHome(
  core: ClientCore,
  stream: string,
  partition: number,
  cursorId: string,
): Observable<number> {
  return defer(() => cursorHomeNow(core, stream, partition, cursorId));
}

export function cursorHomeNow(
  core: ClientCore,
  stream: string,
  partition: number,
  cursorId: string,
): Observable<number> {
  const count$ = core.cluster.lookup(
    [CURSORS_STREAM],
    (md) => md?.streams.get(CURSORS_STREAM)?.partitions.size || undefined,
  );
  return count$.pipe(
    map((count = 0) => {
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
 * Runs `call` at the leader of the `__cursors` partition that keeps the
 * cursor, once metadata shows the stream partition exists. A restarted
 * broker lists neither the stream nor `__cursors` until it has loaded
 * them: those NOT_FOUNDs are judged as any other (KnownPartitions) and
 * retried within `retryTimeout` while they may mean "still loading".
 */
function atCursorHome<T>(
  core: ClientCore,
  { stream, partition, cursorId }: CursorPlan,
  call: (conn: BrokerConnection, home: number) => Observable<T>,
): Observable<T> {
  const cluster = core.cluster;
  // The stream partition must exist (metadata refreshed once when it does not list it).
  const home = defer(() =>
    cluster.lookup([stream], (md) =>
      md?.streams.get(stream)?.partitions.has(partition) ? md : undefined,
    ),
  ).pipe(
    switchMap((md) => {
      try {
        checkCursorTarget(md ?? cluster.metadata, stream, partition);
      } catch (err) {
        return notFoundMayBeLoading(core, stream, partition, err);
      }
      return cursorHome(core, stream, partition, cursorId).pipe(
        catchError((err: unknown) => notFoundMayBeLoading(core, CURSORS_STREAM, 0, err)),
      );
    }),
    cluster.retryWithin<number>(`cursor lookup of ${stream}/${partition}`, [
      stream,
      CURSORS_STREAM,
    ]),
  );
  return home.pipe(
    switchMap((at) => cluster.leaderBound(CURSORS_STREAM, at, (conn) => call(conn, at))),
  );
}

/**
 * Whether the `__cursors` partition can answer FetchCursor truly: the
 * server reads a cursor up to the partition's high watermark only. v1.9.0
 * checkpoints high watermarks every few seconds, and a broker killed
 * before the checkpoint comes back with a high watermark behind its log
 * (-1, or older) until the next write to the partition: meanwhile it
 * answers with cursors older than those stored (-1 for new ones), and
 * caches those answers. So the cursor is asked for only while the high
 * watermark covers the log. When it does not, `nudge` writes to the
 * partition (a cursor of the client's own, see {@link nudgeCursorId}),
 * which moves the high watermark over the log, and a retriable
 * UNAVAILABLE asks again (within retryTimeout; with replicas it also
 * covers a write still replicating). Best effort: when the partition's
 * metadata cannot be had (paused, say), the cursor is asked for.
 */
function cursorsReady(
  conn: BrokerConnection,
  home: number,
  nudge: () => Observable<unknown>,
): Observable<void> {
  return conn.unary('FetchPartitionMetadata', { stream: CURSORS_STREAM, partition: home }).pipe(
    map((res) => (res.metadata ? toPartitionInfo(res.metadata) : undefined)),
    catchError(() => of(undefined)),
    switchMap((info) => {
      if (!info || info.highWatermark >= info.newestOffset) return of(undefined);
      const behind = new LiftbridgeError(
        ErrorCode.Unavailable,
        `cursor partition ${CURSORS_STREAM}/${home} has its high watermark at ${info.highWatermark} behind its log (newest offset ${info.newestOffset}), as after a broker restart: its cursors cannot be read truly until a cursor is stored in it (the client stores one of its own and asks again)`,
        { retriable: true },
      );
      return nudge().pipe(
        ignoreElements(),
        catchError(() => EMPTY),
        concatWith(throwError(() => behind)),
      );
    }),
  );
}

/** Prefix of the cursor ids the client stores to move a `__cursors` partition's high watermark. */
export const NUDGE_CURSOR_PREFIX = 'liftbridge-rx.hw.';

/**
 * A cursor id of the client's own that lives in the same `__cursors`
 * partition (`home` of `count`) as the cursors of `stream`/`partition`:
 * storing it writes to that partition without touching any user's cursor.
 */
export function nudgeCursorId(
  stream: string,
  partition: number,
  home: number,
  count: number,
): string {
  for (let k = 0; k < 100 * count; k++) {
    const id = `${NUDGE_CURSOR_PREFIX}${k}`;
    if (cursorPartition(id, stream, partition, count) === home) return id;
  }
  return `${NUDGE_CURSOR_PREFIX}0`; // not reached for any count crc32 spreads
}

/** A final NOT_FOUND goes through Cluster.missing (retriable while it may be loading); other errors as they are. */
function notFoundMayBeLoading(
  core: ClientCore,
  stream: string,
  partition: number,
  err: unknown,
): Observable<never> {
  return isLiftbridgeError(err, ErrorCode.NotFound) && !err.retriable
    ? core.cluster.missing(stream, partition, err)
    : throwError(() => err);
}

export function setCursor(
  core: ClientCore,
  stream: string,
  partition: number,
  cursorId: string,
  offset: bigint | number,
  guard: Guard = 'operation',
): Observable<void> {
  return guarded(core, guard, () => {
    const plan = planSetCursor(stream, partition, cursorId, offset);
    return atCursorHome(core, plan, (conn) =>
      conn.unary('SetCursor', { ...plan, offset: toInt64(plan.offset) }),
    ).pipe(map(() => undefined));
  });
}

export function fetchCursor(
  core: ClientCore,
  stream: string,
  partition: number,
  cursorId: string,
  guard: Guard = 'operation',
): Observable<bigint> {
  return guarded(core, guard, () => {
    const plan = planCursor(stream, partition, cursorId);
    const nudge = (conn: BrokerConnection, home: number) => () => {
      const count = core.cluster.metadata?.streams.get(CURSORS_STREAM)?.partitions.size ?? 0;
      if (count === 0) return EMPTY;
      const cursorId = nudgeCursorId(plan.stream, plan.partition, home, count);
      return conn.unary('SetCursor', { ...plan, cursorId, offset: toInt64(0n) });
    };
    return atCursorHome(core, plan, (conn, home) =>
      cursorsReady(conn, home, nudge(conn, home)).pipe(
        switchMap(() => conn.unary('FetchCursor', plan)),
      ),
    ).pipe(map((res) => fromInt64(res.offset)));
  });
}

/**
 * How a cursor call is guarded: `'operation'`, a call of the user's (refused
 * once drain started); `'inner'`, made by a live operation on its own
 * behalf (a group's checkpoint, a subscription's RESUME lookup), which
 * drain lets through (see ClientCore.guardInner).
 */
export type Guard = 'operation' | 'inner';

function guarded<T>(core: ClientCore, guard: Guard, build: () => Observable<T>): Observable<T> {
  return guard === 'inner' ? core.guardInner(build) : core.guard(build);
}
