/**
 * Bulk publishing as operators: sending is separated from acknowledgement.
 * Requests are written to the client's shared PublishAsync stream as they
 * arrive, at most `concurrency` unacknowledged at a time, and acks are
 * matched by correlation id, so they can arrive in any order.
 * The window itself is bulk-window.ts.
 */
import type { Observable, OperatorFunction } from 'rxjs';
import type { LiftbridgeClientApi } from '../client-api.js';
import { invalidArgument, LiftbridgeError } from '../errors.js';
import type { Ack } from '../message.js';
import { DEFAULT_BULK_CONCURRENCY } from '../options.js';
import type { PublishRequest } from '../publish-request.js';
import { checkAckTimeout } from '../validate.js';
import { pulling, type Report, subscribing, type WindowSettings, windowed } from './bulk-window.js';
import { senderFor } from './client-sender.js';

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

function resolveBulkOptions(options: PublishBulkOptions): WindowSettings {
  if (options === null || typeof options !== 'object')
    throw invalidArgument('options', 'expected an object');
  const concurrency = options.concurrency ?? DEFAULT_BULK_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw invalidArgument('concurrency', `expected a positive integer, got ${String(concurrency)}`);
  }
  const ackTimeout = checkAckTimeout(options.ackTimeout);
  return { concurrency, ackTimeout, wait: options.wait ?? true };
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
  client: LiftbridgeClientApi,
  options: PublishBulkOptions = {},
): OperatorFunction<PublishRequest, PublishOutcome> {
  const settings = resolveBulkOptions(options); // bad options throw here, at the call site
  return (requests) => windowed(senderFor(client), settings, subscribing(requests), () => outcomes);
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
  client: LiftbridgeClientApi,
  requests: Iterable<PublishRequest> | AsyncIterable<PublishRequest>,
  options: PublishBulkErrorOptions = {},
): Observable<Ack> {
  const settings = resolveBulkOptions(options);
  if (
    requests === null ||
    typeof requests !== 'object' ||
    !(Symbol.iterator in requests || Symbol.asyncIterator in requests)
  ) {
    throw invalidArgument('requests', 'expected an iterable or async iterable of requests');
  }
  const failFast = Boolean(options.failFast);
  return windowed(senderFor(client), settings, pulling(requests), () => acksOrBulkError(failFast));
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
  client: LiftbridgeClientApi,
  options: PublishBulkErrorOptions = {},
): OperatorFunction<PublishRequest, Ack> {
  const settings = resolveBulkOptions(options); // bad options throw here, at the call site
  const failFast = Boolean(options.failFast);
  return (requests) =>
    windowed(senderFor(client), settings, subscribing(requests), () => acksOrBulkError(failFast));
}
