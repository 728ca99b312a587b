/**
 * What a command is (name, usage, options, a run function) and what it
 * gets to run with (a client made on demand, stdio, the interrupt signal).
 */
import type { LiftbridgeClient } from '../index.js';
import type { OptionSpecs, OptionValues } from './args.js';
import type { ExitCode } from './exit-codes.js';
import type { Output, TextSink } from './output.js';

/** The process streams a run uses (process.stdin/stdout/stderr, or test doubles). */
export interface CliIo {
  /** stdin, asked for only by commands that read it. */
  stdin(): StdinSource;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The package version `--version` prints. */
  readonly version: string;
}

/** What publish reads lines from. */
export type StdinSource = AsyncIterable<Uint8Array | string> & {
  readonly isTTY?: boolean;
  /** Releases the input (publish stops reading early on Ctrl-C). */
  destroy?(): unknown;
  /** Input size in bytes when stdin is a regular file (for the progress bar). */
  readonly size?: number | undefined;
};

/** What a command runs with. */
export interface CommandContext {
  /** The client (nothing connects until a command uses it; closed after the command). */
  readonly client: LiftbridgeClient;
  readonly json: boolean;
  readonly io: CliIo;
  /** stdout, EPIPE-aware. */
  readonly out: Output;
  /** Aborts on the first Ctrl-C (SIGINT) or SIGTERM. */
  readonly interrupted: AbortSignal;
  /** Writes one line to stderr (a notice, not an error). */
  note(text: string): void;
}

/** A command's parsed arguments. */
export interface CommandArgs {
  readonly positionals: readonly string[];
  readonly values: OptionValues;
}

/** One command of the tool. */
export interface Command {
  readonly name: string;
  /** Usage after `liftbridge-rx `, e.g. `delete <stream>`. */
  readonly usage: string;
  /** One line for the command list. */
  readonly summary: string;
  /** More lines for `<command> --help`. */
  readonly details?: readonly string[];
  readonly options: OptionSpecs;
  /** Positional arguments accepted: at least `min`, at most `max`. */
  readonly positionals: { readonly min: number; readonly max: number };
  run(context: CommandContext, args: CommandArgs): Promise<ExitCode>;
}
