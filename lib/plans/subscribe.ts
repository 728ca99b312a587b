/**
 * Subscribing, planned: the checks and defaults of a subscribe call as
 * plain values, shared by the client (which turns a plan into its wire
 * request) and the testing kit's fake (which reads its memory by it).
 */
import { invalidArgument } from '../errors.js';
import { StartPosition, StopPosition } from '../positions.js';
import { checkId, checkIndex, checkInt64, checkStreamName } from '../validate.js';

/**
 * Options of {@link LiftbridgeClient.subscribe}: the partition (0 unless
 * given, as in go-liftbridge and Gufo; `'all'` reads every partition of
 * the stream, merged), where to start and where to stop. A position that needs a value (`OFFSET`,
 * `TIMESTAMP`, `RESUME`) without it, or a `startOffset` without start
 * `OFFSET`, throws `INVALID_ARGUMENT` at the call site.
 *
 * @example
 * ```ts
 * const options: SubscribeOptions = {
 *   partition: 1,
 *   startPosition: StartPosition.OFFSET,
 *   startOffset: 100n,
 *   stopPosition: StopPosition.OFFSET,
 *   stopOffset: 199n,
 * };
 * const hundred = await lastValueFrom(client.subscribe('orders', options).pipe(toArray()));
 * ```
 */
export interface SubscribeOptions {
  /**
   * Partition number, or `'all'`: every partition of the stream (from
   * cluster metadata), each read as one partition is (its own start, stop,
   * cursor and leader moves), merged; each message carries its
   * `partition`. With `'all'` a stop position stops each partition at its
   * own (`LATEST`: each partition's newest message when it is subscribed),
   * and the Observable completes when every partition has.
   * @defaultValue 0
   */
  partition?: number | 'all';
  /**
   * Where to start (see {@link StartPosition}).
   * @defaultValue `'NEW_ONLY'`
   */
  startPosition?: StartPosition;
  /** With start `OFFSET` (required there, refused elsewhere): the first offset to read. */
  startOffset?: bigint | number;
  /** With start `TIMESTAMP` (required there): nanoseconds since the epoch. */
  startTimestamp?: bigint | number;
  /**
   * Where to stop (see {@link StopPosition}); reaching it completes the Observable.
   * @defaultValue `'ON_CANCEL'`: never
   */
  stopPosition?: StopPosition;
  /** With stop `OFFSET` (required there): the last offset to read. */
  stopOffset?: bigint | number;
  /** With stop `TIMESTAMP` (required there): nanoseconds since the epoch. */
  stopTimestamp?: bigint | number;
  /** Cursor to resume from: required with start `RESUME`. */
  cursorId?: string;
  /**
   * Read from a random in-sync replica instead of the leader.
   * @defaultValue false
   */
  readIsrReplica?: boolean;
  /**
   * Resume the partition if it is paused (otherwise a paused partition is `PARTITION_PAUSED`).
   * @defaultValue false
   */
  resume?: boolean;
}

/**
 * A subscription's partition, start and stop, as {@link planSubscribe}
 * checks and defaults them. Each value a position needs is set with it
 * (`startOffset` with `OFFSET`, `cursorId` with `RESUME`, ...).
 *
 * @example
 * ```ts
 * const plan: SubscribePlan = planSubscribe('orders', { startPosition: StartPosition.EARLIEST });
 * console.log(plan.partition, plan.stopPosition); // 0 ON_CANCEL
 * ```
 */
export interface SubscribePlan {
  /** The stream. */
  stream: string;
  /** The partition (default 0), or `'all'` (see {@link planPartitions}). */
  partition: number | 'all';
  /** Where to start (default `NEW_ONLY`). */
  startPosition: StartPosition;
  /** With start `OFFSET`: the first offset. */
  startOffset?: bigint;
  /** With start `TIMESTAMP`: nanoseconds since the epoch. */
  startTimestamp?: bigint;
  /** Where to stop (default `ON_CANCEL`). */
  stopPosition: StopPosition;
  /** With stop `OFFSET`: the last offset. */
  stopOffset?: bigint;
  /** With stop `TIMESTAMP`: nanoseconds since the epoch. */
  stopTimestamp?: bigint;
  /** The cursor to resume from (required with start `RESUME`). */
  cursorId?: string;
  /** Read from an in-sync replica. */
  readIsrReplica: boolean;
  /** Resume a paused partition. */
  resume: boolean;
}

/**
 * Checks the arguments of {@link LiftbridgeClient.subscribe} and applies
 * its defaults, as the client does before it subscribes (the testing kit's
 * fake calls it too). Reserved stream names (`__activity`) are allowed.
 *
 * @param stream - the stream.
 * @param options - see {@link SubscribeOptions}.
 * @returns the checked subscription.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad stream or
 *   option, or a position without the value it needs.
 * @example
 * ```ts
 * planSubscribe('orders', { startPosition: StartPosition.OFFSET }); // throws INVALID_ARGUMENT: startOffset: required with startPosition OFFSET
 * ```
 */
export function planSubscribe(stream: string, options: SubscribeOptions = {}): SubscribePlan {
  if (options === null || typeof options !== 'object')
    throw invalidArgument('options', 'expected an object');
  const name = checkStreamName(stream, 'stream', true);
  const partition =
    options.partition === undefined
      ? 0
      : options.partition === 'all'
        ? 'all'
        : checkIndex(options.partition, 'partition');
  const start = options.startPosition ?? StartPosition.NEW_ONLY;
  const stop = options.stopPosition ?? StopPosition.ON_CANCEL;
  if (!(start in StartPosition))
    throw invalidArgument('startPosition', `unknown start position ${String(start)}`);
  if (!(stop in StopPosition))
    throw invalidArgument('stopPosition', `unknown stop position ${String(stop)}`);
  const plan: SubscribePlan = {
    stream: name,
    partition,
    startPosition: start,
    stopPosition: stop,
    readIsrReplica: Boolean(options.readIsrReplica),
    resume: Boolean(options.resume),
  };
  if (start === 'OFFSET') {
    if (options.startOffset === undefined)
      throw invalidArgument('startOffset', 'required with startPosition OFFSET');
    plan.startOffset = checkInt64(options.startOffset, 'startOffset');
  } else if (options.startOffset !== undefined) {
    throw invalidArgument('startOffset', 'only used with startPosition OFFSET');
  }
  if (start === 'TIMESTAMP') {
    if (options.startTimestamp === undefined)
      throw invalidArgument('startTimestamp', 'required with startPosition TIMESTAMP');
    plan.startTimestamp = checkInt64(options.startTimestamp, 'startTimestamp');
  }
  if (stop === 'OFFSET') {
    if (options.stopOffset === undefined)
      throw invalidArgument('stopOffset', 'required with stopPosition OFFSET');
    plan.stopOffset = checkInt64(options.stopOffset, 'stopOffset');
  }
  if (stop === 'TIMESTAMP') {
    if (options.stopTimestamp === undefined)
      throw invalidArgument('stopTimestamp', 'required with stopPosition TIMESTAMP');
    plan.stopTimestamp = checkInt64(options.stopTimestamp, 'stopTimestamp');
  }
  if (options.cursorId !== undefined) plan.cursorId = checkId(options.cursorId, 'cursorId');
  if (start === 'RESUME' && plan.cursorId === undefined) {
    throw invalidArgument('cursorId', 'required with startPosition RESUME');
  }
  return plan;
}

/**
 * A {@link SubscribePlan} for one partition: what a subscription to a
 * single partition runs on.
 *
 * @example
 * ```ts
 * const [one] = planPartitions(planSubscribe('orders', { partition: 2 }), []);
 * console.log(one?.partition); // 2
 * ```
 */
export interface PartitionSubscribePlan extends SubscribePlan {
  /** The one partition read. */
  partition: number;
}

/**
 * The single-partition plans a subscription runs: the plan itself when it
 * names a partition, or one plan per partition of `partitions` (in order)
 * for `partition: 'all'`, each with the plan's start, stop and cursor. The
 * client (with the partitions of the stream's metadata) and the testing
 * kit's fake both merge one subscription per plan.
 *
 * @param plan - a plan from {@link planSubscribe}.
 * @param partitions - the stream's partitions; only read for `'all'`.
 * @returns the plans, one per partition read.
 * @example
 * ```ts
 * const plans = planPartitions(planSubscribe('orders', { partition: 'all' }), [0, 1, 2]);
 * console.log(plans.map((p) => p.partition)); // [0, 1, 2]
 * ```
 */
export function planPartitions(
  plan: SubscribePlan,
  partitions: Iterable<number>,
): PartitionSubscribePlan[] {
  const { partition } = plan;
  if (partition !== 'all') return [{ ...plan, partition }];
  return [...partitions].sort((a, b) => a - b).map((p) => ({ ...plan, partition: p }));
}
