/**
 * The one retry engine: "retry, and when?" answered in one place, timed by
 * an RxJS scheduler (so specs drive it in virtual time).
 * - {@link exponentialDelay}: how long to wait before attempt n;
 * - {@link RetryDeadline}: whether another attempt may still start;
 * - {@link retryWithBackoff}: the two as an operator. Any-broker and
 *   leader-bound calls retry through it, and so does the publisher's
 *   reconnect; the group member measures coordinator silence with a
 *   RetryDeadline.
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
  /** Told of each retry, before its delay (reported to the logger and diagnostics). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  scheduler?: SchedulerLike;
}

/** Exponential backoff from `base` ms doubling up to `max` ms, with +-25% jitter. */
export function exponentialDelay(attempt: number, base = 50, max = 1000): number {
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.75 + Math.random() * 0.5));
}

/**
 * A retry deadline on a scheduler's clock. A round starts at its first
 * failure (or at {@link restart}); an attempt may start while it starts
 * within the deadline of the round's start.
 */
export class RetryDeadline {
  private since: number | undefined;

  constructor(
    private readonly scheduler: SchedulerLike,
    /** Read at each check (the budget can change: connectTimeout, then retryTimeout). */
    private readonly deadlineMs: number | (() => number),
  ) {}

  /** Starts a round now (a contact the deadline is measured from). */
  restart(): void {
    this.since = this.scheduler.now();
  }

  /** Progress was made: the next failure starts a new round. */
  reset(): void {
    this.since = undefined;
  }

  /** Whether an attempt `waitMs` from now would start past the deadline (a round starts now if none has). */
  passed(waitMs = 0): boolean {
    const now = this.scheduler.now();
    this.since ??= now;
    const deadline = typeof this.deadlineMs === 'function' ? this.deadlineMs() : this.deadlineMs;
    return now + waitMs - this.since > deadline;
  }
}

export function retryWithBackoff<T>(options: BackoffOptions): MonoTypeOperatorFunction<T> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const delayMs = options.delayMs ?? exponentialDelay;
  return (source) =>
    defer(() => {
      const deadline = new RetryDeadline(scheduler, options.deadlineMs);
      return source.pipe(
        retry({
          delay: (err: unknown, attempt: number) => {
            if (options.progressed?.()) deadline.reset();
            const wait = delayMs(attempt);
            if (!options.shouldRetry(err, attempt)) return throwError(() => err);
            if (deadline.passed(wait)) {
              return throwError(() => options.onDeadline?.(err) ?? err);
            }
            options.onRetry?.(err, attempt, wait);
            const before = options.beforeRetry?.(err).pipe(catchError(() => of(null))) ?? of(null);
            return timer(wait, scheduler).pipe(switchMap(() => before));
          },
        }),
      );
    });
}
