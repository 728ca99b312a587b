/**
 * Bulk publishing as operators: sending is separated from acknowledgement.
 * Requests are written to the client's shared PublishAsync stream as they
 * arrive, at most `concurrency` unacknowledged at a time, and acks are
 * matched by correlation id, so they can arrive in any order.
 *
 * The window has mergeMap(…, concurrency)'s semantics (requests beyond it
 * wait, in arrival order) without its costs: no Observable or timer per
 * request, and an O(1) queue (mergeMap's Array#shift made a fast source of
 * 100K requests quadratic). See bench/ for the figures.
 */
import {
  defer,
  Observable,
  type OperatorFunction,
  type Subscriber,
  type Unsubscribable,
} from 'rxjs';
import { ErrorCode, invalidArgument, LiftbridgeError } from '../errors.js';
import { Fifo } from '../internal/fifo.js';
import type { PublishSink } from '../internal/publisher.js';
import type { Ack } from '../message.js';
import { DEFAULT_BULK_CONCURRENCY } from '../options.js';
import { isPublishRequest, type PublishRequest } from '../publish-request.js';
import { checkAckTimeout } from '../validate.js';

/**
 * What publishBulk needs of a client: a {@link LiftbridgeClient}, or a test double.
 * Not exported: pass a LiftbridgeClient.
 */
export interface RequestSender {
  /** Sends now, reports through `sink`; unsubscribing the result cancels the request. */
  sendRequest(
    request: PublishRequest,
    ackTimeout: number | undefined,
    sink: PublishSink,
  ): Unsubscribable;
}

/**
 * Options of {@link publishBulkSettled} (and, with `failFast`, of
 * {@link publishBulk} and {@link publishBulkFrom}). Bad values throw
 * `INVALID_ARGUMENT` when the operator is made.
 *
 * @example
 * ```ts
 * const options: PublishBulkOptions = { concurrency: 64, ackTimeout: 10_000 };
 * const requests = ['a', 'b'].map((v) => client.getPublishRequest(v, { stream: 'orders' }));
 * from(requests).pipe(publishBulkSettled(client, options)).subscribe();
 * ```
 */
export interface PublishBulkOptions {
  /**
   * Most requests in flight (written, not yet acked), a positive integer;
   * the others wait in arrival order.
   * @defaultValue 256 ({@link DEFAULT_BULK_CONCURRENCY})
   */
  concurrency?: number;
  /**
   * Ack wait per request (ms, above 0); then that request fails with `ACK_TIMEOUT`.
   * @defaultValue the client's {@link ClientOptions.ackTimeout}
   */
  ackTimeout?: number;
  /**
   * true: complete once every request is acked or failed.
   * false: complete once the source has completed and every request is
   * written (fire and forget, like Gufo's `wait=False`): acks still in
   * flight then are not reported.
   * @defaultValue true
   */
  wait?: boolean;
}

/**
 * Options of {@link publishBulk} and {@link publishBulkFrom}.
 *
 * @example
 * ```ts
 * const options: PublishBulkErrorOptions = { concurrency: 512, failFast: true };
 * const requests = ['a', 'b'].map((v) => client.getPublishRequest(v, { stream: 'orders' }));
 * await lastValueFrom(from(requests).pipe(publishBulk(client, options)));
 * ```
 */
export interface PublishBulkErrorOptions extends PublishBulkOptions {
  /**
   * Error at the first failed request (with that request's own error)
   * instead of with a {@link PublishBulkError} after the rest of the bulk.
   * @defaultValue false
   */
  failFast?: boolean;
}

/**
 * What happened to one request of a bulk ({@link publishBulkSettled}
 * emits one per request); switch on `type`.
 *
 * @example
 * ```ts
 * const describe = (o: PublishOutcome): string =>
 *   o.type === 'ack'
 *     ? `stored at ${o.ack.offset}`
 *     : o.type === 'sent'
 *       ? 'sent without ack'
 *       : `failed: ${o.error.code}`;
 * ```
 */
export type PublishOutcome =
  | {
      /** Acknowledged by the server. */
      readonly type: 'ack';
      /** The request, as given. */
      readonly request: PublishRequest;
      /** Its ack. */
      readonly ack: Ack;
    }
  | {
      /** AckPolicy NONE: written, no ack will come. */
      readonly type: 'sent';
      /** The request, as given. */
      readonly request: PublishRequest;
    }
  | {
      /** Failed (the message may or may not be stored after `ACK_TIMEOUT` or `UNAVAILABLE`). */
      readonly type: 'error';
      /** The request, as given. */
      readonly request: PublishRequest;
      /** Why it failed. */
      readonly error: LiftbridgeError;
    };

/**
 * A failed request of a bulk, as {@link PublishBulkError.failures} lists it.
 *
 * @example
 * ```ts
 * const retriable = (failures: readonly PublishFailure[]) =>
 *   failures.filter((f) => f.error.retriable).map((f) => f.request);
 * ```
 */
export interface PublishFailure {
  /** The request, as given. */
  readonly request: PublishRequest;
  /** Why it failed. */
  readonly error: LiftbridgeError;
}

/**
 * The error {@link publishBulk} and {@link publishBulkFrom} end with when
 * requests failed: `code` is the first failure's code, `retriable` is true
 * when every failure is retriable, `cause` is the first failure's error,
 * and `failures` lists every failed request with its own error.
 *
 * @example
 * ```ts
 * const requests = ['a', 'b'].map((v) => client.getPublishRequest(v, { stream: 'orders' }));
 * from(requests)
 *   .pipe(
 *     publishBulk(client),
 *     catchError((err: unknown) => {
 *       if (err instanceof PublishBulkError) {
 *         for (const f of err.failures) console.error(f.request.correlationId, f.error.code);
 *         return EMPTY;
 *       }
 *       return throwError(() => err);
 *     }),
 *   )
 *   .subscribe();
 * ```
 */
export class PublishBulkError extends LiftbridgeError {
  /** `'PublishBulkError'`. */
  override name = 'PublishBulkError';
  /**
   * Made by the bulk operators; tests may make one too.
   *
   * @param failures - every failed request with its own error, in the order
   *   they failed; at least one.
   * @example
   * ```ts
   * const request = client.getPublishRequest('x', { stream: 'orders' });
   * const err = new PublishBulkError([
   *   { request, error: new LiftbridgeError(ErrorCode.AckTimeout, 'no ack') },
   * ]);
   * err.code; // 'ACK_TIMEOUT'
   * ```
   */
  constructor(
    /** Every failed request with its own error, in the order they failed. */
    readonly failures: readonly PublishFailure[],
  ) {
    const first = failures[0] as PublishFailure;
    super(
      first.error.code,
      `${failures.length} request(s) of the bulk failed; first: ${first.error.message}`,
      {
        cause: first.error,
        retriable: failures.every((f) => f.error.retriable),
      },
    );
  }
}

function resolveBulkOptions(options: PublishBulkOptions) {
  if (options === null || typeof options !== 'object')
    throw invalidArgument('options', 'expected an object');
  const concurrency = options.concurrency ?? DEFAULT_BULK_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw invalidArgument('concurrency', `expected a positive integer, got ${String(concurrency)}`);
  }
  const ackTimeout = checkAckTimeout(options.ackTimeout);
  return { concurrency, ackTimeout, wait: options.wait ?? true };
}

function asLiftbridgeError(err: unknown): LiftbridgeError {
  return err instanceof LiftbridgeError
    ? err
    : new LiftbridgeError(ErrorCode.Unknown, String(err), { cause: err });
}

const notARequest = () =>
  invalidArgument('request', 'expected a request built by client.getPublishRequest()');

/** How a source feeds the window: pushes requests, and hears when there is room. */
interface Feed {
  /** Called once; pushes requests with `offer`; returns its teardown. */
  attach(window: {
    offer(request: PublishRequest): void;
    end(): void;
    fail(err: unknown): void;
    /** True while fewer than `concurrency` requests are in flight or waiting. */
    hasRoom(): boolean;
    /** Registers the callback run whenever a request settles. */
    onRoom(callback: () => void): void;
  }): () => void;
}

/**
 * What a window emits: one outcome per request (publishBulkSettled), or the
 * Acks with the failures gathered into a PublishBulkError at the end (or
 * the first failure at once, with failFast).
 */
interface Report<T> {
  settled(
    subscriber: Subscriber<T>,
    request: PublishRequest,
    ack: Ack | undefined,
    err: LiftbridgeError | undefined,
  ): void;
  /** Everything is settled (or written, with wait: false). */
  done(subscriber: Subscriber<T>): void;
}

const outcomes: Report<PublishOutcome> = {
  settled: (subscriber, request, ack, err) =>
    subscriber.next(
      err
        ? { type: 'error', request, error: err }
        : ack
          ? { type: 'ack', request, ack }
          : { type: 'sent', request },
    ),
  done: (subscriber) => subscriber.complete(),
};

function acksOrBulkError(failFast: boolean): Report<Ack> {
  const failures: PublishFailure[] = [];
  return {
    settled: (subscriber, request, ack, err) => {
      if (err) {
        if (failFast) subscriber.error(err);
        else failures.push({ request, error: err });
      } else if (ack) subscriber.next(ack);
    },
    done: (subscriber) => {
      if (failures.length > 0) subscriber.error(new PublishBulkError(failures));
      else subscriber.complete();
    },
  };
}

/** One request of a window, from sendRequest until settled: its sink and its cancel handle. */
class Sent implements PublishSink {
  handle: Unsubscribable | undefined = undefined;
  over = false;

  constructor(
    readonly request: PublishRequest,
    private readonly window: {
      written(): void;
      settled(sent: Sent, ack: Ack | undefined, err: LiftbridgeError | undefined): void;
    },
  ) {}

  written(): void {
    this.window.written();
  }

  settled(ack: Ack | undefined, err: LiftbridgeError | undefined): void {
    this.over = true;
    this.window.settled(this, ack, err);
  }
}

/** The window itself: at most `concurrency` requests in flight, the rest wait in order. */
function windowed<T>(
  client: RequestSender,
  options: PublishBulkOptions,
  feed: Feed,
  makeReport: () => Report<T>,
): Observable<T> {
  const { concurrency, ackTimeout, wait } = resolveBulkOptions(options);
  return new Observable<T>((subscriber) => {
    const report = makeReport();
    const waiting = new Fifo<PublishRequest>();
    const inFlight = new Set<Sent>();
    let active = 0;
    let received = 0;
    let written = 0;
    let sourceDone = false;
    let draining = false;
    let roomCallback: (() => void) | undefined;

    const maybeComplete = () => {
      if (!sourceDone || waiting.length > 0) return;
      // wait: false ends once everything is written; the teardown then
      // forgets the requests still awaiting acks.
      if (active === 0 || (!wait && written === received)) report.done(subscriber);
    };

    const window = {
      written: () => {
        written += 1;
        if (!wait) maybeComplete();
      },
      settled: (sent: Sent, ack: Ack | undefined, err: LiftbridgeError | undefined) => {
        active -= 1;
        if (sent.handle) inFlight.delete(sent);
        report.settled(subscriber, sent.request, ack, err);
        drain();
        roomCallback?.();
      },
    };

    const start = (request: PublishRequest) => {
      if (!isPublishRequest(request)) {
        written += 1;
        report.settled(subscriber, request, undefined, notARequest());
        return;
      }
      active += 1;
      const sent = new Sent(request, window);
      let handle: Unsubscribable;
      try {
        handle = client.sendRequest(request, ackTimeout, sent);
      } catch (err: unknown) {
        if (!sent.over) sent.settled(undefined, asLiftbridgeError(err));
        return;
      }
      if (!sent.over) {
        sent.handle = handle;
        inFlight.add(sent);
      }
    };

    // Starts waiting requests while the window has room; re-entrant calls
    // (a request settled synchronously) leave the work to the outer loop.
    const drain = () => {
      if (draining) return;
      draining = true;
      try {
        while (active < concurrency && waiting.length > 0 && !subscriber.closed) {
          start(waiting.shift());
        }
      } finally {
        draining = false;
      }
      if (!subscriber.closed) maybeComplete();
    };

    const detach = feed.attach({
      offer: (request) => {
        received += 1;
        waiting.push(request);
        drain();
      },
      end: () => {
        sourceDone = true;
        drain();
      },
      fail: (err) => subscriber.error(err),
      hasRoom: () => !subscriber.closed && active + waiting.length < concurrency,
      onRoom: (callback) => {
        roomCallback = callback;
      },
    });
    return () => {
      detach();
      waiting.clear();
      for (const sent of inFlight) sent.handle?.unsubscribe();
      inFlight.clear();
    };
  });
}

/**
 * Publishes every request and emits one {@link PublishOutcome} per request,
 * failures included: the Observable itself only errors when the source does.
 * The building block of publishBulk, and the operator for unbounded sources.
 * At most `concurrency` requests are unacknowledged at once; the others
 * wait in arrival order. Outcomes come in the order requests settle.
 * Unsubscribing cancels the requests in flight (their acks are ignored).
 *
 * @param client - the {@link LiftbridgeClient} to publish with.
 * @param options - see {@link PublishBulkOptions}: `concurrency` (default
 *   256), `ackTimeout` (default the client's), `wait` (default true).
 * @returns an operator from requests (built by
 *   {@link LiftbridgeClient.getPublishRequest}) to outcomes; a value that is
 *   not such a request yields an `INVALID_ARGUMENT` outcome.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for bad options, when the operator is made.
 * @example
 * ```ts
 * const requests$ = interval(100).pipe(
 *   map((i) => client.getPublishRequest(`tick ${i}`, { stream: 'ticks' })),
 * );
 * requests$.pipe(publishBulkSettled(client)).subscribe((o) => {
 *   if (o.type === 'error') console.error(o.request.correlationId, o.error.code);
 * });
 * ```
 */
export function publishBulkSettled(
  client: RequestSender,
  options: PublishBulkOptions = {},
): OperatorFunction<PublishRequest, PublishOutcome> {
  resolveBulkOptions(options); // bad options throw here, at the call site
  return (requests) => windowed(client, options, subscribing(requests), () => outcomes);
}

/** Feeds the window from an Observable (which cannot be held back). */
function subscribing(requests: Observable<PublishRequest>): Feed {
  return {
    attach: (window) => {
      const source = requests.subscribe({
        next: (request) => window.offer(request),
        error: (err: unknown) => window.fail(err),
        complete: () => window.end(),
      });
      return () => source.unsubscribe();
    },
  };
}

/** Pulls from a (possibly async) iterator only while the window has room. */
function pulling(requests: Iterable<PublishRequest> | AsyncIterable<PublishRequest>): Feed {
  return {
    attach: (window) => {
      let stopped = false;
      let busy = false;
      const asyncIt =
        Symbol.asyncIterator in requests
          ? (requests as AsyncIterable<PublishRequest>)[Symbol.asyncIterator]()
          : undefined;
      const syncIt = asyncIt
        ? undefined
        : (requests as Iterable<PublishRequest>)[Symbol.iterator]();
      const pump = () => {
        if (busy || stopped) return;
        busy = true;
        try {
          if (syncIt) {
            while (!stopped && window.hasRoom()) {
              const next = syncIt.next();
              if (next.done) {
                stopped = true;
                window.end();
              } else window.offer(next.value);
            }
            busy = false;
          } else if (asyncIt && window.hasRoom()) {
            asyncIt.next().then(
              (next) => {
                busy = false;
                if (stopped) return;
                if (next.done) {
                  stopped = true;
                  window.end();
                  return;
                }
                window.offer(next.value);
                pump();
              },
              (err: unknown) => {
                stopped = true;
                window.fail(err);
              },
            );
          } else busy = false;
        } catch (err: unknown) {
          busy = false;
          stopped = true;
          window.fail(err);
        }
      };
      window.onRoom(pump);
      pump();
      return () => {
        if (stopped) return;
        stopped = true;
        // Let the source release what it holds (files, cursors).
        if (syncIt?.return) syncIt.return();
        if (asyncIt?.return) void asyncIt.return().catch(() => undefined);
      };
    },
  };
}

/**
 * publishBulk for sources larger than memory: pulls the next request from
 * an iterable or async iterable (a generator, a readline interface, a
 * database cursor) only while the window has room, so no more than
 * `concurrency` requests exist at once. (An RxJS source cannot be held
 * back: `from(iterable)` reads everything at once.) Cold: iteration starts
 * on subscription; unsubscribing stops it and calls the iterator's return().
 * A generator can be iterated only once: subscribe once.
 *
 * @param client - the {@link LiftbridgeClient} to publish with.
 * @param requests - requests built by {@link LiftbridgeClient.getPublishRequest}.
 * @param options - see {@link PublishBulkErrorOptions}: `concurrency`
 *   (default 256), `ackTimeout`, `wait` (default true), `failFast` (default false).
 * @returns a cold Observable of the Acks, in the order they arrive; errors
 *   with a {@link PublishBulkError} once the rest is settled when requests
 *   failed (at the first failure with `failFast`), or with the iterator's
 *   own error.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for bad options or a
 *   `requests` that is not iterable, at the call site.
 *
 * @example
 * ```ts
 * function* requests() {
 *   for (let i = 0; i < 1_000_000; i++) yield client.getPublishRequest(`m${i}`, { stream: 'big' });
 * }
 * publishBulkFrom(client, requests(), { concurrency: 256 }).subscribe();
 * ```
 */
export function publishBulkFrom(
  client: RequestSender,
  requests: Iterable<PublishRequest> | AsyncIterable<PublishRequest>,
  options: PublishBulkErrorOptions = {},
): Observable<Ack> {
  resolveBulkOptions(options);
  if (
    requests === null ||
    typeof requests !== 'object' ||
    !(Symbol.iterator in requests || Symbol.asyncIterator in requests)
  ) {
    throw invalidArgument('requests', 'expected an iterable or async iterable of requests');
  }
  const failFast = Boolean(options.failFast);
  return defer(() => windowed(client, options, pulling(requests), () => acksOrBulkError(failFast)));
}

/**
 * Publishes every request and emits their Acks, in the order they arrive.
 * At most `concurrency` requests are unacknowledged at once. A failed
 * request does not stop the bulk: once every other request is settled the
 * Observable errors with a {@link PublishBulkError} listing each failure
 * (or at the first one, with `failFast`). AckPolicy NONE requests emit no Ack.
 * Writes keep the order of the requests; requests may target different
 * streams and partitions.
 *
 * @param client - the {@link LiftbridgeClient} to publish with.
 * @param options - see {@link PublishBulkErrorOptions}: `concurrency`
 *   (default 256), `ackTimeout` (default the client's), `wait` (default
 *   true), `failFast` (default false).
 * @returns an operator from requests (built by
 *   {@link LiftbridgeClient.getPublishRequest}) to their Acks.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for bad options, when the operator is made.
 * @example
 * ```ts
 * const lines = ['first', 'second', 'third'];
 * from(lines).pipe(
 *   map((line) => client.getPublishRequest(line, { stream: 'logs' })),
 *   publishBulk(client, { concurrency: 512 }),
 * ).subscribe((ack) => console.log(ack.offset));
 * ```
 */
export function publishBulk(
  client: RequestSender,
  options: PublishBulkErrorOptions = {},
): OperatorFunction<PublishRequest, Ack> {
  resolveBulkOptions(options); // bad options throw here, at the call site
  const failFast = Boolean(options.failFast);
  return (requests) =>
    windowed(client, options, subscribing(requests), () => acksOrBulkError(failFast));
}
