/** The help texts: the tool's (commands, global options, exit codes) and each command's. */
import { GLOBAL_OPTIONS, type OptionSpecs } from './args.js';
import type { Command } from './command.js';
import { EXIT_CODE_HELP } from './exit-codes.js';

function optionLines(options: OptionSpecs): string[] {
  const rows = Object.entries(options).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    return [`  ${short}--${name}${spec.value ? ` ${spec.value}` : ''}`, spec.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, help]) => `${left.padEnd(width)}  ${help}`);
}

/**
 * `liftbridge-rx --help`.
 *
 * @example
 * ```ts
 * process.stdout.write(toolHelp(COMMANDS));
 * ```
 */
export function toolHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.usage.split(' | ')[0]?.length ?? 0));
  const commandLines = commands.flatMap((c) =>
    c.usage
      .split(' | ')
      .map((usage, i) => `  ${usage.padEnd(width)}  ${i === 0 ? c.summary : ''}`.trimEnd()),
  );
  return [
    'liftbridge-rx: streams, publishing and reading on a Liftbridge cluster',
    '',
    'Usage: liftbridge-rx <command> [arguments] [options]',
    '',
    'Commands:',
    ...commandLines,
    '',
    'Global options (before or after the command):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Durations: 500ms, 10s, 2m, 1h, 7d (a plain number is milliseconds).',
    'Environment: LIFTBRIDGE_BROKERS=host:port[,host:port] when --brokers is not given.',
    '',
    'Exit codes:',
    ...EXIT_CODE_HELP.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`),
    '',
    "Run 'liftbridge-rx <command> --help' for the options of a command.",
    '',
  ].join('\n');
}

/**
 * `liftbridge-rx <command> --help`.
 *
 * @example
 * ```ts
 * process.stdout.write(commandHelp(tailCommand));
 * ```
 */
export function commandHelp(command: Command): string {
  const usages = command.usage.split(' | ');
  return [
    ...usages.map((u, i) => `${i === 0 ? 'Usage:' : '      '} liftbridge-rx ${u} [options]`),
    '',
    `${command.summary[0]?.toUpperCase() ?? ''}${command.summary.slice(1)}.`,
    ...(command.details ?? []),
    '',
    ...(Object.keys(command.options).length > 0
      ? ['Options:', ...optionLines(command.options), '']
      : []),
    "Global options (--brokers, --timeout, --json, --tls-*): see 'liftbridge-rx --help'.",
    '',
  ].join('\n');
}
