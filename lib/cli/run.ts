/**
 * The tool itself: parses the command line, runs the command with a client,
 * maps failures to an exit code and a one-line message on stderr. Returns
 * the exit code; the process is main.ts's business.
 */
import { readFileSync } from 'node:fs';
import {
  type ClientOptions,
  isLiftbridgeError,
  LiftbridgeClient,
  type TlsOptions,
} from '../index.js';
import { flag, parseCommandLine, stringOption } from './args.js';
import type { CliIo, Command, CommandContext } from './command.js';
import { createCommand, deleteCommand } from './commands/admin.js';
import { cursorCommand } from './commands/cursor.js';
import { publishCommand } from './commands/publish.js';
import { metadataCommand, streamsCommand } from './commands/streams.js';
import { tailCommand } from './commands/tail.js';
import { describeError, ExitCode, exitCodeOf, UsageError } from './exit-codes.js';
import { commandHelp, toolHelp } from './help.js';
import { Output } from './output.js';
import { parseBrokers, parseDuration } from './values.js';

/** The commands, in help order. */
export const COMMANDS: readonly Command[] = [
  streamsCommand,
  createCommand,
  deleteCommand,
  publishCommand,
  tailCommand,
  cursorCommand,
  metadataCommand,
];

/** Seed broker when neither --brokers nor LIFTBRIDGE_BROKERS says otherwise. */
export const DEFAULT_CLI_BROKERS = '127.0.0.1:9292';
/** Default of --timeout (connect timeout and request deadline), in milliseconds. */
export const DEFAULT_CLI_TIMEOUT_MS = 10_000;

const byName = new Map(COMMANDS.map((c) => [c.name, c]));

function readPem(file: string | undefined, option: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as { code?: string }).code ?? String(err);
    throw new UsageError(`${option}: cannot read ${file} (${reason})`, null);
  }
}

/**
 * Runs one command line and resolves with its exit code. `interrupted`
 * aborting (Ctrl-C) asks the running command to stop cleanly.
 *
 * @example
 * ```ts
 * const code = await run(['streams', '--json'], io, new AbortController().signal);
 * ```
 */
export async function run(
  argv: readonly string[],
  io: CliIo,
  interrupted: AbortSignal,
): Promise<ExitCode> {
  const out = new Output(io.stdout);
  const stderr = new Output(io.stderr);
  const fail = (message: string) => stderr.write(`liftbridge-rx: ${message}\n`);
  let command: Command | undefined;
  let client: LiftbridgeClient | undefined;
  try {
    const parsed = parseCommandLine(argv, (name) => byName.get(name)?.options);
    const { values, positionals } = parsed;
    if (flag(values, 'version')) {
      out.write(`${io.version}\n`);
      return ExitCode.Ok;
    }
    if (parsed.command === undefined || parsed.command === 'help') {
      const topic = parsed.command === 'help' ? positionals[0] : undefined;
      const about = topic === undefined ? undefined : byName.get(topic);
      if (topic !== undefined && !about) throw new UsageError(`no command '${topic}'`, null);
      if (parsed.command === undefined && !flag(values, 'help')) {
        stderr.write(toolHelp(COMMANDS));
        return ExitCode.Usage;
      }
      out.write(about ? commandHelp(about) : toolHelp(COMMANDS));
      return ExitCode.Ok;
    }
    command = byName.get(parsed.command);
    if (!command) {
      throw new UsageError(
        `unknown command '${parsed.command}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`,
        null,
      );
    }
    if (flag(values, 'help')) {
      out.write(commandHelp(command));
      return ExitCode.Ok;
    }
    const { min, max } = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      const problem = positionals.length < min ? 'missing arguments' : 'too many arguments';
      throw new UsageError(`${problem}; usage: liftbridge-rx ${command.usage}`, command.name);
    }
    const brokersOption = stringOption(values, 'brokers');
    const brokersEnv = io.env['LIFTBRIDGE_BROKERS'];
    const brokers =
      brokersOption !== undefined
        ? parseBrokers(brokersOption)
        : brokersEnv
          ? parseBrokers(brokersEnv, 'LIFTBRIDGE_BROKERS')
          : [DEFAULT_CLI_BROKERS];
    const timeoutText = stringOption(values, 'timeout');
    const timeout =
      timeoutText === undefined
        ? DEFAULT_CLI_TIMEOUT_MS
        : parseDuration(timeoutText, '--timeout', null);
    if (timeout <= 0) throw new UsageError('--timeout: expected a positive duration', null);
    const options: ClientOptions = { connectTimeout: timeout, requestTimeout: timeout };
    const tls: TlsOptions = {};
    const ca = readPem(stringOption(values, 'tls-ca'), '--tls-ca');
    const cert = readPem(stringOption(values, 'tls-cert'), '--tls-cert');
    const key = readPem(stringOption(values, 'tls-key'), '--tls-key');
    if (ca !== undefined) tls.ca = ca;
    if (cert !== undefined) tls.cert = cert;
    if (key !== undefined) tls.key = key;
    if (ca !== undefined || cert !== undefined || key !== undefined) options.tls = tls;
    try {
      client = new LiftbridgeClient(brokers, options);
    } catch (err) {
      const message = isLiftbridgeError(err) ? err.message : String(err);
      throw new UsageError(`--tls-*: ${message}`, null);
    }
    const context: CommandContext = {
      client,
      json: flag(values, 'json'),
      io,
      out,
      interrupted,
      note: (text) => stderr.write(`liftbridge-rx: ${text}\n`),
    };
    return await command.run(context, { positionals, values });
  } catch (err) {
    fail(describeError(err, command ? { command: command.name } : {}));
    return exitCodeOf(err);
  } finally {
    await client?.close();
    await out.flush();
  }
}
