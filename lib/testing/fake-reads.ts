/**
 * The fake's reading: a subscription plan turned into a replay of its
 * partitions from memory (each from its start to its stop, then following
 * appends), merged, that stops while told to pause (what `subscribe`,
 * `messages` and `consume` of the fake are built on).
 */
import { defer, merge, type Observable, of, throwError } from 'rxjs';
import {
  ErrorCode,
  LiftbridgeError,
  type Message,
  type PartitionSubscribePlan,
  type PausableSource,
  planPartitions,
  planSubscribe,
  StartPosition,
  type SubscribeOptions,
} from '../index.js';
import type { FakeStore } from './fake-store.js';
import type { PartitionLog } from './partition-log.js';

/** The pause signal of a plain subscription: never paused. */
export const NOT_PAUSED: Observable<boolean> = of(false);

/**
 * A subscription (checked now: bad arguments throw `INVALID_ARGUMENT`)
 * whose replay stops while `paused` says true. With `partition: 'all'`,
 * every partition of the stream, merged.
 */
export function fakeSubscription(
  store: FakeStore,
  stream: string,
  options: SubscribeOptions,
): PausableSource<Message> {
  const checked = planSubscribe(stream, options);
  return (paused) =>
    defer(() => {
      const partitions =
        checked.partition === 'all'
          ? store.partitionsOf(checked.stream).map((log) => log.partition)
          : [];
      return merge(
        ...planPartitions(checked, partitions).map((p) => readPartition(store, p, paused)),
      );
    });
}

/** One partition's subscription: PARTITION_PAUSED unless `resume`, then read. */
function readPartition(
  store: FakeStore,
  p: PartitionSubscribePlan,
  paused: Observable<boolean>,
): Observable<Message> {
  const log = store.log(p.stream, p.partition);
  if (log.paused) {
    if (!p.resume)
      return throwError(
        () =>
          new LiftbridgeError(ErrorCode.PartitionPaused, `${p.stream}/${p.partition} is paused`),
      );
    log.paused = false;
    store.refresh();
  }
  return read(store, log, p, paused);
}

/** Reads a partition by a subscribe plan, a RESUME start looked up in the cursors. */
function read(
  store: FakeStore,
  log: PartitionLog,
  p: PartitionSubscribePlan,
  paused: Observable<boolean>,
): Observable<Message> {
  let start = p.startPosition;
  let startOffset = p.startOffset ?? 0n;
  if (start === StartPosition.RESUME) {
    const saved = store.cursor(p.stream, p.partition, p.cursorId ?? '');
    start = saved < 0n ? StartPosition.EARLIEST : StartPosition.OFFSET;
    startOffset = saved + 1n;
  }
  return log.read(
    {
      start,
      startOffset,
      startTimestamp: p.startTimestamp ?? 0n,
      stop: p.stopPosition,
      stopOffset: p.stopOffset ?? 0n,
      stopTimestamp: p.stopTimestamp ?? 0n,
    },
    paused,
  );
}
