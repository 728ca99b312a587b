/**
 * Metadata and cursor calls, planned: their argument checks as plain
 * values, shared by the client and the testing kit's fake.
 */
import { ErrorCode, invalidArgument, LiftbridgeError } from '../errors.js';
import type { ClusterMetadata } from '../metadata/metadata.js';
import { checkCursor, checkId, checkIndex, checkInt64, checkStreamName } from '../validate.js';

/**
 * A stream partition, as {@link planPartition} and {@link planCursor} check it.
 *
 * @example
 * ```ts
 * const { stream, partition }: PartitionPlan = planPartition('orders', 1);
 * ```
 */
export interface PartitionPlan {
  /** The stream name. */
  stream: string;
  /** The partition number. */
  partition: number;
}

/**
 * A cursor of a stream partition, as {@link planCursor} checks it.
 *
 * @example
 * ```ts
 * const { stream, partition, cursorId }: CursorPlan = planCursor('orders', 0, 'mailer');
 * ```
 */
export interface CursorPlan extends PartitionPlan {
  /** The cursor id. */
  cursorId: string;
}

/**
 * A cursor and the offset to store in it, as {@link planSetCursor} checks them.
 *
 * @example
 * ```ts
 * const { cursorId, offset }: SetCursorPlan = planSetCursor('orders', 0, 'mailer', 41);
 * ```
 */
export interface SetCursorPlan extends CursorPlan {
  /** The offset to store (-1 or more). */
  offset: bigint;
}

/**
 * Checks the stream list of {@link LiftbridgeClient.fetchMetadata} as the
 * client does (reserved names such as `__cursors` are allowed: they can be read).
 *
 * @param streams - the streams to fetch; omitted: all.
 * @returns the names (empty: all streams).
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` (`streams[i]: ...`) for a bad name.
 * @example
 * ```ts
 * planFetchMetadata(['orders', '__cursors']); // ['orders', '__cursors']
 * ```
 */
export function planFetchMetadata(streams?: readonly string[]): string[] {
  return (streams ?? []).map((s, i) => checkStreamName(s, `streams[${i}]`, true));
}

/**
 * Checks a stream partition as {@link LiftbridgeClient.fetchPartitionMetadata}
 * does (reserved names allowed).
 *
 * @param stream - the stream.
 * @param partition - the partition number (default 0).
 * @returns the checked stream and partition.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or partition.
 * @example
 * ```ts
 * planPartition('orders', -1); // throws INVALID_ARGUMENT: partition: expected an integer from 0 to 2147483647, got -1
 * ```
 */
export function planPartition(stream: string, partition = 0): PartitionPlan {
  return {
    stream: checkStreamName(stream, 'stream', true),
    partition: checkIndex(partition, 'partition'),
  };
}

/**
 * Checks a consumer group id as {@link LiftbridgeClient.fetchConsumerGroup}
 * and the consumer group calls do.
 *
 * @param groupId - the group.
 * @returns the id.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` (`groupId: ...`) when it is not a non-empty string.
 * @example
 * ```ts
 * planGroupId('billing'); // 'billing'
 * ```
 */
export function planGroupId(groupId: string): string {
  return checkId(groupId, 'groupId');
}

/**
 * Checks the arguments of {@link LiftbridgeClient.fetchCursor} (and, without
 * the offset, of {@link LiftbridgeClient.setCursor}) as the client does.
 *
 * @param stream - the stream.
 * @param partition - the partition number.
 * @param cursorId - the cursor.
 * @returns the checked cursor.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad argument.
 * @example
 * ```ts
 * planCursor('orders', 0, ''); // throws INVALID_ARGUMENT: cursorId: expected a non-empty string
 * ```
 */
export function planCursor(stream: string, partition: number, cursorId: string): CursorPlan {
  return checkCursor(stream, partition, cursorId);
}

/**
 * Checks the arguments of {@link LiftbridgeClient.setCursor} as the client does.
 *
 * @param stream - the stream.
 * @param partition - the partition number.
 * @param cursorId - the cursor.
 * @param offset - the offset to store, -1 or more.
 * @returns the checked cursor and offset (a bigint).
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad argument.
 * @example
 * ```ts
 * planSetCursor('orders', 0, 'mailer', 41).offset; // 41n
 * ```
 */
export function planSetCursor(
  stream: string,
  partition: number,
  cursorId: string,
  offset: bigint | number,
): SetCursorPlan {
  const cursor = checkCursor(stream, partition, cursorId);
  return { ...cursor, offset: checkInt64(offset, 'offset', -1n) };
}

/**
 * Whether a cursor call may name `stream`/`partition`, by cluster metadata
 * (refreshed once by the client when it does not list them): a stream it
 * does not list is `NOT_FOUND`, a partition the stream does not have is
 * `INVALID_ARGUMENT`. So a typo fails instead of storing a cursor nobody
 * reads, or reading "no cursor" and resuming from the beginning.
 *
 * @param metadata - the cluster metadata (undefined: none yet, so no stream).
 * @param stream - the stream the cursor is for.
 * @param partition - its partition.
 * @throws {@link LiftbridgeError} `NOT_FOUND` or `INVALID_ARGUMENT` as above.
 * @example
 * ```ts
 * const md = await lastValueFrom(client.fetchMetadata(['orders']));
 * checkCursorTarget(md, 'orders', 0); // throws unless orders/0 exists
 * ```
 */
export function checkCursorTarget(
  metadata: ClusterMetadata | undefined,
  stream: string,
  partition: number,
): void {
  const info = metadata?.streams.get(stream);
  if (!info) throw new LiftbridgeError(ErrorCode.NotFound, `no stream "${stream}"`);
  if (!info.partitions.has(partition)) {
    throw invalidArgument(
      'partition',
      `stream "${stream}" has no partition ${partition} (it has ${info.partitions.size})`,
    );
  }
}
