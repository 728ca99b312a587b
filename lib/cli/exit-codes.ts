/**
 * Exit codes of the `liftbridge-rx` command line tool, and the one mapping
 * from a failure to its code and a one-line message a shell user can act on.
 */
import { ErrorCode, isLiftbridgeError, LiftbridgeError } from '../index.js';

/**
 * What the process exit status means. Documented in `liftbridge-rx --help`.
 *
 * @example
 * ```sh
 * liftbridge-rx create orders || [ $? -eq 4 ]   # 4: the stream exists already, fine
 * ```
 */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** Any other failure (the message says which). */
  Error: 1,
  /** Bad command line: unknown command or option, bad value, missing argument. */
  Usage: 2,
  /** No such stream, partition or cursor. */
  NotFound: 3,
  /** The stream exists already. */
  Exists: 4,
  /** No broker reachable, or a request timed out. */
  Unavailable: 5,
  /** The server's authorization refused the action. */
  PermissionDenied: 6,
  /** Interrupted (Ctrl-C, SIGTERM) before the work was done. */
  Interrupted: 130,
} as const;
/** One of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The table `--help` and docs/cli.md print: code, meaning. */
export const EXIT_CODE_HELP: readonly (readonly [ExitCode, string])[] = [
  [ExitCode.Ok, 'done'],
  [ExitCode.Error, 'failed (the message on stderr says why)'],
  [ExitCode.Usage, 'bad command line (unknown option, bad value, missing argument)'],
  [ExitCode.NotFound, 'no such stream, partition or cursor'],
  [ExitCode.Exists, 'the stream exists already'],
  [ExitCode.Unavailable, 'no broker reachable, or a request timed out'],
  [ExitCode.PermissionDenied, "the server's authorization refused the action"],
  [ExitCode.Interrupted, 'interrupted (Ctrl-C) before publish was done'],
];

/**
 * A bad command line: an INVALID_ARGUMENT error that may name the command
 * whose `--help` explains it (null: the tool's `--help`, for global options).
 *
 * @example
 * ```ts
 * throw new UsageError('--partitions: expected an integer from 1 to 4096, got "x"', 'create');
 * ```
 */
export class UsageError extends LiftbridgeError {
  override name = 'UsageError';
  /** The command whose help to point at; null: the tool's help; undefined: the command run. */
  readonly command: string | null | undefined;

  constructor(message: string, command?: string | null) {
    super(ErrorCode.InvalidArgument, message);
    this.command = command;
  }
}

/**
 * The exit code of a failure: by its ErrorCode, 1 for anything unexpected.
 *
 * @example
 * ```ts
 * exitCodeOf(new LiftbridgeError(ErrorCode.StreamExists, 'taken')); // 4
 * ```
 */
export function exitCodeOf(err: unknown): ExitCode {
  if (!isLiftbridgeError(err)) return ExitCode.Error;
  switch (err.code) {
    case ErrorCode.InvalidArgument:
      return ExitCode.Usage;
    case ErrorCode.NotFound:
    case ErrorCode.StreamDeleted:
      return ExitCode.NotFound;
    case ErrorCode.StreamExists:
      return ExitCode.Exists;
    case ErrorCode.Unavailable:
    case ErrorCode.Timeout:
    case ErrorCode.NotLeader:
      return ExitCode.Unavailable;
    case ErrorCode.PermissionDenied:
      return ExitCode.PermissionDenied;
    default:
      return ExitCode.Error;
  }
}

/** What a message can name to make its hint precise. */
export interface ErrorContext {
  /** The command that failed (for `--help` hints). */
  command?: string;
}

/**
 * One line for stderr saying what failed and what to do about it (without
 * the `liftbridge-rx:` prefix), for any thrown value.
 *
 * @example
 * ```ts
 * describeError(new LiftbridgeError(ErrorCode.Timeout, 'FetchMetadata: deadline exceeded'), {});
 * // 'FetchMetadata: deadline exceeded (a broker answered too slowly; raise --timeout)'
 * ```
 */
export function describeError(err: unknown, context: ErrorContext = {}): string {
  if (!isLiftbridgeError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return `unexpected error: ${oneLine(text)}`;
  }
  const message = oneLine(err.message);
  switch (err.code) {
    case ErrorCode.InvalidArgument: {
      const named = err instanceof UsageError ? err.command : undefined;
      const command = named === null ? undefined : (named ?? context.command);
      const help = command ? `liftbridge-rx ${command} --help` : 'liftbridge-rx --help';
      return `${message} (see: ${help})`;
    }
    case ErrorCode.Unavailable:
      // The client's option is --timeout here; "a:1: a:1: failed" says a:1 once.
      return `${message.replace('connectTimeout', '--timeout').replace(/(\S+): \1: /g, '$1: ')} (check --brokers or LIFTBRIDGE_BROKERS, that the server runs, or raise --timeout)`;
    case ErrorCode.Timeout:
      return `${message} (a broker answered too slowly; raise --timeout)`;
    case ErrorCode.AckTimeout:
      return `${message} (raise --ack-timeout)`;
    case ErrorCode.PermissionDenied:
      return `${message} (the server's authorization refused it; check the client certificate given with --tls-cert)`;
    case ErrorCode.NotFound:
    case ErrorCode.StreamExists:
      return message;
    default:
      return `${err.code}: ${message}`;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
