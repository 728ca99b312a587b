/**
 * Parsers of command line values (durations, counts, headers, start
 * positions). Each throws a {@link UsageError} naming the option.
 */
import { AckPolicy, parseBroker, StartPosition, type SubscribeOptions } from '../index.js';
import { UsageError } from './exit-codes.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration in milliseconds from `500ms`, `10s`, `2m`, `1h`, `7d` or a
 * plain number of milliseconds.
 *
 * @example
 * ```ts
 * parseDuration('30s', '--timeout'); // 30000
 * ```
 */
export function parseDuration(text: string, option: string, command?: string | null): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) {
    throw new UsageError(
      `${option}: expected a duration such as 500ms, 10s, 2m, 1h, got "${text}"`,
      command,
    );
  }
  return Math.round(Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1));
}

/**
 * An integer in [min, max] (default: 0 to 2^31-1).
 *
 * @example
 * ```ts
 * parseInteger('3', '--partitions', 1, 4096); // 3
 * ```
 */
export function parseInteger(text: string, option: string, min = 0, max = 2 ** 31 - 1): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${option}: expected an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/**
 * An offset (int64, at least `min`, default 0) as a bigint.
 *
 * @example
 * ```ts
 * parseOffset('41', 'offset'); // 41n
 * ```
 */
export function parseOffset(text: string, option: string, min = 0n): bigint {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed) || BigInt(trimmed) < min || BigInt(trimmed) >= 2n ** 63n) {
    throw new UsageError(`${option}: expected an offset (an integer from ${min}), got "${text}"`);
  }
  return BigInt(trimmed);
}

/**
 * `name=value` of a `--header` option.
 *
 * @example
 * ```ts
 * parseHeader('trace-id=abc'); // ['trace-id', 'abc']
 * ```
 */
export function parseHeader(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--header: expected name=value, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/**
 * Seed brokers from `host:port,host:port`, each checked; `source` names
 * where they came from in messages (default `--brokers`).
 *
 * @example
 * ```ts
 * parseBrokers('10.0.0.1:9292, 10.0.0.2:9292'); // ['10.0.0.1:9292', '10.0.0.2:9292']
 * ```
 */
export function parseBrokers(text: string, source = '--brokers'): string[] {
  const brokers = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    throw new UsageError(`${source}: expected host:port[,host:port...]`, null);
  }
  for (const broker of brokers) {
    try {
      parseBroker(broker, 'broker');
    } catch (err) {
      const problem = err instanceof Error ? err.message.replace(/^broker: /, '') : String(err);
      throw new UsageError(`${source}: ${problem}`, null);
    }
  }
  return brokers;
}

/**
 * An ack policy by name, any case: `leader`, `all`, `none`.
 *
 * @example
 * ```ts
 * parseAckPolicy('all'); // 'ALL'
 * ```
 */
export function parseAckPolicy(text: string): AckPolicy {
  const upper = text.toUpperCase();
  if (upper in AckPolicy) return upper as AckPolicy;
  throw new UsageError(`--ack-policy: expected leader, all or none, got "${text}"`);
}

/** The start options of a subscription, as `--from` describes them. */
export type StartOptions = Pick<
  SubscribeOptions,
  'startPosition' | 'startOffset' | 'startTimestamp'
>;

/**
 * A `--from` value: `earliest`, `latest`, `new`, `offset:N` (or just `N`),
 * `time:<ISO 8601>` or `ago:<duration>`, as subscribe options. `now` (ms
 * since the epoch) anchors `ago:`; default `Date.now()`.
 *
 * @example
 * ```ts
 * parseFrom('ago:30s', 1_000_000); // { startPosition: 'TIMESTAMP', startTimestamp: 970_000_000_000n }
 * ```
 */
export function parseFrom(text: string, now = Date.now()): StartOptions {
  const value = text.trim();
  switch (value.toLowerCase()) {
    case 'earliest':
      return { startPosition: StartPosition.EARLIEST };
    case 'latest':
      return { startPosition: StartPosition.LATEST };
    case 'new':
      return { startPosition: StartPosition.NEW_ONLY };
  }
  const colon = value.indexOf(':');
  const kind = colon < 0 ? 'offset' : value.slice(0, colon).toLowerCase();
  const arg = colon < 0 ? value : value.slice(colon + 1);
  if (kind === 'offset' && /^\d+$/.test(arg)) {
    return { startPosition: StartPosition.OFFSET, startOffset: parseOffset(arg, '--from') };
  }
  if (kind === 'time') {
    const ms = Date.parse(arg);
    if (Number.isNaN(ms)) {
      throw new UsageError(`--from: "${arg}" is not a date (use ISO 8601: 2024-05-01T12:00:00Z)`);
    }
    return { startPosition: StartPosition.TIMESTAMP, startTimestamp: BigInt(ms) * 1_000_000n };
  }
  if (kind === 'ago') {
    const ms = parseDuration(arg, '--from ago:');
    return {
      startPosition: StartPosition.TIMESTAMP,
      startTimestamp: BigInt(now - ms) * 1_000_000n,
    };
  }
  throw new UsageError(
    `--from: expected earliest, latest, new, offset:N, time:ISO-8601 or ago:DURATION, got "${text}"`,
  );
}
