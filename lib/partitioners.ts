/**
 * Partitioners: how a publish request without an explicit partition picks
 * one, from the stream's partition count in cluster metadata. 'key' places
 * a key exactly where go-liftbridge's PartitionByKey does.
 */
import { crc32 } from './cursors.js';
import { ErrorCode, invalidArgument, LiftbridgeError } from './errors.js';
import type { ClusterMetadata } from './metadata/metadata.js';

/**
 * A custom partitioner: returns a partition index in [0, partition count),
 * given the stream's current metadata. Throwing, or returning anything else,
 * fails that publish with `INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * // Messages of one tenant ("tenant:rest" values) stay in one partition.
 * const byTenant: PartitionFunction = (stream, _key, value, metadata) => {
 *   const count = metadata.streams.get(stream)?.partitions.size ?? 1;
 *   const tenant = new TextDecoder().decode(value).split(':')[0] ?? '';
 *   return crc32(new TextEncoder().encode(tenant)) % count;
 * };
 * await lastValueFrom(client.publish('acme:order 1', { stream: 'orders', partitioner: byTenant }));
 * ```
 */
export type PartitionFunction = (
  stream: string,
  key: Uint8Array,
  value: Uint8Array,
  metadata: ClusterMetadata,
) => number;

/**
 * How a publish that names no partition chooses one, from the stream's
 * partition count in cluster metadata (the `partitioner` option of a
 * publish, or of the client for every publish):
 * - `'key'`: `crc32_ieee(key) % partitions` (unsigned; an empty key is
 *   hashed too), as the Go client's PartitionByKey;
 * - `'roundRobin'`: each stream's partitions in turn, per client;
 * - a {@link PartitionFunction}.
 *
 * An unknown stream fails the publish with `NOT_FOUND`.
 *
 * @example
 * ```ts
 * const partitioner: Partitioner = 'key';
 * await using keyed = new LiftbridgeClient(BROKERS, { partitioner });
 * const ack = await lastValueFrom(keyed.publish('login', { stream: 'events', key: 'alice' }));
 * console.log(`alice lives in partition ${ack.partition}`);
 * ```
 */
export type Partitioner = 'key' | 'roundRobin' | PartitionFunction;

/** Validates a partitioner option. */
export function checkPartitioner(value: unknown, name: string): Partitioner | undefined {
  if (value === undefined || value === 'key' || value === 'roundRobin') return value;
  if (typeof value === 'function') return value as PartitionFunction;
  throw invalidArgument(name, `expected 'key', 'roundRobin' or a function, got ${String(value)}`);
}

/**
 * How a client chooses the partition of a publish that has a
 * {@link Partitioner}, with its per-client state (the round-robin
 * counters). The client uses one per client; so does the testing kit's
 * fake, so both choose alike.
 *
 * @example
 * ```ts
 * const partitioning = new Partitioning();
 * const metadata = await lastValueFrom(client.fetchMetadata(['orders']));
 * const key = new TextEncoder().encode('customer-7');
 * const partition = partitioning.choose('key', 'orders', key, new Uint8Array(), metadata);
 * ```
 */
export class Partitioning {
  private readonly counters = new Map<string, number>();

  /**
   * The partition for a message.
   *
   * @param partitioner - how to choose.
   * @param stream - the stream.
   * @param key - the message key.
   * @param value - the message value.
   * @param metadata - cluster metadata with the stream's partitions.
   * @returns a partition number of the stream.
   * @throws {@link LiftbridgeError} `NOT_FOUND` when metadata has no such
   *   stream, `INVALID_ARGUMENT` when a custom partitioner fails or returns
   *   something out of range.
   */
  choose(
    partitioner: Partitioner,
    stream: string,
    key: Uint8Array,
    value: Uint8Array,
    metadata: ClusterMetadata,
  ): number {
    const count = metadata.streams.get(stream)?.partitions.size ?? 0;
    if (count === 0) throw new LiftbridgeError(ErrorCode.NotFound, `no stream "${stream}"`);
    if (partitioner === 'key') return crc32(key) % count;
    if (partitioner === 'roundRobin') {
      const next = this.counters.get(stream) ?? 0;
      this.counters.set(stream, next + 1 >= count ? 0 : next + 1);
      return next % count;
    }
    let chosen: unknown;
    try {
      chosen = partitioner(stream, key, value, metadata);
    } catch (err) {
      throw new LiftbridgeError(ErrorCode.InvalidArgument, `partitioner: threw ${String(err)}`, {
        cause: err,
      });
    }
    if (!Number.isInteger(chosen) || (chosen as number) < 0 || (chosen as number) >= count) {
      throw invalidArgument(
        'partitioner',
        `returned ${String(chosen)} for stream "${stream}" with ${count} partitions`,
      );
    }
    return chosen as number;
  }
}
