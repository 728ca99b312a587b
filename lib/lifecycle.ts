/**
 * The lifecycle rule every client call follows: argument checks throw at
 * the call site, the operation runs cold, and it ends with `CLIENT_CLOSED`
 * when subscribed after close or when the client closes while it runs.
 * One function, used by the client and by the testing kit's fake.
 */
import { concatWith, defer, EMPTY, type Observable, takeUntil, throwError } from 'rxjs';
import { closedError } from './errors.js';

/**
 * Whether a client is closed, and when it closes: what {@link guardOperation} watches.
 *
 * @example
 * ```ts
 * const closing = new Subject<void>();
 * const lifecycle: Lifecycle = { closed: false, closing };
 * ```
 */
export interface Lifecycle {
  /** True once the client is closed. */
  readonly closed: boolean;
  /** Emits (or completes) when the client closes. */
  readonly closing: Observable<unknown>;
}

/**
 * Runs `build` now (so its argument checks throw at the call site) and
 * returns the operation it builds, cold, bound to the client's lifecycle:
 * subscribed after close, it fails with `CLIENT_CLOSED`; still running when
 * the client closes, it is unsubscribed and fails with `CLIENT_CLOSED`. For
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
    if (lifecycle.closed) return throwError(closedError);
    // Live operations end with CLIENT_CLOSED when the client closes (the
    // teardown cancels their calls).
    return operation.pipe(
      takeUntil(lifecycle.closing),
      concatWith(defer(() => (lifecycle.closed ? throwError(closedError) : EMPTY))),
    );
  });
}
