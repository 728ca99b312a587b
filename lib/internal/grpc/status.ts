/**
 * The one place where gRPC statuses and server error codes become
 * {@link LiftbridgeError}s. The same gRPC code means different things
 * depending on the phase of the call (see the protocol notes).
 */
import type { ServiceError } from '@grpc/grpc-js';
import { ErrorCode, LiftbridgeError } from '../../errors.js';
import { Ack_Error, PublishAsyncError_Code } from './api-types.generated.js';
import { status } from './codes.js';

/** Where in a call an error happened. */
export type CallPhase = 'unary' | 'subscribe-setup' | 'subscribe-stream' | 'publish';

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

function tooLarge(details: string): boolean {
  return /larger than max|too large|exceeds|message size|maximum payload/i.test(details);
}

/**
 * Details that mean "no usable broker or metadata leader right now": a
 * broker whose request to a dead or deposed metadata leader failed, or an
 * unreachable broker that closed the socket (grpc-js says INTERNAL then).
 */
const METADATA_LEADER_LOST =
  /no known metadata leader|connection|socket|nats: timeout|no responders|leadership lost|not the leader|context deadline exceeded|timed out enqueuing/i;

/** UNKNOWN details of a broker whose metadata leader is gone or moving (a consumer-group call, say). */
const NO_METADATA_LEADER = /no known metadata leader|not the leader|no leader|leadership lost/i;

/**
 * FAILED_PRECONDITION of two members creating the same consumer group at
 * once: the loser's join succeeds when tried again (the group exists then).
 */
const GROUP_CREATED_MEANWHILE = /consumer group already exists/i;

/** FAILED_PRECONDITION details of consumer-group requests made with stale group state. */
const GROUP_FENCED =
  /group epoch|not the consumer group coordinator|not a member of|already a member of|not currently assigned|coordinator generation mismatch/i;

/**
 * FAILED_PRECONDITION details that mean "ask the leader instead": of the
 * partition ("Server not partition leader", "The request should be sent to
 * partition leader"), of the cursors partition ("Server not cursor
 * partition leader", "Server not leader for cursors partition 2"), or of
 * the metadata (Raft's "node is not the leader", "leadership lost while
 * committing log").
 */
const NOT_LEADER =
  /not (?:the )?(?:partition |cursor partition )?leader|not leader for|should be sent to partition leader|leadership lost|timed out enqueuing/i;

/** FAILED_PRECONDITION details of a partition, stream or group that is not there. */
/** INTERNAL details of a cursor call while `__cursors` (or its partition) is not loaded. */
const CURSORS_MISSING = /cursors (?:stream|partition \d+) does not exist/i;

const MISSING = /does not exist|no such (?:partition|stream|consumer group)/i;

/**
 * Bytes that were not the protobuf message expected (our http2 transport
 * says "malformed message", grpc-js "Response message parsing error"). On a
 * subscription they are retried: the call starts again after the last
 * message delivered, so nothing is skipped or repeated.
 */
const MALFORMED = /malformed message|message parsing error|call ended inside a message/i;

function failedPrecondition(phase: CallPhase, details: string): ErrorCode {
  if (GROUP_FENCED.test(details) || GROUP_CREATED_MEANWHILE.test(details))
    return ErrorCode.GroupFenced;
  if (MISSING.test(details)) return ErrorCode.NotFound;
  if (NOT_LEADER.test(details)) return ErrorCode.NotLeader;
  // While subscribed, the server closes a paused partition's log this way.
  if (phase === 'subscribe-stream' || /paused/i.test(details)) return ErrorCode.PartitionPaused;
  if (/readonly/i.test(details)) return ErrorCode.Readonly;
  return ErrorCode.FailedPrecondition;
}

function codeFor(grpcCode: number, phase: CallPhase, details: string): ErrorCode {
  switch (grpcCode) {
    case status.NOT_FOUND:
      return phase === 'subscribe-stream' ? ErrorCode.StreamDeleted : ErrorCode.NotFound;
    case status.ALREADY_EXISTS:
      return ErrorCode.StreamExists;
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return ErrorCode.InvalidArgument;
    case status.FAILED_PRECONDITION:
      return failedPrecondition(phase, details);
    case status.RESOURCE_EXHAUSTED:
      if (tooLarge(details)) return ErrorCode.MessageTooLarge;
      return phase === 'subscribe-stream' ? ErrorCode.Readonly : ErrorCode.Unknown;
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return ErrorCode.Unavailable;
    case status.DEADLINE_EXCEEDED:
      return ErrorCode.Timeout;
    case status.PERMISSION_DENIED:
    case status.UNAUTHENTICATED:
      return ErrorCode.PermissionDenied;
    case status.INTERNAL:
      // "Cursors stream does not exist": cursor calls are made once metadata
      // listed __cursors, so this is a restarted broker that has not loaded
      // it yet: retriable (within retryTimeout).
      if (METADATA_LEADER_LOST.test(details) || CURSORS_MISSING.test(details))
        return ErrorCode.Unavailable;
      return ErrorCode.Internal;
    default:
      // v1.9.0 reports an authorization refusal as a plain error (UNKNOWN),
      // and some consumer-group failures of the metadata leader too.
      if (/not authorized/i.test(details)) return ErrorCode.PermissionDenied;
      return NO_METADATA_LEADER.test(details) ? ErrorCode.Unavailable : ErrorCode.Unknown;
  }
}

/**
 * Whether the client itself tries a failed call again: only where another
 * try can succeed with nothing changed by the user (a leader elsewhere, a
 * broker back, a corrupt stream read again).
 */
function isRetriable(code: ErrorCode, phase: CallPhase, details: string): boolean {
  switch (code) {
    case ErrorCode.Unavailable:
    case ErrorCode.NotLeader:
    case ErrorCode.Timeout:
      return true;
    case ErrorCode.Internal:
      return (
        (phase === 'subscribe-setup' || phase === 'subscribe-stream') && MALFORMED.test(details)
      );
    case ErrorCode.GroupFenced:
      return GROUP_CREATED_MEANWHILE.test(details);
    default:
      return false;
  }
}

/** Maps a gRPC error of a call in `phase` to a typed error; `context` names the call. */
export function fromGrpcError(err: unknown, phase: CallPhase, context: string): LiftbridgeError {
  if (err instanceof LiftbridgeError) return err;
  if (!isServiceError(err)) {
    return new LiftbridgeError(ErrorCode.Unknown, `${context}: ${String(err)}`, { cause: err });
  }
  const details = err.details || err.message;
  const code = codeFor(err.code, phase, details);
  const retriable = isRetriable(code, phase, details);
  return new LiftbridgeError(code, `${context}: ${details}`, { cause: err, retriable });
}

/**
 * Whether a subscription that asked for a stop position ended normally: the
 * server ends it with RESOURCE_EXHAUSTED at the stop (a message over the
 * size limit is RESOURCE_EXHAUSTED too, but an error), or refuses a stop
 * that lies before the start (an empty range, e.g. RESUME after LATEST).
 */
export function endedAtStop(err: unknown): boolean {
  if (!(err instanceof LiftbridgeError)) return false;
  const cause = err.cause as { code?: unknown } | undefined;
  if (cause?.code === status.RESOURCE_EXHAUSTED && err.code !== ErrorCode.MessageTooLarge)
    return true;
  return /stop offset is before start offset/i.test(err.message);
}

const ASYNC_CODES: Record<number, ErrorCode> = {
  [PublishAsyncError_Code.UNKNOWN]: ErrorCode.Unknown,
  [PublishAsyncError_Code.BAD_REQUEST]: ErrorCode.InvalidArgument,
  [PublishAsyncError_Code.NOT_FOUND]: ErrorCode.NotFound,
  [PublishAsyncError_Code.INTERNAL]: ErrorCode.Internal,
  [PublishAsyncError_Code.READONLY]: ErrorCode.Readonly,
  [PublishAsyncError_Code.INCORRECT_OFFSET]: ErrorCode.IncorrectOffset,
  [PublishAsyncError_Code.ENCRYPTION_FAILED]: ErrorCode.EncryptionFailed,
  [PublishAsyncError_Code.PERMISSION_DENIED]: ErrorCode.PermissionDenied,
};

/** A PublishAsync `asyncError` -> typed error. */
export function fromAsyncError(code: number, message: string, context: string): LiftbridgeError {
  let mapped = ASYNC_CODES[code] ?? ErrorCode.Unknown;
  if (tooLarge(message)) mapped = ErrorCode.MessageTooLarge;
  return new LiftbridgeError(mapped, `${context}: ${message}`, { retriable: false });
}

const ACK_CODES: Record<number, ErrorCode> = {
  [Ack_Error.UNKNOWN]: ErrorCode.Unknown,
  [Ack_Error.INCORRECT_OFFSET]: ErrorCode.IncorrectOffset,
  [Ack_Error.TOO_LARGE]: ErrorCode.MessageTooLarge,
  [Ack_Error.ENCRYPTION]: ErrorCode.EncryptionFailed,
};

/**
 * A PublishResponse whose bytes were not one: its request fails alone
 * (not retried: the message may have been stored).
 */
export function fromMalformedAck(why: string, context: string): LiftbridgeError {
  return new LiftbridgeError(
    ErrorCode.Internal,
    `${context}: malformed response (${why}); the message may or may not be stored`,
    { retriable: false },
  );
}

/** An Ack whose `ackError` is set -> typed error. */
export function fromAckError(code: number, context: string): LiftbridgeError {
  const mapped = ACK_CODES[code] ?? ErrorCode.Unknown;
  return new LiftbridgeError(mapped, `${context}: ack error ${code}`, { retriable: false });
}
