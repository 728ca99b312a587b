/** The per-request ack wait, timed by RxJS (virtual time in marble specs). */
import { type MonoTypeOperatorFunction, throwError, timeout } from 'rxjs';
import { ErrorCode, LiftbridgeError } from '../errors.js';
import type { Ack } from '../message.js';
import type { PublishRequest } from '../publish-request.js';

/** Errors with ACK_TIMEOUT when no ack arrives within `ms`. */
export function ackDeadline(ms: number, request: PublishRequest): MonoTypeOperatorFunction<Ack> {
  return timeout({
    first: ms,
    with: () =>
      throwError(
        () =>
          new LiftbridgeError(
            ErrorCode.AckTimeout,
            `no ack within ${ms} ms for a message to ${request.stream}/${request.partition}; it may or may not be stored`,
          ),
      ),
  });
}
