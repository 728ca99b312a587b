/**
 * Per-partition lanes between a flow-controlled read and a handler: the
 * read (consume() or consumeGroup(), with `concurrency` as large as its
 * prefetch) hands every message it receives to its partition's lane at
 * once, and the message's handler there completes only once the unit
 * holding it (the message, or a batch of its partition) was processed. So
 * the read's prefetch bound counts the messages received and not yet
 * processed, while each partition's units run one at a time, in order,
 * and partitions run side by side.
 */
import {
  asyncScheduler,
  catchError,
  concatMap,
  defer,
  EMPTY,
  finalize,
  groupBy,
  ignoreElements,
  merge,
  mergeMap,
  type Observable,
  type SchedulerLike,
  Subject,
  tap,
  throwError,
} from 'rxjs';
import type { Message } from '../index.js';
import { units } from './batch.js';

/** What a lane's handler gives the read: completes once the message's unit was processed (or skipped). */
export type AddToLane = (message: Message, revoked?: AbortSignal) => Observable<never>;

/** How lanes process units, and what a lane's failure does. */
export interface LaneOptions {
  /** Batches of a partition's messages, or one message per unit (undefined). */
  batch: { size: number; time: number } | undefined;
  /** Processes a unit (a non-empty array of one partition's messages, in order). */
  process(unit: readonly Message[]): Observable<never>;
  /**
   * A unit's processing failed: undefined ends everything with the error
   * (the read too); a function is told, and that partition's later
   * messages are skipped (the others go on).
   */
  failed?: ((error: unknown, message: Message) => void) | undefined;
  /** The batches' clock (RxJS's async scheduler). */
  scheduler?: SchedulerLike;
}

interface Entry {
  readonly message: Message;
  readonly revoked: AbortSignal | undefined;
  /** Completes when the entry's unit was processed or skipped. */
  readonly done: Subject<never>;
}

const laneOf = (e: Entry) => `${e.message.stream}\u0000${e.message.partition}`;

/**
 * Runs `read` (given the handler that queues a message in its partition's
 * lane) with the lanes beside it: a unit whose message's partition was
 * assigned elsewhere (its `revoked` signal aborted) is left out of its
 * unit, and a unit left empty is skipped. Completes
 * when the read completes (its handlers, hence the lanes, are done); errors
 * when the read errors, or as {@link LaneOptions.failed} says.
 *
 * @example
 * ```ts
 * inLanes({ batch: undefined, process: (unit) => save(unit) }, (add) =>
 *   client.consume('orders', add, { prefetch: 256, concurrency: 256 }),
 * ).subscribe();
 * ```
 */
export function inLanes(
  options: LaneOptions,
  read: (add: AddToLane) => Observable<unknown>,
): Observable<never> {
  const { batch, process, failed, scheduler = asyncScheduler } = options;
  return defer(() => {
    const entries = new Subject<Entry>();
    const add: AddToLane = (message, revoked) =>
      defer(() => {
        const done = new Subject<never>();
        entries.next({ message, revoked, done });
        // Completed already (a skipped unit, say): a completed Subject completes its new subscribers.
        return done;
      });
    const lanes = entries.pipe(
      groupBy(laneOf),
      mergeMap((lane) => {
        const pending = new Set<Entry>();
        const settle = (e: Entry) => {
          pending.delete(e);
          e.done.complete();
        };
        return lane.pipe(
          tap((e) => pending.add(e)),
          units<Entry>(batch, scheduler),
          concatMap((unit) => {
            // A batch may hold messages of an assignment since revoked beside
            // those of a new one (the partition came back): only the revoked
            // are skipped (their new owner reads them); the rest are processed.
            const live = unit.filter((e) => !e.revoked?.aborted);
            return (live.length === 0 ? EMPTY : process(live.map((e) => e.message))).pipe(
              finalize(() => unit.forEach(settle)),
            );
          }),
          catchError((err: unknown) => {
            const first = [...pending][0];
            if (!failed) return throwError(() => err);
            if (first) failed(err, first.message);
            // What the lane still holds, and all that comes after, is skipped.
            for (const e of [...pending]) settle(e);
            return lane.pipe(tap(settle), ignoreElements());
          }),
        );
      }),
    );
    return merge(
      lanes,
      read(add).pipe(ignoreElements(), tap({ complete: () => entries.complete() })),
    );
  });
}
