/**
 * How a LiftbridgeServer handler consumes its stream: the options (server
 * defaults merged with a handler's extras) and their validation into a
 * plan, before anything is sent.
 */
import {
  type AutoOffset,
  type CreateStreamOptions,
  checkDuration,
  checkId,
  checkIndex,
  checkInt,
  checkInt64,
  checkStreamName,
  DEFAULT_PREFETCH,
  invalidArgument,
  StartPosition,
  type SubscribeOptions,
} from '../index.js';

/** Batch handler options: the handler gets an array of up to `size` messages, or what arrived within `time` ms. */
export interface LiftbridgeBatchOptions {
  /** Most messages in one batch; default 100. */
  size?: number;
  /** Ms to wait for a batch to fill, counted from its first message; default 1000. */
  time?: number;
}

/** Default batch size of {@link LiftbridgeBatchOptions}. */
export const DEFAULT_BATCH_SIZE = 100;
/** Default batch time (ms) of {@link LiftbridgeBatchOptions}. */
export const DEFAULT_BATCH_TIME_MS = 1000;

/**
 * How a handler consumes its stream. Give them to the server (defaults for
 * every handler) or as a handler's extras:
 * `@EventPattern<string>('orders', { cursorId: 'billing' } satisfies LiftbridgeHandlerOptions)`.
 * A handler that sets `cursorId` or `group` replaces the server's choice of both.
 */
export interface LiftbridgeHandlerOptions {
  /**
   * Cursor mode: start one past the offset stored in this cursor (the
   * beginning when there is none) and store each message's offset in it
   * once its handler completed. Default none.
   */
  cursorId?: string;
  /**
   * Consumer-group mode: join this group (partitions shared among members)
   * and checkpoint each message once its handler completed. Default none.
   */
  group?: string;
  /** Group mode: this member's id; default a random UUID. */
  consumerId?: string;
  /** Group mode: where a partition without a checkpoint starts; default 'earliest'. */
  autoOffset?: AutoOffset;
  /** Group mode: ms between assignment fetches; default 40% of the server's consumer timeout. */
  fetchAssignmentsInterval?: number;
  /** Partitions to read (not in group mode); default every partition of the stream. */
  partitions?: number[];
  /**
   * Without cursor or group: where to start; default NEW_ONLY, counted from
   * listen(): every message published after listen() resolved is handled
   * (the server logs a warning saying so at start).
   */
  startPosition?: StartPosition;
  /** With startPosition OFFSET: the first offset. */
  startOffset?: bigint | number;
  /** With startPosition TIMESTAMP: nanoseconds since the epoch. */
  startTimestamp?: bigint | number;
  /**
   * When an event handler fails (throws, rejects, or its Observable errors)
   * and there is no `deadLetter`: `'stop'` (default) logs it, commits
   * nothing and stops reading that partition, so a restart resumes at the
   * failed message; `'skip'` logs it and goes on (a later commit passes over it).
   */
  onError?: 'stop' | 'skip';
  /**
   * Who stores offsets (cursor or group mode): `'auto'` (default) after each
   * handler's result completes; `'manual'`: only the handler, with
   * `ctx.commit()`.
   */
  commit?: 'auto' | 'manual';
  /**
   * Event handlers: hand the handler an array (data and `ctx.getMessages()`)
   * of up to `size` messages of one partition, or what arrived within
   * `time` ms; `true` for the defaults. Default off (one message at a time).
   */
  batch?: boolean | LiftbridgeBatchOptions;
  /**
   * Event handlers: a stream where a message whose handler failed is
   * published (value, key and headers, plus `dead-letter-*` headers naming
   * the error and where it came from), then committed. Default none (see `onError`).
   */
  deadLetter?: string;
  /**
   * Messages received and not yet handled (waiting, or in the handler) at
   * which the handler's reading is paused, as `client.consume()`'s
   * `prefetch`: a backlog with a slow handler keeps at most this many
   * messages in memory (plus what one HTTP/2 window per partition holds,
   * 1 MiB), whatever the backlog. Per partition in cursor and plain modes
   * (each partition is a read of its own), per member in group mode. With
   * `batch`, at least the batch size.
   * @defaultValue 256 (`DEFAULT_PREFETCH`)
   */
  prefetch?: number;
  /**
   * When a pattern's stream does not exist: `true` creates it (one
   * partition), options create it so (and a missing `deadLetter` stream,
   * with one partition); `false` (default) logs a warning and
   * waits for it (checked every second), so a stream created later (in
   * `onModuleInit`, say) is read once it exists.
   */
  createStreams?: boolean | CreateStreamOptions;
}

/** The keys of {@link LiftbridgeHandlerOptions} (not client options). */
export const HANDLER_KEYS = [
  'cursorId',
  'group',
  'consumerId',
  'autoOffset',
  'fetchAssignmentsInterval',
  'partitions',
  'startPosition',
  'startOffset',
  'startTimestamp',
  'onError',
  'commit',
  'batch',
  'deadLetter',
  'createStreams',
  'prefetch',
] as const satisfies ReadonlyArray<keyof LiftbridgeHandlerOptions>;

/** Where offsets go. */
export type Mode =
  | { type: 'cursor'; cursorId: string }
  | {
      type: 'group';
      group: string;
      consumerId: string | undefined;
      autoOffset: AutoOffset;
      fetchAssignmentsInterval: number | undefined;
    }
  | { type: 'plain' };

/** A handler's validated options. */
export interface Plan {
  stream: string;
  /** What the handler is, for messages: `@EventPattern('orders')`. */
  label: string;
  isEvent: boolean;
  mode: Mode;
  partitions: number[] | undefined;
  start: SubscribeOptions;
  fromListen: boolean;
  onError: 'stop' | 'skip';
  manual: boolean;
  batch: { size: number; time: number } | undefined;
  /** The read's prefetch bound (at least the batch size). */
  prefetch: number;
  deadLetter: string | undefined;
  create: CreateStreamOptions | undefined;
}

const pick = <T>(own: T | undefined, fallback: T | undefined): T | undefined =>
  own === undefined ? fallback : own;

/**
 * Merges server defaults and a handler's extras into a validated plan
 * (`pattern` undefined: the server's defaults alone).
 * @throws LiftbridgeError INVALID_ARGUMENT naming the bad option.
 */
export function planHandler(
  defaults: LiftbridgeHandlerOptions,
  pattern: unknown,
  extras: Record<string, unknown>,
  isEvent: boolean,
): Plan {
  const label = `@${isEvent ? 'EventPattern' : 'MessagePattern'}('${String(pattern)}')`;
  const where = pattern === undefined ? 'options' : `handler of "${String(pattern)}"`;
  if (pattern !== undefined && typeof pattern !== 'string')
    throw invalidArgument(where, 'a pattern must be a stream name (a string)');
  const stream = pattern === undefined ? '' : checkStreamName(pattern, `pattern "${pattern}"`);
  const own = extras as LiftbridgeHandlerOptions;
  const d = defaults;
  const ownsMode = own.cursorId !== undefined || own.group !== undefined;
  const cursorId = ownsMode ? own.cursorId : d.cursorId;
  const group = ownsMode ? own.group : d.group;
  if (cursorId !== undefined && group !== undefined)
    throw invalidArgument(where, 'give cursorId or group, not both');
  let mode: Mode = { type: 'plain' };
  if (cursorId !== undefined)
    mode = { type: 'cursor', cursorId: checkId(cursorId, `${where}: cursorId`) };
  if (group !== undefined) mode = groupMode(own, d, group, where);
  const partitions = pick(own.partitions, d.partitions);
  if (partitions !== undefined) {
    if (mode.type === 'group')
      throw invalidArgument(`${where}: partitions`, 'the consumer group assigns partitions');
    if (!Array.isArray(partitions) || partitions.length === 0)
      throw invalidArgument(`${where}: partitions`, 'expected a non-empty array of partitions');
    for (const [i, p] of partitions.entries()) checkIndex(p, `${where}: partitions[${i}]`);
  }
  const startPosition = pick(own.startPosition, d.startPosition) ?? StartPosition.NEW_ONLY;
  if (!(startPosition in StartPosition) || startPosition === StartPosition.RESUME)
    throw invalidArgument(
      `${where}: startPosition`,
      `unsupported value ${String(startPosition)} (use cursorId to resume)`,
    );
  const start: SubscribeOptions = { startPosition };
  const startOffset = pick(own.startOffset, d.startOffset);
  const startTimestamp = pick(own.startTimestamp, d.startTimestamp);
  if (startOffset !== undefined)
    start.startOffset = checkInt64(startOffset, `${where}: startOffset`, 0n);
  if (startTimestamp !== undefined)
    start.startTimestamp = checkInt64(startTimestamp, `${where}: startTimestamp`, 0n);
  const onError = pick(own.onError, d.onError) ?? 'stop';
  if (onError !== 'stop' && onError !== 'skip')
    throw invalidArgument(`${where}: onError`, "expected 'stop' or 'skip'");
  const commit = pick(own.commit, d.commit) ?? 'auto';
  if (commit !== 'auto' && commit !== 'manual')
    throw invalidArgument(`${where}: commit`, "expected 'auto' or 'manual'");
  if (pattern !== undefined && commit === 'manual' && mode.type === 'plain')
    throw invalidArgument(
      `${where}: commit`,
      "'manual' needs cursorId or group (somewhere to commit)",
    );
  const batch = batchOf(pick(own.batch, d.batch), `${where}: batch`);
  const prefetch = checkInt(
    pick(own.prefetch, d.prefetch) ?? DEFAULT_PREFETCH,
    `${where}: prefetch`,
    1,
    1_000_000,
  );
  const deadLetter = pick(own.deadLetter, d.deadLetter);
  if (pattern !== undefined && !isEvent && (batch || deadLetter !== undefined))
    throw invalidArgument(where, 'batch and deadLetter are for event handlers (@EventPattern)');
  const create = pick(own.createStreams, d.createStreams) ?? false;
  if (typeof create !== 'boolean' && (create === null || typeof create !== 'object'))
    throw invalidArgument(`${where}: createStreams`, 'expected a boolean or CreateStreamOptions');
  return {
    stream,
    label,
    isEvent,
    mode,
    partitions: partitions === undefined ? undefined : [...new Set(partitions)],
    start,
    fromListen: mode.type === 'plain' && startPosition === StartPosition.NEW_ONLY,
    onError,
    manual: commit === 'manual',
    batch,
    prefetch: Math.max(prefetch, batch?.size ?? 1),
    deadLetter:
      deadLetter === undefined ? undefined : checkStreamName(deadLetter, `${where}: deadLetter`),
    create: create === true ? {} : create === false ? undefined : create,
  };
}

function groupMode(
  own: LiftbridgeHandlerOptions,
  d: LiftbridgeHandlerOptions,
  group: string,
  where: string,
): Mode {
  const consumerId = pick(own.consumerId, d.consumerId);
  const autoOffset = pick(own.autoOffset, d.autoOffset) ?? 'earliest';
  const every = pick(own.fetchAssignmentsInterval, d.fetchAssignmentsInterval);
  const fetchInterval =
    every === undefined ? undefined : checkDuration(every, `${where}: fetchAssignmentsInterval`);
  if (fetchInterval === 0)
    throw invalidArgument(`${where}: fetchAssignmentsInterval`, 'must be above 0');
  if (!['earliest', 'latest', 'newOnly', 'none'].includes(autoOffset))
    throw invalidArgument(`${where}: autoOffset`, `unknown value ${String(autoOffset)}`);
  return {
    type: 'group',
    group: checkId(group, `${where}: group`),
    consumerId: consumerId === undefined ? undefined : checkId(consumerId, `${where}: consumerId`),
    autoOffset,
    fetchAssignmentsInterval: fetchInterval,
  };
}

function batchOf(
  batch: boolean | LiftbridgeBatchOptions | undefined,
  where: string,
): Plan['batch'] {
  if (batch === undefined || batch === false) return undefined;
  if (batch === true) return { size: DEFAULT_BATCH_SIZE, time: DEFAULT_BATCH_TIME_MS };
  if (batch === null || typeof batch !== 'object')
    throw invalidArgument(where, 'expected true or { size?, time? }');
  return {
    size:
      batch.size === undefined
        ? DEFAULT_BATCH_SIZE
        : checkInt(batch.size, `${where}.size`, 1, 1_000_000),
    time:
      batch.time === undefined
        ? DEFAULT_BATCH_TIME_MS
        : checkInt(batch.time, `${where}.time`, 1, 2 ** 31 - 1),
  };
}
