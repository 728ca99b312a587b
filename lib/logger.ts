/**
 * The `logger` client option: where a client reports connects, reconnects,
 * leader moves, retries and dropped duplicate offsets. Silent by default.
 */
import { invalidArgument } from './errors.js';

/**
 * A logger a client reports to (the `logger` client option). `console`,
 * pino and Nest's `Logger` fit it as they are: info-level lines go to
 * `info`, or to `log` when there is no `info` (Nest's Logger).
 *
 * @example
 * ```ts
 * const client = new LiftbridgeClient(BROKERS, { logger: console });
 * ```
 */
export interface Logger {
  /** Retries and dropped duplicate offsets. */
  debug(message: string): void;
  /** Info level (console, pino). */
  info?(message: string): void;
  /** Info level where there is no `info` (Nest's Logger). */
  log?(message: string): void;
  /** Reconnects, refused fire-and-forget publishes. */
  warn(message: string): void;
  /** Errors (none yet: failures reach their callers). */
  error(message: string): void;
}

/** The logger option checked: undefined (silent) or an object with the methods. */
export function checkLogger(logger: unknown): Logger | undefined {
  if (logger === undefined) return undefined;
  const l = logger as Record<string, unknown> | null;
  const ok =
    l !== null &&
    typeof l === 'object' &&
    ['debug', 'warn', 'error'].every((m) => typeof l[m] === 'function') &&
    (typeof l['info'] === 'function' || typeof l['log'] === 'function');
  if (!ok) throw invalidArgument('logger', 'expected debug, info (or log), warn and error methods');
  return logger as Logger;
}

/** Writes an info-level line (`info`, else `log`). */
export function logInfo(logger: Logger, message: string): void {
  if (logger.info) logger.info(message);
  else logger.log?.(message);
}
