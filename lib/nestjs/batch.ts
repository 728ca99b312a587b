/**
 * The units a handler gets: one message at a time, or batches of a
 * partition's messages (up to `size`, or what arrived within `time` ms).
 */
import {
  asyncScheduler,
  bufferTime,
  filter,
  map,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';

/**
 * Batches of at most `size` values: a batch is emitted once full, or `time`
 * ms after it was opened (each emission opens the next); never an empty
 * one. What is left is emitted when the source completes.
 */
export function batches<T>(
  size: number,
  time: number,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<T, T[]> {
  return (source) =>
    source.pipe(
      bufferTime(time, null, size, scheduler),
      filter((batch) => batch.length > 0),
    );
}

/** A handler's units: `[message]` each, or batches when the plan batches. */
export function units<T>(
  batch: { size: number; time: number } | undefined,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<T, T[]> {
  return batch ? batches<T>(batch.size, batch.time, scheduler) : map((m) => [m]);
}
