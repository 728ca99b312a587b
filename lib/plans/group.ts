/**
 * Consumer groups, planned: the checks and defaults of a consumerGroup call
 * as plain values, shared by the client and the testing kit's fake.
 */
import { randomUUID } from 'node:crypto';
import { invalidArgument } from '../errors.js';
import { checkDuration, checkId, checkStreamName } from '../validate.js';
import { type ConsumePlan, planConsume } from './flow.js';

/**
 * Where a partition starts when the group has no checkpoint for it (the
 * {@link ConsumerGroupOptions.autoOffset} option): `'earliest'` (the oldest
 * message), `'latest'` (the newest message), `'newOnly'` (the next message),
 * or `'none'` (fail with `NOT_FOUND`).
 *
 * @example
 * ```ts
 * const autoOffset: AutoOffset = 'newOnly';
 * client.consumerGroup('alerts', 'events', { autoOffset }).subscribe();
 * ```
 */
export type AutoOffset = 'earliest' | 'latest' | 'newOnly' | 'none';

/**
 * Options of {@link LiftbridgeClient.consumerGroup} and
 * {@link LiftbridgeClient.consumerGroupPartitions}. Bad values throw
 * `INVALID_ARGUMENT` at the call site.
 *
 * @example
 * ```ts
 * const options: ConsumerGroupOptions = {
 *   consumerId: 'worker-1',
 *   autoOffset: 'earliest',
 *   autoCheckpoint: 0, // checkpoint processed messages yourself
 * };
 * client
 *   .consumerGroup('billing', 'jobs', options)
 *   .pipe(
 *     concatMap((m) =>
 *       client.setCursor(m.stream, m.partition, groupCursorId('billing'), m.offset),
 *     ),
 *   )
 *   .subscribe();
 * ```
 */
export interface ConsumerGroupOptions {
  /**
   * This member's id. Reuse it to take over a crashed member's place.
   * @defaultValue a random UUID
   */
  consumerId?: string;
  /**
   * Where a partition without a checkpoint starts (see {@link AutoOffset}).
   * @defaultValue `'earliest'`: a new group misses nothing
   */
  autoOffset?: AutoOffset;
  /**
   * Milliseconds between checkpoints of the offsets delivered; also
   * checkpointed when a partition is taken away and on unsubscribe. 0: never
   * (checkpoint yourself with setCursor and {@link groupCursorId}).
   * @defaultValue 5000
   */
  autoCheckpoint?: number;
  /**
   * Milliseconds between assignment fetches (above 0); the fetch is also
   * the member's heartbeat.
   * @defaultValue 40% of the server's `groups.consumer.timeout` (at least 100)
   */
  fetchAssignmentsInterval?: number;
}

/**
 * A consumer group member's settings, as {@link planConsumerGroup} checks
 * and defaults them.
 *
 * @example
 * ```ts
 * const plan: ConsumerGroupPlan = planConsumerGroup('billing', ['jobs', 'jobs'], {});
 * console.log(plan.streams, plan.autoOffset, plan.autoCheckpoint); // ['jobs'] earliest 5000
 * ```
 */
export interface ConsumerGroupPlan {
  /** The group. */
  groupId: string;
  /** This member's id (default a random UUID). */
  consumerId: string;
  /** The streams, without duplicates. */
  streams: string[];
  /** Where a partition without a checkpoint starts (default `'earliest'`). */
  autoOffset: AutoOffset;
  /** Milliseconds between automatic checkpoints; 0: never (default 5000). */
  autoCheckpoint: number;
  /** Milliseconds between assignment fetches, when given (above 0). */
  fetchAssignmentsInterval?: number;
}

const AUTO_OFFSETS: readonly AutoOffset[] = ['earliest', 'latest', 'newOnly', 'none'];
const DEFAULT_AUTO_CHECKPOINT_MS = 5000;

/**
 * Checks the arguments of {@link LiftbridgeClient.consumerGroup} (and
 * consumerGroupPartitions) and applies their defaults, as the client does
 * before it joins (the testing kit's fake calls it too).
 *
 * @param groupId - the group.
 * @param streams - a stream name or a non-empty array of them (reserved names refused).
 * @param options - see {@link ConsumerGroupOptions}.
 * @returns the checked settings.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad argument.
 * @example
 * ```ts
 * planConsumerGroup('billing', [], {}); // throws INVALID_ARGUMENT: streams: expected a stream name or a non-empty array of them
 * ```
 */
export function planConsumerGroup(
  groupId: string,
  streams: string | string[],
  options: ConsumerGroupOptions = {},
): ConsumerGroupPlan {
  if (options === null || typeof options !== 'object')
    throw invalidArgument('options', 'expected an object');
  const list: unknown = typeof streams === 'string' ? [streams] : streams;
  if (!Array.isArray(list) || list.length === 0)
    throw invalidArgument('streams', 'expected a stream name or a non-empty array of them');
  const names = [...new Set(list.map((s, i) => checkStreamName(s, `streams[${i}]`)))];
  const autoOffset = options.autoOffset ?? 'earliest';
  if (!AUTO_OFFSETS.includes(autoOffset))
    throw invalidArgument('autoOffset', `expected one of ${AUTO_OFFSETS.join(', ')}`);
  const every =
    options.fetchAssignmentsInterval === undefined
      ? undefined
      : checkDuration(options.fetchAssignmentsInterval, 'fetchAssignmentsInterval');
  if (every === 0) throw invalidArgument('fetchAssignmentsInterval', 'must be above 0');
  const plan: ConsumerGroupPlan = {
    groupId: checkId(groupId, 'groupId'),
    consumerId:
      options.consumerId === undefined ? randomUUID() : checkId(options.consumerId, 'consumerId'),
    streams: names,
    autoOffset,
    autoCheckpoint:
      options.autoCheckpoint === undefined
        ? DEFAULT_AUTO_CHECKPOINT_MS
        : checkDuration(options.autoCheckpoint, 'autoCheckpoint'),
  };
  if (every !== undefined) plan.fetchAssignmentsInterval = every;
  return plan;
}

/**
 * Options of {@link LiftbridgeClient.consumeGroup}: the consumer group's
 * options, the prefetch bound and the handler concurrency (as
 * {@link ConsumeOptions} has them). At most `prefetch` messages are
 * received and not yet handled (waiting, or in a running handler) before
 * the assigned partitions' calls are paused (plus what one HTTP/2 window
 * per partition holds); they are read again when half of them are handled.
 * Automatic checkpoints cover handled messages only.
 *
 * @example
 * ```ts
 * const options: ConsumeGroupOptions = { consumerId: 'worker-1', prefetch: 100, concurrency: 4 };
 * client.consumeGroup('billing', 'jobs', (m) => bill(m), options).subscribe();
 * ```
 */
export interface ConsumeGroupOptions extends ConsumerGroupOptions {
  /**
   * Messages received and not yet handled at which the assigned partitions are paused (at least 1).
   * @defaultValue 256 ({@link DEFAULT_PREFETCH})
   */
  prefetch?: number;
  /**
   * Handlers running at once (at least 1); with 1 they run one after the
   * other, each partition's messages in order.
   * @defaultValue 1 ({@link DEFAULT_CONCURRENCY})
   */
  concurrency?: number;
}

/**
 * A consumeGroup call, checked: the group's settings, and the water marks
 * and concurrency of its handlers (as {@link planConsume} makes them).
 *
 * @example
 * ```ts
 * const plan: ConsumeGroupPlan = planConsumeGroup('billing', 'jobs', bill, { prefetch: 10 });
 * console.log(plan.group.groupId, plan.marks, plan.concurrency); // billing { high: 10, low: 5 } 1
 * ```
 */
export interface ConsumeGroupPlan extends Pick<ConsumePlan, 'marks' | 'concurrency'> {
  /** The consumer group's settings. */
  group: ConsumerGroupPlan;
}

/**
 * Checks the arguments of {@link LiftbridgeClient.consumeGroup} and applies
 * their defaults (the testing kit's fake calls it too).
 *
 * @param groupId - the group.
 * @param streams - a stream name or a non-empty array of them.
 * @param handler - the message handler (a function).
 * @param options - see {@link ConsumeGroupOptions}.
 * @returns the checked settings.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad argument.
 * @example
 * ```ts
 * planConsumeGroup('billing', 'jobs', bill, { prefetch: 0 }); // throws INVALID_ARGUMENT
 * ```
 */
export function planConsumeGroup(
  groupId: string,
  streams: string | string[],
  handler: unknown,
  options: ConsumeGroupOptions = {},
): ConsumeGroupPlan {
  const group = planConsumerGroup(groupId, streams, options);
  const { prefetch, concurrency } = options;
  const { marks, concurrency: handlers } = planConsume(handler, {
    ...(prefetch === undefined ? {} : { prefetch }),
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  return { group, marks, concurrency: handlers };
}
