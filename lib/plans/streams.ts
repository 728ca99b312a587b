/**
 * Stream administration, planned: the argument checks and defaults of
 * createStream, pauseStream and setStreamReadonly as plain values, shared
 * by the client (which turns a plan into its wire request) and the testing
 * kit's fake (which applies it in memory), so the two cannot drift.
 */
import { invalidArgument } from '../errors.js';
import {
  checkDuration,
  checkId,
  checkIndex,
  checkInt,
  checkInt64,
  checkStreamName,
  checkSubject,
} from '../validate.js';

/**
 * Settings of {@link LiftbridgeClient.createStream}. Unset ones are not sent,
 * so the server's defaults apply (its `streams.*` configuration). Durations
 * are milliseconds; sizes are bytes. Bad values throw `INVALID_ARGUMENT` at
 * the call site.
 *
 * @example
 * ```ts
 * const options: CreateStreamOptions = {
 *   partitions: 3,
 *   replicationFactor: 'all',
 *   retentionMaxAge: 24 * 3600 * 1000,
 * };
 * await lastValueFrom(client.createStream('orders', options));
 * ```
 */
export interface CreateStreamOptions {
  /**
   * NATS subject the stream consumes (partition N > 0 consumes `<subject>.N`).
   * @defaultValue the stream name
   */
  subject?: string;
  /**
   * Load-balance group: streams in one group share the subject's messages.
   * @defaultValue none
   */
  group?: string;
  /**
   * Number of partitions, 1 to 4096.
   * @defaultValue 1
   */
  partitions?: number;
  /**
   * Replicas per partition; -1 (or `'all'`) means every broker.
   * @defaultValue 1
   */
  replicationFactor?: number | 'all';
  /**
   * Replicas that must have a message before it is committed.
   * @defaultValue the server's `clustering.min.insync.replicas`
   */
  minIsr?: number;
  /**
   * Bytes a partition keeps before the oldest segments are deleted.
   * @defaultValue the server's `streams.retention.max.bytes`
   */
  retentionMaxBytes?: bigint | number;
  /**
   * Messages a partition keeps before the oldest segments are deleted.
   * @defaultValue the server's `streams.retention.max.messages`
   */
  retentionMaxMessages?: bigint | number;
  /**
   * Age (ms) after which segments are deleted.
   * @defaultValue the server's `streams.retention.max.age`
   */
  retentionMaxAge?: number;
  /**
   * How often (ms) the server checks retention limits.
   * @defaultValue the server's `streams.cleaner.interval`
   */
  cleanerInterval?: number;
  /**
   * Bytes after which a new log segment starts.
   * @defaultValue the server's `streams.segment.max.bytes`
   */
  segmentMaxBytes?: bigint | number;
  /**
   * Age (ms) after which a new log segment starts.
   * @defaultValue the server's `streams.segment.max.age`
   */
  segmentMaxAge?: number;
  /**
   * Log compaction: keep only the newest message of each key.
   * @defaultValue the server's `streams.compact.enabled`
   */
  compactEnabled?: boolean;
  /**
   * Goroutines the server uses to compact a partition, 1 to 1024.
   * @defaultValue the server's `streams.compact.max.goroutines`
   */
  compactMaxGoroutines?: number;
  /**
   * Milliseconds a partition may stay idle before the server pauses it; 0: never.
   * @defaultValue the server's `streams.auto.pause.time`
   */
  autoPauseTime?: number;
  /**
   * Do not auto-pause partitions that have subscribers.
   * @defaultValue the server's `streams.auto.pause.disable.if.subscribers`
   */
  autoPauseDisableIfSubscribers?: boolean;
  /**
   * Allow optimistic concurrency: publishes may name an `expectedOffset`.
   * @defaultValue the server's `streams.concurrency.control`
   */
  optimisticConcurrencyControl?: boolean;
  /**
   * Encryption at rest (the server needs `LIFTBRIDGE_ENCRYPTION_KEY`).
   * @defaultValue the server's `streams.encryption`
   */
  encryption?: boolean;
  /**
   * Complete only once metadata shows every partition with a leader
   * (polled within the client's `retryTimeout`); false: once the server has accepted the request.
   * @defaultValue true
   */
  waitForStream?: boolean;
}

/**
 * Options of {@link LiftbridgeClient.pauseStream}.
 *
 * @example
 * ```ts
 * await lastValueFrom(client.pauseStream('orders', { partitions: [1, 2], resumeAll: true }));
 * ```
 */
export interface PauseStreamOptions {
  /**
   * Partitions to pause.
   * @defaultValue all partitions
   */
  partitions?: number[];
  /**
   * Resume every partition when a publish or subscribe resumes one.
   * @defaultValue false
   */
  resumeAll?: boolean;
}

/**
 * Options of {@link LiftbridgeClient.setStreamReadonly}.
 *
 * @example
 * ```ts
 * await lastValueFrom(client.setStreamReadonly('orders', { partitions: [0], readonly: false }));
 * ```
 */
export interface SetReadonlyOptions {
  /**
   * Partitions to change.
   * @defaultValue all partitions
   */
  partitions?: number[];
  /**
   * Set (true) or clear (false) the readonly flag.
   * @defaultValue true
   */
  readonly?: boolean;
}

/** Partitions and limits the server accepts from us (the server trusts its clients). */
export const MAX_PARTITIONS = 4096;

/**
 * The settings of a createStream call, checked and defaulted by
 * {@link planCreateStream}. Optional settings left unset are not sent, so
 * the server's defaults apply.
 *
 * @example
 * ```ts
 * const plan: CreateStreamPlan = planCreateStream('orders', { partitions: 3 });
 * console.log(plan.subject, plan.partitions, plan.replicationFactor); // orders 3 1
 * ```
 */
export interface CreateStreamPlan {
  /** The stream name. */
  name: string;
  /** The NATS subject (default the stream name). */
  subject: string;
  /** The number of partitions (default 1). */
  partitions: number;
  /** Replicas per partition; -1 means every broker (default 1). */
  replicationFactor: number;
  /** Whether to wait for every partition's leader (default true). */
  waitForStream: boolean;
  /** The load-balance group, if given. */
  group?: string;
  /** See {@link CreateStreamOptions.retentionMaxBytes}. */
  retentionMaxBytes?: bigint;
  /** See {@link CreateStreamOptions.retentionMaxMessages}. */
  retentionMaxMessages?: bigint;
  /** See {@link CreateStreamOptions.retentionMaxAge} (ms). */
  retentionMaxAge?: number;
  /** See {@link CreateStreamOptions.cleanerInterval} (ms). */
  cleanerInterval?: number;
  /** See {@link CreateStreamOptions.segmentMaxBytes}. */
  segmentMaxBytes?: bigint;
  /** See {@link CreateStreamOptions.segmentMaxAge} (ms). */
  segmentMaxAge?: number;
  /** See {@link CreateStreamOptions.compactMaxGoroutines}. */
  compactMaxGoroutines?: number;
  /** See {@link CreateStreamOptions.compactEnabled}. */
  compactEnabled?: boolean;
  /** See {@link CreateStreamOptions.autoPauseTime} (ms). */
  autoPauseTime?: number;
  /** See {@link CreateStreamOptions.autoPauseDisableIfSubscribers}. */
  autoPauseDisableIfSubscribers?: boolean;
  /** See {@link CreateStreamOptions.minIsr}. */
  minIsr?: number;
  /** See {@link CreateStreamOptions.optimisticConcurrencyControl}. */
  optimisticConcurrencyControl?: boolean;
  /** See {@link CreateStreamOptions.encryption}. */
  encryption?: boolean;
}

/**
 * The partitions and flag of a pauseStream call, checked by {@link planPauseStream}.
 *
 * @example
 * ```ts
 * const plan: PauseStreamPlan = planPauseStream('orders', { partitions: [1] });
 * console.log(plan.partitions); // [1]
 * ```
 */
export interface PauseStreamPlan {
  /** The stream name. */
  name: string;
  /** The partitions to pause; empty: all of them. */
  partitions: number[];
  /** Resume every partition when one is resumed. */
  resumeAll: boolean;
}

/**
 * The partitions and flag of a setStreamReadonly call, checked by
 * {@link planSetStreamReadonly}.
 *
 * @example
 * ```ts
 * const plan: SetStreamReadonlyPlan = planSetStreamReadonly('orders', {});
 * console.log(plan.readonly); // true
 * ```
 */
export interface SetStreamReadonlyPlan {
  /** The stream name. */
  name: string;
  /** The partitions to change; empty: all of them. */
  partitions: number[];
  /** Set (true) or clear (false) the flag. */
  readonly: boolean;
}

const optionalInt64 = (value: bigint | number | undefined, name: string) =>
  value === undefined ? undefined : checkInt64(value, name);
const optionalMs = (value: number | undefined, name: string) =>
  value === undefined ? undefined : checkDuration(value, name);
const optionalInt32 = (value: number | undefined, name: string, min: number, max: number) =>
  value === undefined ? undefined : checkInt(value, name, min, max);
function optionalBool(value: boolean | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidArgument(name, 'expected a boolean');
  return value;
}

/**
 * Checks the arguments of {@link LiftbridgeClient.createStream} and applies
 * its defaults, as the client does before it sends anything (the testing
 * kit's fake calls it too): for wrappers that want to refuse a bad stream
 * definition early, with the client's own message.
 *
 * @param name - the stream name (see {@link checkStreamName}; reserved names are refused).
 * @param options - see {@link CreateStreamOptions}.
 * @returns the checked settings; optional ones left unset stay unset.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or option.
 * @example
 * ```ts
 * planCreateStream('orders', { partitions: 3 }).partitions; // 3
 * planCreateStream('orders', { partitions: 5000 }); // throws INVALID_ARGUMENT: partitions: expected an integer from 1 to 4096, got 5000
 * ```
 */
export function planCreateStream(
  name: string,
  options: CreateStreamOptions = {},
): CreateStreamPlan {
  const stream = checkStreamName(name, 'name');
  if (options === null || typeof options !== 'object')
    throw invalidArgument('options', 'expected an object');
  const partitions =
    options.partitions === undefined
      ? 1
      : checkInt(options.partitions, 'partitions', 1, MAX_PARTITIONS);
  let replicationFactor = 1;
  if (options.replicationFactor === 'all' || options.replicationFactor === -1)
    replicationFactor = -1;
  else if (options.replicationFactor !== undefined)
    replicationFactor = checkInt(options.replicationFactor, 'replicationFactor', 1, 1000);
  const plan: CreateStreamPlan = {
    name: stream,
    subject: options.subject === undefined ? stream : checkSubject(options.subject),
    partitions,
    replicationFactor,
    waitForStream: options.waitForStream !== false,
  };
  if (options.group !== undefined) plan.group = checkId(options.group, 'group');
  const optional: { [K in keyof CreateStreamPlan]?: CreateStreamPlan[K] | undefined } = {
    retentionMaxBytes: optionalInt64(options.retentionMaxBytes, 'retentionMaxBytes'),
    retentionMaxMessages: optionalInt64(options.retentionMaxMessages, 'retentionMaxMessages'),
    retentionMaxAge: optionalMs(options.retentionMaxAge, 'retentionMaxAge'),
    cleanerInterval: optionalMs(options.cleanerInterval, 'cleanerInterval'),
    segmentMaxBytes: optionalInt64(options.segmentMaxBytes, 'segmentMaxBytes'),
    segmentMaxAge: optionalMs(options.segmentMaxAge, 'segmentMaxAge'),
    compactMaxGoroutines: optionalInt32(
      options.compactMaxGoroutines,
      'compactMaxGoroutines',
      1,
      1024,
    ),
    compactEnabled: optionalBool(options.compactEnabled, 'compactEnabled'),
    autoPauseTime: optionalMs(options.autoPauseTime, 'autoPauseTime'),
    autoPauseDisableIfSubscribers: optionalBool(
      options.autoPauseDisableIfSubscribers,
      'autoPauseDisableIfSubscribers',
    ),
    minIsr: optionalInt32(options.minIsr, 'minIsr', 1, 1000),
    optimisticConcurrencyControl: optionalBool(
      options.optimisticConcurrencyControl,
      'optimisticConcurrencyControl',
    ),
    encryption: optionalBool(options.encryption, 'encryption'),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(plan, { [key]: value });
  }
  if (options.compactMaxGoroutines !== undefined && options.compactEnabled === false) {
    throw invalidArgument(
      'compactMaxGoroutines',
      'sets how compaction runs, but compactEnabled is false',
    );
  }
  return plan;
}

/** A list of partition numbers (undefined: none, meaning all). */
function checkPartitionList(partitions: unknown, name: string): number[] {
  if (partitions === undefined) return [];
  if (!Array.isArray(partitions))
    throw invalidArgument(name, 'expected an array of partition numbers');
  return partitions.map((p, i) => checkIndex(p, `${name}[${i}]`));
}

/**
 * Checks the arguments of {@link LiftbridgeClient.pauseStream} as the
 * client does before it sends anything (the testing kit's fake calls it too).
 *
 * @param name - the stream name.
 * @param options - see {@link PauseStreamOptions}.
 * @returns the stream, the partitions (empty: all) and `resumeAll`.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or partition list.
 * @example
 * ```ts
 * planPauseStream('orders', { partitions: [0, 2] }); // { name: 'orders', partitions: [0, 2], resumeAll: false }
 * planPauseStream('orders', { partitions: [-1] }); // throws INVALID_ARGUMENT: partitions[0]: ...
 * ```
 */
export function planPauseStream(name: string, options: PauseStreamOptions = {}): PauseStreamPlan {
  const stream = checkStreamName(name, 'name');
  const partitions = checkPartitionList(options.partitions, 'partitions');
  return { name: stream, partitions, resumeAll: Boolean(options.resumeAll) };
}

/**
 * Checks the arguments of {@link LiftbridgeClient.setStreamReadonly} as the
 * client does before it sends anything (the testing kit's fake calls it too).
 *
 * @param name - the stream name.
 * @param options - see {@link SetReadonlyOptions}.
 * @returns the stream, the partitions (empty: all) and the flag (default true).
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or partition list.
 * @example
 * ```ts
 * planSetStreamReadonly('orders', { readonly: false }); // { name: 'orders', partitions: [], readonly: false }
 * ```
 */
export function planSetStreamReadonly(
  name: string,
  options: SetReadonlyOptions = {},
): SetStreamReadonlyPlan {
  const stream = checkStreamName(name, 'name');
  const partitions = checkPartitionList(options.partitions, 'partitions');
  return { name: stream, partitions, readonly: options.readonly ?? true };
}
