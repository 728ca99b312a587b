/**
 * Flow control for reading: a pausable source (a subscription that stops
 * reading its gRPC streams while told to) and the two forms built on it,
 * an AsyncIterable pulled by `for await` (messages()) and an Observable
 * that owns the handler with a prefetch bound (consume()). Both count the
 * messages received and not yet taken (yielded, or handled) and pause the
 * source at the high water mark, resume it at the low one.
 */
import {
  BehaviorSubject,
  defer,
  distinctUntilChanged,
  finalize,
  from,
  mergeMap,
  NEVER,
  type Observable,
  type ObservableInput,
  type Subscription,
  takeUntil,
  tap,
} from 'rxjs';
import { Fifo } from '../internal/fifo.js';
import type { Lifecycle } from '../lifecycle.js';
import type { WaterMarks } from '../plans/flow.js';

/**
 * What the flow-controlled forms watch of a client's lifecycle: when it
 * drains they stop pulling (the source is unsubscribed) and let the work
 * on messages already received finish, then complete; `operations` holds
 * the drain open until a `for await` loop has finished.
 */
export type FlowLifecycle = Pick<Lifecycle, 'draining' | 'operations'>;

/**
 * A cold source that stops reading while `paused` says true (its latest
 * value) and reads again when it says false: what the flow-controlled forms
 * are built on. The client's is a subscription whose gRPC calls are not read
 * while paused; a test double's may stop replaying its memory.
 *
 * @example
 * ```ts
 * const source: PausableSource<Message> = (paused) => readLog(log, paused);
 * ```
 */
export type PausableSource<T> = (paused: Observable<boolean>) => Observable<T>;

/**
 * The count of outstanding messages (received, not yet taken) and the pause
 * signal it drives: true when the count reaches `high`, false when a
 * paused count is back to `low`. Internal; specs drive it directly.
 */
export class Credit {
  private count = 0;
  private readonly state = new BehaviorSubject(false);
  /** The pause signal (current value first, then each change). */
  readonly paused: Observable<boolean> = this.state.pipe(distinctUntilChanged());
  /** The most outstanding messages seen. */
  peak = 0;

  constructor(private readonly marks: WaterMarks) {}

  /** Outstanding messages now. */
  get outstanding(): number {
    return this.count;
  }

  /** One more message received. */
  take(): void {
    this.count += 1;
    if (this.count > this.peak) this.peak = this.count;
    if (this.count >= this.marks.high && !this.state.value) this.state.next(true);
  }

  /** One message taken (yielded, or handled). */
  release(): void {
    this.count -= 1;
    if (this.count <= this.marks.low && this.state.value) this.state.next(false);
  }
}

/**
 * Specs' window on the counts: `created` is called with each Credit a
 * flow-controlled read makes. Internal (not exported from lib/index.ts).
 */
export const flowProbe: { created?: ((credit: Credit) => void) | undefined } = {};

/** An iterator over a pausable source: see {@link iterateWithFlowControl}. */
export class FlowIterator<T> implements AsyncIterator<T> {
  /** Counts what is buffered (exposed for specs: `credit.peak`, `credit.outstanding`). */
  readonly credit: Credit;
  private readonly buffer = new Fifo<T>();
  private subscription: Subscription | undefined;
  private waiting:
    | { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }
    | undefined;
  private ended: { error: unknown } | 'done' | undefined;
  /** Lets a drain go on: called once the loop has finished. */
  private leave: (() => void) | undefined;

  constructor(
    private readonly source: PausableSource<T>,
    marks: WaterMarks,
    private readonly lifecycle: FlowLifecycle = {},
  ) {
    this.credit = new Credit(marks);
    flowProbe.created?.(this.credit);
  }

  next(): Promise<IteratorResult<T>> {
    // Cold: the subscription starts with the first pull.
    if (!this.ended && !this.subscription) this.start();
    if (this.buffer.length > 0) {
      const value = this.buffer.shift();
      this.credit.release();
      return Promise.resolve({ value, done: false });
    }
    const ended = this.ended;
    if (ended === 'done') return Promise.resolve(this.finished());
    if (ended) {
      // Thrown once; the iterator is done after it.
      this.ended = 'done';
      this.finished();
      return Promise.reject(ended.error);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** `break` (or a throw in the loop): cancels the subscription. */
  return(): Promise<IteratorResult<T>> {
    this.subscription?.unsubscribe();
    this.buffer.clear();
    this.ended = 'done';
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
    return Promise.resolve(this.finished());
  }

  private start(): void {
    const operations = this.lifecycle.operations;
    // A drain waits for the loop (not only for the subscription) to finish.
    if (operations && !operations.refusing) this.leave = operations.enter();
    this.subscription = this.source(this.credit.paused)
      .pipe(takeUntil(this.lifecycle.draining ?? NEVER))
      .subscribe({
        next: (value) => this.push(value),
        error: (error: unknown) => this.end({ error }),
        complete: () => this.end('done'),
      });
  }

  /** The loop is over: a drain need not wait for it any more. */
  private finished(): IteratorResult<T> {
    const leave = this.leave;
    this.leave = undefined;
    leave?.();
    return { value: undefined, done: true };
  }

  private push(value: T): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve({ value, done: false });
      return;
    }
    this.buffer.push(value);
    this.credit.take();
  }

  private end(how: { error: unknown } | 'done'): void {
    if (this.ended) return;
    this.ended = how;
    const waiting = this.waiting;
    if (!waiting) return;
    // Nothing is buffered while someone waits: settle the pull now.
    this.waiting = undefined;
    if (how === 'done') waiting.resolve(this.finished());
    else {
      this.ended = 'done';
      this.finished();
      waiting.reject(how.error);
    }
  }
}

/**
 * A pausable source as an AsyncIterable: `for await` pulls; messages the
 * loop has not taken yet wait in a buffer, and the source is paused while
 * `marks.high` of them wait, until `marks.low` do. Breaking out of the loop
 * unsubscribes; an error of the source is thrown from the loop after the
 * messages before it. Each `for await` subscribes anew. When `lifecycle`
 * drains, the source is unsubscribed, the loop gets the messages already
 * received and then ends, and the drain waits for it. For implementations
 * of {@link LiftbridgeClientApi.messages} (test doubles, wrappers).
 *
 * @param source - see {@link PausableSource}.
 * @param marks - where to pause and resume (see {@link planMessages}).
 * @param lifecycle - the client's drain signal and live-operation count (optional).
 * @returns a cold AsyncIterable.
 * @example
 * ```ts
 * const { marks } = planMessages({ highWaterMark: 100 });
 * for await (const msg of iterateWithFlowControl((paused) => mySource(paused), marks)) console.log(msg);
 * ```
 */
export function iterateWithFlowControl<T>(
  source: PausableSource<T>,
  marks: WaterMarks,
  lifecycle?: FlowLifecycle,
): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => new FlowIterator(source, marks, lifecycle) };
}

/**
 * A pausable source with its handler: each message goes to `handler`
 * (`concurrency` at a time, as `mergeMap` does), and the source is paused
 * while `marks.high` messages are received and not yet handled (waiting
 * for a handler or in one), until `marks.low` are. Emits what the handlers
 * emit; a handler's error ends it (and cancels the source). When
 * `lifecycle` drains, the source is unsubscribed and the messages already
 * received are handled, then it completes. For implementations of
 * {@link LiftbridgeClientApi.consume}.
 *
 * @param source - see {@link PausableSource}.
 * @param handler - called per message; its Observable, Promise or value is its result.
 * @param plan - the water marks and concurrency (see {@link planConsume}).
 * @param lifecycle - the client's drain signal (optional).
 * @returns a cold Observable of the handlers' results.
 * @example
 * ```ts
 * const plan = planConsume(save, { prefetch: 10 });
 * consumeWithFlowControl((paused) => mySource(paused), (msg) => save(msg), plan).subscribe();
 * ```
 */
export function consumeWithFlowControl<T, R>(
  source: PausableSource<T>,
  handler: (message: T) => ObservableInput<R>,
  plan: { marks: WaterMarks; concurrency: number },
  lifecycle: FlowLifecycle = {},
): Observable<R> {
  return defer(() => {
    const count = new Credit(plan.marks);
    flowProbe.created?.(count);
    return source(count.paused).pipe(
      takeUntil(lifecycle.draining ?? NEVER),
      tap(() => count.take()),
      mergeMap(
        (message) => defer(() => from(handler(message))).pipe(finalize(() => count.release())),
        plan.concurrency,
      ),
    );
  });
}
