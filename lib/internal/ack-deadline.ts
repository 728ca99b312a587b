/** The error of a request whose ack did not come in time. */
import { ErrorCode, LiftbridgeError } from '../errors.js';
import type { PublishRequest } from '../publish-request.js';

export function ackTimeoutError(ms: number, request: PublishRequest): LiftbridgeError {
  return new LiftbridgeError(
    ErrorCode.AckTimeout,
    `no ack within ${ms} ms for a message to ${request.stream}/${request.partition}; it may or may not be stored`,
  );
}
