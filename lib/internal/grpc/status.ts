/**
 * The one place where gRPC statuses and server error codes become
 * {@link LiftbridgeError}s. The same gRPC code means different things
 * depending on the phase of the call (see the protocol notes).
 */
import { type ServiceError, status } from '@grpc/grpc-js';
import { ErrorCode, LiftbridgeError } from '../../errors.js';
import { Ack_Error, PublishAsyncError_Code } from './api-types.generated.js';

/** Where in a call an error happened. */
export type CallPhase = 'unary' | 'subscribe-setup' | 'subscribe-stream' | 'publish';

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

function tooLarge(details: string): boolean {
  return /larger than max|too large|exceeds|message size|maximum payload/i.test(details);
}

/** INTERNAL details that mean "no usable broker or metadata leader right now". */
const METADATA_LEADER_LOST =
  /no known metadata leader|connection|socket|nats: timeout|no responders|leadership lost|not the leader|context deadline exceeded/i;

/** FAILED_PRECONDITION details of consumer-group requests made with stale group state. */
const GROUP_FENCED =
  /group epoch|not the consumer group coordinator|not a member of|already a member of|not currently assigned|coordinator generation mismatch/i;

function codeFor(grpcCode: number, phase: CallPhase, details: string): ErrorCode {
  switch (grpcCode) {
    case status.NOT_FOUND:
      return phase === 'subscribe-stream' ? ErrorCode.StreamDeleted : ErrorCode.NotFound;
    case status.ALREADY_EXISTS:
      return ErrorCode.StreamExists;
    case status.INVALID_ARGUMENT:
      return ErrorCode.InvalidArgument;
    case status.FAILED_PRECONDITION:
      if (GROUP_FENCED.test(details)) return ErrorCode.GroupFenced;
      if (/does not exist/i.test(details)) return ErrorCode.NotFound;
      if (phase === 'subscribe-stream') return ErrorCode.PartitionPaused;
      return /paused/i.test(details) ? ErrorCode.PartitionPaused : ErrorCode.NotLeader;
    case status.RESOURCE_EXHAUSTED:
      if (tooLarge(details)) return ErrorCode.MessageTooLarge;
      return phase === 'subscribe-stream' ? ErrorCode.Readonly : ErrorCode.Unknown;
    case status.UNAVAILABLE:
      return ErrorCode.Unavailable;
    case status.DEADLINE_EXCEEDED:
      return ErrorCode.Timeout;
    case status.PERMISSION_DENIED:
    case status.UNAUTHENTICATED:
      return ErrorCode.PermissionDenied;
    case status.INTERNAL:
      // grpc-js reports an unreachable broker that closes the socket this way
      // too, and a broker whose request to a dead or deposed metadata leader
      // failed says so in the details: both are worth another try.
      return METADATA_LEADER_LOST.test(details) ? ErrorCode.Unavailable : ErrorCode.Internal;
    case status.CANCELLED:
      return ErrorCode.Unavailable;
    default:
      // v1.9.0 reports an authorization refusal as a plain error (UNKNOWN).
      return /not authorized/i.test(details) ? ErrorCode.PermissionDenied : ErrorCode.Unknown;
  }
}

/**
 * Bytes that were not the protobuf message expected (our http2 transport
 * says "malformed message", grpc-js "Response message parsing error"). On a
 * subscription they are retried: the call starts again after the last
 * message delivered, so nothing is skipped or repeated.
 */
const MALFORMED = /malformed message|message parsing error|call ended inside a message/i;

/** Whether a failure of a call in `phase` is worth another try by the client itself. */
function isRetriable(code: ErrorCode, phase: CallPhase, details: string): boolean {
  if (code === ErrorCode.Unavailable || code === ErrorCode.NotLeader || code === ErrorCode.Timeout)
    return true;
  if (code === ErrorCode.Internal && phase !== 'unary' && MALFORMED.test(details)) return true;
  return /no known metadata leader|not the leader|no leader/i.test(details);
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
