/**
 * `tail`: subscribe to a partition (or all of them) and print each
 * message, from a start position or after a cursor (which it then keeps up
 * to date, per partition).
 */
import { lastValueFrom, Subject, take, takeUntil } from 'rxjs';
import {
  type LiftbridgeClient,
  type Message,
  StartPosition,
  StopPosition,
  type SubscribeOptions,
} from '../../index.js';
import { flag, stringOption } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { describeError, ExitCode, UsageError } from '../exit-codes.js';
import { compileFormat, DEFAULT_FORMAT, FORMAT_FIELDS, messageJson } from '../output.js';
import { parseFrom, parseInteger } from '../values.js';
import { requireStream } from './checks.js';

/**
 * Keeps a cursor at the last printed offset: at most one SetCursor in
 * flight, always for the newest offset (so commits coalesce under load),
 * and a last one when the tail ends.
 */
class CursorKeeper {
  private wanted: bigint | undefined;
  private stored: bigint | undefined;
  private pending: Promise<void> | undefined;
  private warned = false;

  constructor(
    private readonly client: LiftbridgeClient,
    private readonly where: { stream: string; partition: number; cursorId: string },
    private readonly ctx: CommandContext,
  ) {}

  /** `offset` was printed. */
  printed(offset: bigint): void {
    this.wanted = offset;
    this.store();
  }

  private store(): void {
    if (this.pending || this.wanted === undefined || this.wanted === this.stored) return;
    const offset = this.wanted;
    this.pending = this.set(offset).then(
      () => {
        this.stored = offset;
        this.pending = undefined;
        this.store();
      },
      (err: unknown) => {
        this.pending = undefined;
        // Tried again with the next message, and once more at the end.
        if (!this.warned) this.ctx.note(`could not store the cursor yet: ${describeError(err)}`);
        this.warned = true;
      },
    );
  }

  private set(offset: bigint): Promise<void> {
    const { stream, partition, cursorId } = this.where;
    return lastValueFrom(this.client.setCursor(stream, partition, cursorId, offset));
  }

  /** Waits for the store in flight, then stores the last printed offset if it is not yet. */
  async finish(): Promise<void> {
    while (this.pending) await this.pending;
    if (this.wanted !== undefined && this.wanted !== this.stored) {
      await this.set(this.wanted);
      this.stored = this.wanted;
    }
  }
}

/** The default format of `--partition all`: the partition, then as {@link DEFAULT_FORMAT}. */
const ALL_PARTITIONS_FORMAT = `{partition}\\t${DEFAULT_FORMAT}`;

/** `--partition`: a partition number, or `all`. */
function parsePartition(text: string): number | 'all' {
  if (text === 'all') return 'all';
  if (!/^\s*\d+\s*$/.test(text))
    throw new UsageError(`--partition: expected a partition number or all, got "${text}"`, 'tail');
  return parseInteger(text, '--partition');
}

/** `liftbridge-rx tail <stream>`. */
export const tailCommand: Command = {
  name: 'tail',
  usage: 'tail <stream>',
  summary: 'print the messages of a partition (or all), then follow new ones',
  details: [
    'Prints one line per message: --format (default offset<TAB>key<TAB>value,',
    'values as stored), or with --json one JSON object per line.',
    '--partition all reads every partition of the stream, merged (in order within',
    'each partition); its default format starts with the partition:',
    'partition<TAB>offset<TAB>key<TAB>value. --count counts messages of all of them.',
    'Starts at --from (default new, or after the cursor with --cursor) and',
    'follows new messages until Ctrl-C (exit 0); --no-follow stops at the',
    'newest message, --count after N messages.',
    'With --cursor ID it starts after the cursor (the earliest message when there',
    'is none yet) and stores the offset of each printed message in it as it goes,',
    'and once more at the end: the next run with the same ID carries on after',
    'the last printed message (with --partition all, one cursor per partition,',
    'under the same ID). (A reader that quits early, like `| head`, may',
    'leave the cursor past what it read: use --count instead.)',
    `Format placeholders: ${FORMAT_FIELDS.slice(0, 6)
      .map((f) => `{${f}}`)
      .join(' ')}`,
    `${FORMAT_FIELDS.slice(6)
      .map((f) => `{${f}}`)
      .join(' ')} {header:NAME}; escapes \\t \\n \\\\.`,
  ],
  options: {
    partition: {
      type: 'string',
      value: 'N|all',
      help: 'partition to read, or all of them merged (default 0)',
    },
    from: {
      type: 'string',
      value: 'POSITION',
      help: 'earliest, latest, new, offset:N, time:ISO-8601 or ago:DURATION',
    },
    cursor: {
      type: 'string',
      value: 'ID',
      help: 'start after cursor ID and store each printed offset in it',
    },
    count: { type: 'string', value: 'N', help: 'stop after N messages' },
    follow: { type: 'boolean', help: 'wait for new messages (the default)' },
    'no-follow': { type: 'boolean', help: 'stop at the newest message stored when tail starts' },
    format: {
      type: 'string',
      value: 'TEMPLATE',
      help: `line per message (default "${DEFAULT_FORMAT}")`,
    },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const stream = positionals[0] as string;
    const usage = (message: string) => new UsageError(message, 'tail');
    const partitionText = stringOption(values, 'partition');
    const partition = partitionText === undefined ? 0 : parsePartition(partitionText);
    const countText = stringOption(values, 'count');
    const count = countText === undefined ? undefined : parseInteger(countText, '--count', 1);
    if (flag(values, 'follow') && flag(values, 'no-follow')) {
      throw usage('give --follow or --no-follow, not both');
    }
    const follow = !flag(values, 'no-follow');
    const cursorId = stringOption(values, 'cursor');
    const fromText = stringOption(values, 'from');
    const formatText = stringOption(values, 'format');
    if (ctx.json && formatText !== undefined) throw usage('give --json or --format, not both');
    let line: (msg: Message) => string | Uint8Array;
    if (ctx.json) line = (msg) => `${messageJson(msg)}\n`;
    else {
      const compiled = compileFormat(
        formatText ?? (partition === 'all' ? ALL_PARTITIONS_FORMAT : DEFAULT_FORMAT),
      );
      if (typeof compiled === 'string') throw usage(`--format: ${compiled}`);
      line = compiled;
    }
    const options: SubscribeOptions = { partition };
    if (fromText !== undefined) Object.assign(options, parseFrom(fromText));
    else if (cursorId !== undefined) {
      options.startPosition = StartPosition.RESUME;
      options.cursorId = cursorId;
    }
    if (!follow) options.stopPosition = StopPosition.LATEST;

    const client = ctx.client;
    await requireStream(client, stream, partition === 'all' ? undefined : partition);
    // One keeper per partition read (with --partition all, made as they appear).
    const keepers = new Map<number, CursorKeeper>();
    const keeper = (p: number): CursorKeeper | undefined => {
      if (cursorId === undefined) return undefined;
      let found = keepers.get(p);
      if (!found) {
        found = new CursorKeeper(client, { stream, partition: p, cursorId }, ctx);
        keepers.set(p, found);
      }
      return found;
    };

    const stop = new Subject<void>();
    const onInterrupt = () => stop.next();
    ctx.interrupted.addEventListener('abort', onInterrupt, { once: true });
    let source = client.subscribe(stream, options).pipe(takeUntil(stop));
    if (count !== undefined) source = source.pipe(take(count));
    let failure: unknown;
    try {
      await new Promise<void>((resolve, reject) => {
        source.subscribe({
          next: (msg) => {
            ctx.out.write(line(msg));
            if (ctx.out.closed) {
              stop.next();
              return;
            }
            keeper(msg.partition)?.printed(msg.offset);
          },
          error: reject,
          complete: resolve,
        });
      });
    } catch (err) {
      failure = err;
    } finally {
      ctx.interrupted.removeEventListener('abort', onInterrupt);
    }
    // What was printed counts as processed, also when the subscription failed.
    for (const cursor of keepers.values()) {
      try {
        await cursor.finish();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
    return ExitCode.Ok;
  },
};
