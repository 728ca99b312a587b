/**
 * Bulk publishing as operators: sending is separated from acknowledgement.
 * Requests are written to the client's shared PublishAsync stream as they
 * arrive, at most `concurrency` unacknowledged at a time (mergeMap), and
 * acks are matched by correlation id, so they can arrive in any order.
 */
import {
  catchError,
  concatWith,
  defaultIfEmpty,
  defer,
  EMPTY,
  filter,
  map,
  mergeMap,
  type Observable,
  type OperatorFunction,
  of,
  Subject,
  takeUntil,
  tap,
  throwError,
} from 'rxjs';
import { ErrorCode, invalidArgument, LiftbridgeError } from '../errors.js';
import type { Ack } from '../message.js';
import { DEFAULT_BULK_CONCURRENCY } from '../options.js';
import type { PublishRequest } from '../publish-request.js';

/** What publishBulk needs of a client: LiftbridgeClient, or the testing kit's fake. */
export interface RequestSender {
  sendRequest(
    request: PublishRequest,
    ackTimeout?: number,
    onWritten?: () => void,
  ): Observable<Ack>;
}

/** Options of publishBulk and publishBulkSettled. */
export interface PublishBulkOptions {
  /** Most requests in flight (written, not yet acked). Default {@link DEFAULT_BULK_CONCURRENCY}. */
  concurrency?: number;
  /** Ack wait per request (ms); default the client's ackTimeout. */
  ackTimeout?: number;
  /**
   * true (default): complete once every request is acked or failed.
   * false: complete once the source has completed and every request is
   * written (fire and forget, like Gufo's `wait=False`): acks still in
   * flight then are not reported.
   */
  wait?: boolean;
}

/** Options of publishBulk. */
export interface PublishBulkErrorOptions extends PublishBulkOptions {
  /** Error at the first failed request instead of after the rest of the bulk. Default false. */
  failFast?: boolean;
}

/** What happened to one request of a bulk. */
export type PublishOutcome =
  | { readonly type: 'ack'; readonly request: PublishRequest; readonly ack: Ack }
  /** AckPolicy NONE: written, no ack will come. */
  | { readonly type: 'sent'; readonly request: PublishRequest }
  | { readonly type: 'error'; readonly request: PublishRequest; readonly error: LiftbridgeError };

/** A failed request of a bulk. */
export interface PublishFailure {
  readonly request: PublishRequest;
  readonly error: LiftbridgeError;
}

/**
 * The error publishBulk ends with when requests failed: `code` is the first
 * failure's code, `failures` lists every failed request with its own error.
 */
export class PublishBulkError extends LiftbridgeError {
  override name = 'PublishBulkError';
  constructor(readonly failures: readonly PublishFailure[]) {
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
  const ackTimeout = options.ackTimeout;
  if (ackTimeout !== undefined && (!Number.isFinite(ackTimeout) || ackTimeout <= 0)) {
    throw invalidArgument(
      'ackTimeout',
      `expected a positive number of ms, got ${String(ackTimeout)}`,
    );
  }
  return { concurrency, ackTimeout, wait: options.wait ?? true };
}

function isRequest(value: unknown): value is PublishRequest {
  const r = value as Partial<PublishRequest> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof r.stream === 'string' &&
    r.value instanceof Uint8Array &&
    r.key instanceof Uint8Array &&
    r.headers instanceof Map &&
    typeof r.expectedOffset === 'bigint'
  );
}

function asLiftbridgeError(err: unknown): LiftbridgeError {
  return err instanceof LiftbridgeError
    ? err
    : new LiftbridgeError(ErrorCode.Unknown, String(err), { cause: err });
}

/**
 * Publishes every request and emits one {@link PublishOutcome} per request,
 * failures included: the Observable itself only errors when the source does.
 * The building block of publishBulk, and the operator for unbounded sources.
 *
 * @example
 * ```ts
 * requests$.pipe(publishBulkSettled(client)).subscribe((o) => {
 *   if (o.type === 'error') console.error(o.request.correlationId, o.error.code);
 * });
 * ```
 */
export function publishBulkSettled(
  client: RequestSender,
  options: PublishBulkOptions = {},
): OperatorFunction<PublishRequest, PublishOutcome> {
  const { concurrency, ackTimeout, wait } = resolveBulkOptions(options);
  return (requests) =>
    defer(() => {
      let received = 0;
      let written = 0;
      let sourceDone = false;
      const allWritten = new Subject<void>();
      const check = () => {
        if (!wait && sourceDone && written === received) allWritten.next();
      };
      const onWritten = () => {
        written += 1;
        check();
      };
      const one = (request: PublishRequest): Observable<PublishOutcome> => {
        if (!isRequest(request)) {
          onWritten();
          return of({
            type: 'error',
            request,
            error: invalidArgument(
              'request',
              'expected a request built by client.getPublishRequest()',
            ),
          });
        }
        return client.sendRequest(request, ackTimeout, onWritten).pipe(
          map((ack): PublishOutcome => ({ type: 'ack', request, ack })),
          defaultIfEmpty<PublishOutcome, PublishOutcome>({ type: 'sent', request }),
          catchError((err: unknown) =>
            of<PublishOutcome>({ type: 'error', request, error: asLiftbridgeError(err) }),
          ),
        );
      };
      const outcomes = requests.pipe(
        tap({
          next: () => {
            received += 1;
          },
          complete: () => {
            sourceDone = true;
            check();
          },
        }),
        mergeMap(one, concurrency),
      );
      return wait ? outcomes : outcomes.pipe(takeUntil(allWritten));
    });
}

/**
 * Publishes every request and emits their Acks, in the order they arrive.
 * At most `concurrency` requests are unacknowledged at once. A failed
 * request does not stop the bulk: once every other request is settled the
 * Observable errors with a {@link PublishBulkError} listing each failure
 * (or at the first one, with `failFast`). AckPolicy NONE requests emit no Ack.
 *
 * @example
 * ```ts
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
  const failFast = Boolean(options.failFast);
  const settled = publishBulkSettled(client, options);
  return (requests) =>
    defer(() => {
      const failures: PublishFailure[] = [];
      return requests.pipe(
        settled,
        tap((outcome) => {
          if (outcome.type !== 'error') return;
          if (failFast) throw outcome.error;
          failures.push({ request: outcome.request, error: outcome.error });
        }),
        filter(
          (outcome): outcome is Extract<PublishOutcome, { type: 'ack' }> => outcome.type === 'ack',
        ),
        map((outcome) => outcome.ack),
        concatWith(
          defer(() =>
            failures.length > 0 ? throwError(() => new PublishBulkError(failures)) : EMPTY,
          ),
        ),
      );
    });
}
