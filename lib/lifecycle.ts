/**
 * The lifecycle rule every client call follows: argument checks throw at
 * the call site, the operation runs cold, and it ends with `CLIENT_CLOSED`
 * when subscribed after close or when the client closes while it runs.
 * While the client drains, new operations fail with `CLIENT_CLOSED` and
 * live ones are counted so drain can wait for them to finish.
 * One module, used by the client and by the testing kit's fake.
 */
import {
  concatWith,
  defer,
  EMPTY,
  filter,
  finalize,
  map,
  type Observable,
  of,
  ReplaySubject,
  Subject,
  take,
  takeUntil,
  tap,
  throwError,
} from 'rxjs';
import { closedError, invalidArgument } from './errors.js';
import { checkAckTimeout } from './validate.js';

/**
 * Options of {@link LiftbridgeClientApi.drain}. Bad values throw
 * `INVALID_ARGUMENT` when drain is called.
 *
 * @example
 * ```ts
 * await client.drain({ timeout: 5_000 });
 * ```
 */
export interface DrainOptions {
  /**
   * How long drain waits (ms, above 0) for live work to finish; then what
   * is left is closed as close() does.
   * @defaultValue the client's `drainTimeout` option (10000, {@link DEFAULT_DRAIN_TIMEOUT_MS})
   */
  timeout?: number;
}

/**
 * Drain's timeout, checked, `fallback` (the client's) when `options` leave it out;
 * shared by the client and the testing kit's fake.
 *
 * @param options - drain's options (undefined: none).
 * @param fallback - the client's default (ms).
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad `options` or `timeout`.
 * @example
 * ```ts
 * planDrain({ timeout: 500 }, 10_000); // 500
 * planDrain(undefined, 10_000); // 10000
 * ```
 */
export function planDrain(options: DrainOptions | undefined, fallback: number): number {
  if (options === undefined) return fallback;
  if (options === null || typeof options !== 'object')
    throw invalidArgument('options', 'expected an object');
  return checkAckTimeout(options.timeout, 'options.timeout') ?? fallback;
}

/**
 * Whether a client is closed, and when it closes (and, for a client that
 * can drain, when it drains and what is still live): what
 * {@link guardOperation} watches.
 *
 * @example
 * ```ts
 * const drain = new DrainState();
 * const closing = new Subject<void>();
 * const lifecycle: Lifecycle = { closed: false, closing, draining: drain.draining, operations: drain };
 * ```
 */
export interface Lifecycle {
  /** True once the client is closed. */
  readonly closed: boolean;
  /** Emits (or completes) when the client closes. */
  readonly closing: Observable<unknown>;
  /**
   * Emits once when drain starts (at once to later subscribers); live
   * operations that have something to finish listen to it (a plain
   * subscription completes, a consumer group checkpoints and completes, a
   * flow-controlled read stops taking messages and completes once its
   * handler in flight is done). A guarded operation is counted until it
   * finalizes, so the drain waits for whatever it finishes after this.
   * Absent: the client never drains.
   */
  readonly draining?: Observable<unknown>;
  /** Counts the live guarded operations drain waits for; absent: none are counted. */
  readonly operations?: LiveOperations;
}

/**
 * What {@link guardOperation} tells a draining client: an operation
 * started, and when it ended. {@link DrainState} implements it.
 *
 * @example
 * ```ts
 * const operations: LiveOperations = new DrainState();
 * const leave = operations.enter();
 * leave(); // the operation finalized
 * ```
 */
export interface LiveOperations {
  /** True once drain started: new operations fail with `CLIENT_CLOSED`. */
  readonly refusing: boolean;
  /** A live operation started; call the function it returns (once) when it has finalized. */
  enter(): () => void;
}

/**
 * The drain half of a client's lifecycle: the `draining` signal, the count
 * of live operations (guarded operations, and work a client holds open on
 * its own such as a consumer group's last checkpoint), and when that count
 * reaches zero. The client (and the testing kit's fake) race
 * {@link settled} against the drain timeout and close.
 *
 * @example
 * ```ts
 * const drain = new DrainState();
 * const leave = drain.enter();
 * drain.start();
 * drain.settled().subscribe(() => console.log('nothing live'));
 * leave(); // logs "nothing live"
 * ```
 */
export class DrainState implements LiveOperations {
  private count = 0;
  private begun = false;
  private readonly started = new ReplaySubject<void>(1);
  private readonly changes = new Subject<void>();

  /** Emits once when {@link start} is called, then completes (replayed to later subscribers). */
  readonly draining: Observable<void> = this.started.asObservable();

  /** True once {@link start} was called. */
  get refusing(): boolean {
    return this.begun;
  }

  /** Operations live now. */
  get live(): number {
    return this.count;
  }

  /** Counts one more live operation; the function returned (idempotent) counts it out. */
  enter(): () => void {
    this.count += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.count -= 1;
      if (this.count === 0) this.changes.next();
    };
  }

  /**
   * Starts draining: {@link draining} emits, new guarded operations are
   * refused. Returns false when it had started already.
   */
  start(): boolean {
    if (this.begun) return false;
    this.begun = true;
    this.started.next();
    this.started.complete();
    return true;
  }

  /** Emits once (then completes) when no operation is live: at once if none is. */
  settled(): Observable<void> {
    return defer(() =>
      this.count === 0
        ? of(undefined)
        : this.changes.pipe(
            filter(() => this.count === 0),
            take(1),
            map(() => undefined),
          ),
    );
  }
}

/**
 * Runs `build` now (so its argument checks throw at the call site) and
 * returns the operation it builds, cold, bound to the client's lifecycle:
 * subscribed after close (or once drain started), it fails with
 * `CLIENT_CLOSED`; still running when the client closes, it is unsubscribed
 * and fails with `CLIENT_CLOSED`. While it runs it is counted as live (see
 * {@link Lifecycle.operations}), so a drain waits for it. For
 * implementations of {@link LiftbridgeClientApi} (test doubles, wrappers)
 * that want the real client's behaviour.
 *
 * @param build - makes the operation; may throw.
 * @param lifecycle - the client's state (see {@link Lifecycle}).
 * @returns the guarded operation.
 * @example
 * ```ts
 * class MyClient {
 *   closed = false;
 *   readonly closing = new Subject<void>();
 *   fetchThing(name: string): Observable<string> {
 *     return guardOperation(() => of(checkStreamName(name)), this);
 *   }
 * }
 * ```
 */
export function guardOperation<T>(build: () => Observable<T>, lifecycle: Lifecycle): Observable<T> {
  const operation = build();
  return defer(() => {
    const operations = lifecycle.operations;
    if (lifecycle.closed || operations?.refusing) return throwError(closedError);
    const leave = operations?.enter();
    let cut = false;
    // Live operations end with CLIENT_CLOSED when the client closes (the
    // teardown cancels their calls).
    const guarded = operation.pipe(
      takeUntil(
        lifecycle.closing.pipe(
          tap(() => {
            cut = true;
          }),
        ),
      ),
      concatWith(defer(() => (cut || lifecycle.closed ? throwError(closedError) : EMPTY))),
    );
    return leave ? guarded.pipe(finalize(leave)) : guarded;
  });
}
