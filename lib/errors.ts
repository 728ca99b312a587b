/**
 * Typed errors. Every failure a user can handle is a {@link LiftbridgeError}
 * with a stable {@link ErrorCode}, a `retriable` flag and the original error
 * as `cause`. All gRPC-status-to-domain mapping lives in
 * `internal/grpc/status.ts`.
 */

/**
 * Stable error codes of {@link LiftbridgeError}; compare `err.code` against these.
 *
 * `UNAVAILABLE`, `NOT_LEADER` and `TIMEOUT` are retriable by default (see
 * {@link LiftbridgeError.retriable}); calls retry them by themselves for up
 * to the client's `retryTimeout` before they reach you.
 *
 * @example
 * ```ts
 * client.deleteStream('orders').pipe(
 *   catchError((err: unknown) =>
 *     isLiftbridgeError(err, ErrorCode.NotFound) ? of(undefined) : throwError(() => err),
 *   ),
 * );
 * ```
 * @enum
 */
export const ErrorCode = {
  /** A bad argument, rejected before anything was sent (or by the server). */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** No such stream or partition. */
  NotFound: 'NOT_FOUND',
  /** createStream: a stream with that name already exists. */
  StreamExists: 'STREAM_EXISTS',
  /** No broker could be reached, or the connection broke. Retriable. */
  Unavailable: 'UNAVAILABLE',
  /** The broker asked is not the partition leader (metadata was stale). Retriable. */
  NotLeader: 'NOT_LEADER',
  /** A message is larger than the server or gRPC accepts. */
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  /** No ack arrived within `ackTimeout`; the message may or may not be stored. */
  AckTimeout: 'ACK_TIMEOUT',
  /** A request did not finish within its deadline. Retriable. */
  Timeout: 'TIMEOUT',
  /** The client was closed. */
  Closed: 'CLIENT_CLOSED',
  /** The stream was deleted while subscribed. */
  StreamDeleted: 'STREAM_DELETED',
  /** The partition is paused (subscribe without `resume`, or paused while subscribed). */
  PartitionPaused: 'PARTITION_PAUSED',
  /** The partition is readonly: publish refused, or a subscriber reached its end. */
  Readonly: 'READONLY',
  /** Optimistic concurrency: the partition's offset is not the expected one. */
  IncorrectOffset: 'INCORRECT_OFFSET',
  /** The server failed to encrypt the message. */
  EncryptionFailed: 'ENCRYPTION_FAILED',
  /**
   * Consumer groups: a request carried an out-of-date group epoch,
   * coordinator or membership (the group rebalanced, or its coordinator
   * moved). Consumer-group Observables handle it themselves.
   */
  GroupFenced: 'GROUP_FENCED',
  /** The server's authorization refused the action. */
  PermissionDenied: 'PERMISSION_DENIED',
  /**
   * The server refused the request in the state it or the stream is in (an
   * encrypted stream on a server without an encryption key, say); the
   * message is the server's. Not retriable: something must change first.
   */
  FailedPrecondition: 'FAILED_PRECONDITION',
  /** A compressed message could not be decoded. */
  DecompressionFailed: 'DECOMPRESSION_FAILED',
  /** A server-side failure. */
  Internal: 'INTERNAL',
  /** Anything else (the cause says what). */
  Unknown: 'UNKNOWN',
} as const;

/** One of the {@link ErrorCode} values, such as `'NOT_FOUND'`. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const RETRIABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.Unavailable,
  ErrorCode.NotLeader,
  ErrorCode.Timeout,
]);

/**
 * Options of the {@link LiftbridgeError} constructor.
 *
 * @example
 * ```ts
 * const options: LiftbridgeErrorOptions = { cause: new Error('socket hang up'), retriable: true };
 * throw new LiftbridgeError(ErrorCode.Unknown, 'lookup failed', options);
 * ```
 */
export interface LiftbridgeErrorOptions {
  /**
   * The underlying error (a gRPC ServiceError, a zlib error, ...).
   * @defaultValue none (`err.cause` is undefined)
   */
  cause?: unknown;
  /**
   * Overrides the default retriability of the code.
   * @defaultValue true for `UNAVAILABLE`, `NOT_LEADER` and `TIMEOUT`; false for the others
   */
  retriable?: boolean;
}

/**
 * The one error class of liftbridge-rx: every failure a user can handle is
 * one, with a stable {@link ErrorCode} as `code`, a `retriable` flag and the
 * original error (a gRPC status, a zlib error) as `cause`.
 *
 * @example
 * ```ts
 * client.createStream('orders').pipe(
 *   catchError((err: unknown) =>
 *     isLiftbridgeError(err, ErrorCode.StreamExists) ? EMPTY : throwError(() => err),
 *   ),
 * );
 * ```
 */
export class LiftbridgeError extends Error {
  /** `'LiftbridgeError'` (`'PublishBulkError'` for that subclass). */
  override name = 'LiftbridgeError';
  /** Stable, machine-readable code. */
  readonly code: ErrorCode;
  /**
   * Whether trying again (later, or elsewhere) may succeed.
   * @defaultValue true for `UNAVAILABLE`, `NOT_LEADER` and `TIMEOUT`, false for the other codes (unless the constructor's `retriable` option says otherwise)
   */
  readonly retriable: boolean;

  /**
   * Makes an error; the client makes them, tests and wrappers may too.
   *
   * @param code - the stable code.
   * @param message - what happened, for people.
   * @param options - `cause` and an explicit `retriable`.
   * @example
   * ```ts
   * const err = new LiftbridgeError(ErrorCode.NotFound, 'no stream "orders"');
   * err.retriable; // false
   * ```
   */
  constructor(code: ErrorCode, message: string, options: LiftbridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? RETRIABLE.has(code);
  }
}

/**
 * True when `err` is a {@link LiftbridgeError} (with that code, when given);
 * a type guard, so `err.code` and `err.retriable` are typed afterwards.
 *
 * @param err - anything caught.
 * @param code - the code to match; any code when omitted.
 * @example
 * ```ts
 * client.fetchMetadata().pipe(
 *   retry({
 *     count: 3,
 *     delay: (err: unknown) =>
 *       isLiftbridgeError(err) && err.retriable ? timer(1000) : throwError(() => err),
 *   }),
 * );
 * ```
 */
export function isLiftbridgeError(err: unknown, code?: ErrorCode): err is LiftbridgeError {
  return err instanceof LiftbridgeError && (code === undefined || err.code === code);
}

/** Shorthand for an invalid-argument error naming the argument. */
export function invalidArgument(argument: string, problem: string): LiftbridgeError {
  return new LiftbridgeError(ErrorCode.InvalidArgument, `${argument}: ${problem}`);
}

/** `err` as it is when it is a LiftbridgeError, else wrapped as `UNKNOWN` (with it as the cause). */
export function asLiftbridgeError(err: unknown): LiftbridgeError {
  return err instanceof LiftbridgeError
    ? err
    : new LiftbridgeError(ErrorCode.Unknown, String(err), { cause: err });
}

/** The error every operation of a closed client fails with. */
export function closedError(): LiftbridgeError {
  return new LiftbridgeError(ErrorCode.Closed, 'the client is closed');
}
