/**
 * Typed errors. Every failure a user can handle is a {@link LiftbridgeError}
 * with a stable {@link ErrorCode}, a `retriable` flag and the original error
 * as `cause`. All gRPC-status-to-domain mapping lives in
 * `internal/grpc/status.ts`.
 */

/** Stable error codes; compare `err.code` against these. */
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
  /** A compressed message could not be decoded. */
  DecompressionFailed: 'DECOMPRESSION_FAILED',
  /** A server-side failure. */
  Internal: 'INTERNAL',
  /** Anything else (the cause says what). */
  Unknown: 'UNKNOWN',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const RETRIABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.Unavailable,
  ErrorCode.NotLeader,
  ErrorCode.Timeout,
]);

/** Options of {@link LiftbridgeError}. */
export interface LiftbridgeErrorOptions {
  /** The underlying error (a gRPC ServiceError, a zlib error, ...). */
  cause?: unknown;
  /** Overrides the default retriability of the code. */
  retriable?: boolean;
}

/**
 * The one error class of liftbridge-rx.
 *
 * @example
 * ```ts
 * client.createStream('orders').pipe(
 *   catchError((err) => isLiftbridgeError(err, ErrorCode.StreamExists) ? EMPTY : throwError(() => err)),
 * );
 * ```
 */
export class LiftbridgeError extends Error {
  override name = 'LiftbridgeError';
  /** Stable, machine-readable code. */
  readonly code: ErrorCode;
  /** Whether trying again (later, or elsewhere) may succeed. */
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: LiftbridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? RETRIABLE.has(code);
  }
}

/** True when `err` is a {@link LiftbridgeError} (with that code, when given). */
export function isLiftbridgeError(err: unknown, code?: ErrorCode): err is LiftbridgeError {
  return err instanceof LiftbridgeError && (code === undefined || err.code === code);
}

/** Shorthand for an invalid-argument error naming the argument. */
export function invalidArgument(argument: string, problem: string): LiftbridgeError {
  return new LiftbridgeError(ErrorCode.InvalidArgument, `${argument}: ${problem}`);
}

/** The error every operation of a closed client fails with. */
export function closedError(): LiftbridgeError {
  return new LiftbridgeError(ErrorCode.Closed, 'the client is closed');
}
