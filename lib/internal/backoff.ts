/**
 * Retry with exponential backoff and jitter, timed by RxJS (so marble tests
 * can drive it), bounded by a total deadline.
 */
import {
  asyncScheduler,
  catchError,
  defer,
  type MonoTypeOperatorFunction,
  type Observable,
  of,
  retry,
  type SchedulerLike,
  switchMap,
  throwError,
  timer,
} from 'rxjs';

export interface BackoffOptions {
  /** Whether this error is worth another try. */
  shouldRetry(err: unknown, attempt: number): boolean;
  /** Total time (ms) after the first failure during which retries may start (read at each failure). */
  deadlineMs: number | (() => number);
  /** The error to end with once the deadline has passed (default: the last error). */
  onDeadline?: (err: unknown) => unknown;
  /** Delay before attempt n (1-based); default exponential 50 ms .. 1 s with jitter. */
  delayMs?: (attempt: number) => number;
  /** Work before each retry (a metadata refresh); its errors are ignored. */
  beforeRetry?: (err: unknown) => Observable<unknown>;
  /** Restart the deadline clock whenever this returns true (progress was made). */
  progressed?: () => boolean;
  scheduler?: SchedulerLike;
}

/** Exponential backoff from `base` ms doubling up to `max` ms, with +-25% jitter. */
export function exponentialDelay(attempt: number, base = 50, max = 1000): number {
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.75 + Math.random() * 0.5));
}

export function retryWithBackoff<T>(options: BackoffOptions): MonoTypeOperatorFunction<T> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const delayMs = options.delayMs ?? exponentialDelay;
  return (source) =>
    defer(() => {
      let firstFailure: number | undefined;
      return source.pipe(
        retry({
          delay: (err: unknown, attempt: number) => {
            const now = scheduler.now();
            if (options.progressed?.()) firstFailure = undefined;
            firstFailure ??= now;
            const wait = delayMs(attempt);
            if (!options.shouldRetry(err, attempt)) return throwError(() => err);
            const deadline =
              typeof options.deadlineMs === 'function' ? options.deadlineMs() : options.deadlineMs;
            if (now + wait - firstFailure > deadline) {
              return throwError(() => options.onDeadline?.(err) ?? err);
            }
            const before = options.beforeRetry?.(err).pipe(catchError(() => of(null))) ?? of(null);
            return timer(wait, scheduler).pipe(switchMap(() => before));
          },
        }),
      );
    });
}
