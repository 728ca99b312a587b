/**
 * Command line parsing with node:util parseArgs: global options may come
 * before or after the command; each command declares its own options.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './exit-codes.js';

/** One option as parseArgs takes it, plus its help line. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder of the value in help, e.g. `N` for `--partition N`. */
  readonly value?: string;
  /** One line of help; state the default. */
  readonly help: string;
}

/** Options by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  brokers: {
    type: 'string',
    value: 'HOST:PORT,...',
    help: 'seed brokers (default: $LIFTBRIDGE_BROKERS, else 127.0.0.1:9292)',
  },
  timeout: {
    type: 'string',
    value: 'DURATION',
    help: 'how long to try to reach a broker, and the deadline of each request (default 10s)',
  },
  json: { type: 'boolean', help: 'machine-readable output: JSON (one object per line for tail)' },
  'tls-ca': { type: 'string', value: 'FILE', help: 'PEM file of the CA that signed the brokers' },
  'tls-cert': { type: 'string', value: 'FILE', help: 'PEM client certificate (mutual TLS)' },
  'tls-key': { type: 'string', value: 'FILE', help: 'PEM key of the client certificate' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
  version: { type: 'boolean', help: 'print the version' },
} as const satisfies OptionSpecs;

/** Parsed option values by long name. */
export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** A command line split into the command, its positionals and every option's value. */
export interface ParsedCommandLine {
  readonly command: string | undefined;
  readonly positionals: readonly string[];
  readonly values: OptionValues;
}

// parseArgs takes "-1" for a short option; negative numbers are positionals here.
const NEGATIVE = /^-\d+$/;
const MARK = '\u0000negative:';

/**
 * Finds the command (the first positional, skipping global options and
 * their values), then parses everything with the global options plus
 * `optionsOf(command)`.
 *
 * @example
 * ```ts
 * parseCommandLine(['--json', 'tail', 'orders', '--from', 'earliest'], (c) => TAIL_OPTIONS);
 * // { command: 'tail', positionals: ['orders'], values: { json: true, from: 'earliest' } }
 * ```
 * @throws UsageError for unknown options and missing values.
 */
export function parseCommandLine(
  argv: readonly string[],
  optionsOf: (command: string) => OptionSpecs | undefined,
): ParsedCommandLine {
  let command: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (command === undefined && arg === '--') {
      command = argv[i + 1];
      rest.push(...argv.slice(i + 2));
      break;
    }
    if (command === undefined && !arg.startsWith('-')) {
      command = arg;
      continue;
    }
    rest.push(arg);
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    const spec = GLOBAL_OPTIONS[name as keyof typeof GLOBAL_OPTIONS];
    if (command === undefined && spec?.type === 'string' && i + 1 < argv.length) {
      rest.push(argv[i + 1] as string);
      i += 1;
    }
  }
  const commandOptions = command === undefined ? {} : (optionsOf(command) ?? {});
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
  > = {};
  const all: OptionSpecs = { ...GLOBAL_OPTIONS, ...commandOptions };
  for (const [name, spec] of Object.entries(all)) {
    options[name] = {
      type: spec.type,
      ...(spec.short === undefined ? {} : { short: spec.short }),
      ...(spec.multiple === undefined ? {} : { multiple: spec.multiple }),
    };
  }
  try {
    const parsed = parseArgs({
      args: rest.map((a) => (NEGATIVE.test(a) ? MARK + a : a)),
      options,
      allowPositionals: true,
      strict: true,
    });
    const unmark = (v: string) => (v.startsWith(MARK) ? v.slice(MARK.length) : v);
    const values: Record<string, string | boolean | string[] | undefined> = {};
    for (const [name, value] of Object.entries(parsed.values)) {
      if (typeof value === 'string') values[name] = unmark(value);
      else if (Array.isArray(value))
        values[name] = value.map((v) => (typeof v === 'string' ? unmark(v) : String(v)));
      else values[name] = value;
    }
    return { command, positionals: parsed.positionals.map(unmark), values };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new UsageError(`unknown option '${unknown[1]}'`, command);
    // parseArgs explains the other mistakes well: keep its first sentence.
    throw new UsageError(message.split('\n')[0] ?? message, command);
  }
}

/**
 * The string value of `name`, or undefined.
 *
 * @example
 * ```ts
 * stringOption(values, 'from') ?? 'new';
 * ```
 */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Every value of a repeatable string option (empty when absent).
 *
 * @example
 * ```ts
 * listOption(values, 'header'); // ['a=1', 'b=2']
 * ```
 */
export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

/**
 * True when the boolean option `name` was given.
 *
 * @example
 * ```ts
 * if (flag(values, 'json')) out.write(toJson(result));
 * ```
 */
export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}
