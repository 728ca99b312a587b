/**
 * Argument checks of the NestJS integration: handler options and module
 * options are checked when Nest registers them, so a mistake is a typed
 * `INVALID_ARGUMENT` {@link LiftbridgeError} naming the option, before
 * anything is sent. Built on the public surface only (stream names are
 * checked by the package's own {@link checkStreamName}).
 */
import { ErrorCode, LiftbridgeError } from '../index.js';

const MAX_INT32 = 2 ** 31 - 1;
const MAX_INT64 = 2n ** 63n - 1n;

/** An `INVALID_ARGUMENT` error: "`argument`: `problem`". */
export function invalidArgument(argument: string, problem: string): LiftbridgeError {
  return new LiftbridgeError(ErrorCode.InvalidArgument, `${argument}: ${problem}`);
}

/** The error every operation of a closed proxy or server fails with. */
export function closedError(): LiftbridgeError {
  return new LiftbridgeError(ErrorCode.Closed, 'the client is closed');
}

/** A non-negative int32 (a partition number). */
export function checkIndex(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_INT32) {
    throw invalidArgument(
      argument,
      `expected an integer from 0 to ${MAX_INT32}, got ${String(value)}`,
    );
  }
  return value;
}

/** A 64-bit value given as bigint or safe integer, from `min` (at least 0) to 2^63-1. */
export function checkInt64(value: unknown, argument: string, min = 0n): bigint {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
  else throw invalidArgument(argument, `expected a bigint or a safe integer, got ${String(value)}`);
  if (big < min || big > MAX_INT64) {
    throw invalidArgument(argument, `must be at least ${min}, got ${big}`);
  }
  return big;
}

/** A non-empty string identifier (cursor ids, group ids, consumer ids). */
export function checkId(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalidArgument(argument, 'expected a non-empty string');
  return value;
}

/** A non-negative whole number of milliseconds. */
export function checkDuration(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidArgument(
      argument,
      `expected a whole number of milliseconds >= 0, got ${String(value)}`,
    );
  }
  return value;
}
