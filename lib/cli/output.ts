/**
 * What the tool prints: message lines (`--format` templates or JSON), tables,
 * JSON with bigint values, and a stdout writer that notices a closed pipe
 * (`| head`) instead of crashing.
 */
import type { Message } from '../index.js';

/** The writable side the tool prints to (process.stdout, process.stderr, or a test double). */
export interface TextSink {
  write(chunk: string | Uint8Array, callback?: (err?: Error | null) => void): boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Writes to stdout in order and turns a reader that went away (EPIPE, as
 * with `| head`) into a flag the commands check, instead of a crash.
 *
 * @example
 * ```ts
 * const out = new Output(process.stdout);
 * out.write('hello\n');
 * if (out.closed) return; // the reader went away
 * ```
 */
export class Output {
  private closedByReader = false;

  constructor(private readonly sink: TextSink) {
    // EPIPE (the reader closed the pipe) or any other write error: stop writing.
    sink.on('error', () => {
      this.closedByReader = true;
    });
  }

  /** True once the reader has gone away; later writes are dropped. */
  get closed(): boolean {
    return this.closedByReader;
  }

  /** Writes `chunk` (dropped once the reader has gone away). */
  write(chunk: string | Uint8Array): void {
    if (!this.closedByReader) this.sink.write(chunk);
  }

  /** Resolves once everything written so far has been handed to the OS (or failed). */
  flush(): Promise<void> {
    if (this.closedByReader) return Promise.resolve();
    return new Promise((resolve) => this.sink.write('', () => resolve()));
  }
}

/**
 * JSON.stringify with bigints as numbers while exact, else as strings.
 *
 * @example
 * ```ts
 * toJson({ offset: 41n }); // '{"offset":41}'
 * ```
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as text when they are valid UTF-8; otherwise undefined. */
function text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A nanosecond timestamp as ISO 8601 (millisecond precision).
 *
 * @example
 * ```ts
 * isoTime(msg.timestamp); // '2024-05-01T12:00:00.123Z'
 * ```
 */
export function isoTime(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}

/**
 * A message as one JSON object: offsets as numbers, `timestamp` as ISO
 * 8601, key, value and headers as UTF-8 text (or `keyBase64`, `valueBase64`
 * when they are not valid UTF-8). Headers the server adds (`subject`,
 * `reply`) are left out.
 *
 * @example
 * ```ts
 * messageJson(msg); // {"stream":"orders","partition":0,"offset":41,"timestamp":"...","key":"k","value":"v"}
 * ```
 */
export function messageJson(msg: Message): string {
  const out: Record<string, unknown> = {
    stream: msg.stream,
    partition: msg.partition,
    offset: msg.offset,
    timestamp: isoTime(msg.timestamp),
  };
  const key = text(msg.key);
  if (key === undefined) out['keyBase64'] = Buffer.from(msg.key).toString('base64');
  else out['key'] = key;
  const value = text(msg.value);
  if (value === undefined) out['valueBase64'] = Buffer.from(msg.value).toString('base64');
  else out['value'] = value;
  const headers: Record<string, string> = {};
  for (const [name, bytes] of msg.headers) {
    if (name === 'subject' || name === 'reply') continue;
    headers[name] = text(bytes) ?? Buffer.from(bytes).toString('base64');
  }
  if (Object.keys(headers).length > 0) out['headers'] = headers;
  return toJson(out);
}

/** The default `--format`: offset, key and value separated by tabs. */
export const DEFAULT_FORMAT = '{offset}\\t{key}\\t{value}';

type Piece = string | ((msg: Message) => string | Uint8Array);

const FIELDS: Record<string, (msg: Message) => string | Uint8Array> = {
  offset: (m) => m.offset.toString(),
  key: (m) => m.key,
  value: (m) => m.value,
  partition: (m) => String(m.partition),
  stream: (m) => m.stream,
  subject: (m) => m.subject,
  timestamp: (m) => isoTime(m.timestamp),
  'timestamp-ns': (m) => m.timestamp.toString(),
  'correlation-id': (m) => m.correlationId,
};

/** The placeholders `--format` knows (plus `{header:NAME}`). */
export const FORMAT_FIELDS: readonly string[] = Object.keys(FIELDS);

/**
 * Compiles a `--format` template into a function from a message to its
 * line's bytes (values stay as stored: no decoding). Placeholders: see
 * {@link FORMAT_FIELDS}, plus `{header:NAME}`; escapes `\t`, `\n`, `\\`.
 * A newline is added at the end. Returns an error text for an unknown placeholder.
 *
 * @example
 * ```ts
 * const line = compileFormat('{offset} {value}');
 * if (typeof line === 'function') process.stdout.write(line(msg));
 * ```
 */
export function compileFormat(template: string): ((msg: Message) => Buffer) | string {
  const pieces: Piece[] = [];
  let literal = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c === '\\' && i + 1 < template.length) {
      const next = template[i + 1];
      literal += next === 't' ? '\t' : next === 'n' ? '\n' : next === '\\' ? '\\' : `\\${next}`;
      i += 1;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) return `unclosed "{" at position ${i + 1}`;
      const name = template.slice(i + 1, end);
      const field = name.startsWith('header:')
        ? headerField(name.slice('header:'.length))
        : FIELDS[name];
      if (!field) {
        return `unknown placeholder {${name}} (known: ${FORMAT_FIELDS.map((f) => `{${f}}`).join(', ')}, {header:NAME})`;
      }
      if (literal) pieces.push(literal);
      literal = '';
      pieces.push(field);
      i = end;
    } else literal += c;
  }
  pieces.push(`${literal}\n`);
  return (msg) => {
    const parts: Uint8Array[] = [];
    for (const piece of pieces) {
      const part = typeof piece === 'string' ? piece : piece(msg);
      parts.push(typeof part === 'string' ? Buffer.from(part) : part);
    }
    return Buffer.concat(parts);
  };
}

function headerField(name: string): (msg: Message) => Uint8Array | string {
  return (msg) => msg.headers.get(name) ?? '';
}

/**
 * Rows as aligned columns (two spaces apart), the header row first.
 *
 * @example
 * ```ts
 * table([['STREAM', 'PARTITIONS'], ['orders', '3']]); // 'STREAM  PARTITIONS\norders  3\n'
 * ```
 */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map(
      (row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ') + '\n',
    )
    .join('');
}
