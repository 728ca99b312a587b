/**
 * Argument checks run at the call site, before anything is sent: a user's
 * mistake becomes a typed invalid-argument error, never a server crash.
 */
import { invalidArgument } from './errors.js';

const MAX_INT32 = 2 ** 31 - 1;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/**
 * A broker address, as {@link parseBroker} returns it.
 *
 * @example
 * ```ts
 * const { host, port }: BrokerAddress = parseBroker('[::1]:9292', 'broker');
 * console.log(host, port); // [::1] 9292
 * ```
 */
export interface BrokerAddress {
  /** The host name or IP address; an IPv6 address in brackets, as in `[::1]`. */
  host: string;
  /** The TCP port, 1 to 65535. */
  port: number;
}

/**
 * Parses a seed broker `host:port` (IPv6 as `[::1]:9292`) by the rule the
 * {@link LiftbridgeClient} constructor applies to its seeds, so a wrapper
 * can check an address early (from a config file, a command line) with the
 * same message the client would give.
 *
 * @param seed - the address to check.
 * @param name - what to call it in the error message (`broker`, `brokers[0]`, ...).
 * @returns the host (an IPv6 address in brackets) and the port.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` ("`name`: ...") when `seed`
 * is not a string or not `host:port` with a port from 1 to 65535.
 * @example
 * ```ts
 * parseBroker('10.0.0.1:9292', 'broker'); // { host: '10.0.0.1', port: 9292 }
 * parseBroker('10.0.0.1', 'broker'); // throws INVALID_ARGUMENT: broker: "10.0.0.1" is not "host:port" (missing port)
 * ```
 */
export function parseBroker(seed: unknown, name: string): BrokerAddress {
  if (typeof seed !== 'string')
    throw invalidArgument(name, `expected a "host:port" string, got ${typeof seed}`);
  const colon = seed.lastIndexOf(':');
  if (colon <= 0) throw invalidArgument(name, `"${seed}" is not "host:port" (missing port)`);
  let host = seed.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const portText = seed.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidArgument(name, `"${seed}" has a bad port "${portText}"`);
  }
  if (host === '' || /\s/.test(host)) throw invalidArgument(name, `"${seed}" has a bad host`);
  return { host: host.includes(':') ? `[${host}]` : host, port };
}

/**
 * Checks a stream name by the rule every client call applies before it sends
 * anything: a non-empty string with no whitespace and no NATS wildcards
 * (`*`, `>`), and not reserved (names starting with `__`, such as
 * `__cursors`, belong to the server) unless `allowReserved`. For wrappers
 * that take stream names from users (config, decorators, command lines)
 * and want to refuse a bad one early with the client's own message.
 *
 * @param name - the value to check.
 * @param argument - what to call it in the error message.
 * @param allowReserved - accept names starting with `__` (reading `__activity`, say).
 * @returns `name`, typed as a string.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` ("`argument`: ...") when the name breaks the rule.
 * @example
 * ```ts
 * const stream = checkStreamName(process.env['ORDERS_STREAM'], 'ORDERS_STREAM');
 * checkStreamName('orders.*'); // throws INVALID_ARGUMENT: stream: "orders.*" may not contain whitespace, "*" or ">"
 * checkStreamName('__activity', 'stream', true); // '__activity'
 * ```
 */
export function checkStreamName(name: unknown, argument = 'stream', allowReserved = false): string {
  if (typeof name !== 'string' || name === '')
    throw invalidArgument(argument, 'expected a non-empty string');
  if (/[\s*>]/.test(name))
    throw invalidArgument(argument, `"${name}" may not contain whitespace, "*" or ">"`);
  if (!allowReserved && name.startsWith('__')) {
    throw invalidArgument(
      argument,
      `"${name}" is reserved (names starting with "__" belong to the server)`,
    );
  }
  return name;
}

/** A NATS subject to publish on: non-empty tokens, no wildcards, no whitespace. */
export function checkSubject(subject: unknown, argument = 'subject'): string {
  if (typeof subject !== 'string' || subject === '')
    throw invalidArgument(argument, 'expected a non-empty string');
  if (/[\s*>]/.test(subject) || subject.split('.').some((t) => t === '')) {
    throw invalidArgument(
      argument,
      `"${subject}" is not a valid NATS subject (no empty tokens, wildcards or spaces)`,
    );
  }
  return subject;
}

/** A non-negative int32 (partition numbers, counts). */
export function checkIndex(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_INT32) {
    throw invalidArgument(
      argument,
      `expected an integer from 0 to ${MAX_INT32}, got ${String(value)}`,
    );
  }
  return value;
}

/** An int32 in [min, max]. */
export function checkInt(value: unknown, argument: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(
      argument,
      `expected an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** A 64-bit value given as bigint or safe integer, at least `min`. */
export function checkInt64(value: unknown, argument: string, min: bigint = 0n): bigint {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
  else throw invalidArgument(argument, `expected a bigint or a safe integer, got ${String(value)}`);
  if (big < min || big < MIN_INT64 || big > MAX_INT64) {
    throw invalidArgument(argument, `must be at least ${min}, got ${big}`);
  }
  return big;
}

/** A non-empty string identifier (cursor ids, group ids). */
export function checkId(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalidArgument(argument, 'expected a non-empty string');
  return value;
}

/** The arguments naming a cursor (setCursor, fetchCursor), checked. */
export function checkCursor(
  stream: unknown,
  partition: unknown,
  cursorId: unknown,
): { stream: string; partition: number; cursorId: string } {
  return {
    stream: checkStreamName(stream),
    partition: checkIndex(partition, 'partition'),
    cursorId: checkId(cursorId, 'cursorId'),
  };
}

const encoder = new TextEncoder();

/** Message bytes: Uint8Array (Buffer included) or a string (UTF-8). */
export function toBytes(value: unknown, argument: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return encoder.encode(value);
  throw invalidArgument(
    argument,
    `expected a Uint8Array or a string, got ${value === null ? 'null' : typeof value}`,
  );
}

/** A non-negative duration in milliseconds. */
export function checkDuration(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidArgument(
      argument,
      `expected a whole number of milliseconds >= 0, got ${String(value)}`,
    );
  }
  return value;
}

/** An optional ack wait in ms: undefined, or a positive finite number. */
export function checkAckTimeout(value: unknown, name = 'ackTimeout'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidArgument(name, `expected a positive number of ms, got ${String(value)}`);
  }
  return value;
}
