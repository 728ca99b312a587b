/**
 * Cluster metadata as the client sees it: brokers, streams, partitions with
 * leader and ISR. Immutable snapshots; each refresh makes a new one.
 */

/**
 * One broker of the cluster, as metadata describes it.
 *
 * @example
 * ```ts
 * const md = await lastValueFrom(client.fetchMetadata());
 * for (const b of md.brokers.values()) {
 *   console.log(`${b.id} at ${b.address}: ${b.leaderCount} of ${b.partitionCount} partitions led`);
 * }
 * ```
 */
export interface BrokerInfo {
  /** Broker id (the server's `clustering.server.id`). */
  readonly id: string;
  /** Host it advertises. */
  readonly host: string;
  /** Port it advertises. */
  readonly port: number;
  /** `host:port` (IPv6 hosts in brackets), what the client dials. */
  readonly address: string;
  /** Partitions it holds a replica of. */
  readonly partitionCount: number;
  /** Partitions it leads. */
  readonly leaderCount: number;
}

/**
 * First and latest time of an event, nanoseconds since the epoch (0n: never).
 *
 * @example
 * ```ts
 * const p = await lastValueFrom(client.fetchPartitionMetadata('orders'));
 * const last = p.messagesReceived.latest;
 * console.log(last === 0n ? 'never written' : new Date(Number(last / 1_000_000n)).toISOString());
 * ```
 */
export interface EventTimestamps {
  /** When it first happened; 0n: never. */
  readonly first: bigint;
  /** When it last happened; 0n: never. */
  readonly latest: bigint;
}

/**
 * One partition of a stream, from cluster metadata or
 * {@link LiftbridgeClient.fetchPartitionMetadata}. Offsets are `bigint`.
 *
 * @example
 * ```ts
 * const p: PartitionInfo = await lastValueFrom(client.fetchPartitionMetadata('orders', 0));
 * console.log(`leader ${p.leader ?? 'none'}, ${p.isr.length}/${p.replicas.length} in sync`);
 * ```
 */
export interface PartitionInfo {
  /** Partition number. */
  readonly id: number;
  /** Broker id of the leader; undefined while there is none. */
  readonly leader: string | undefined;
  /** Broker ids of its replicas. */
  readonly replicas: readonly string[];
  /** Broker ids of the replicas in sync with the leader. */
  readonly isr: readonly string[];
  /** Offset of the last committed message (-1n: none). */
  readonly highWatermark: bigint;
  /** Offset of the newest message, committed or not (-1n: none). */
  readonly newestOffset: bigint;
  /** Paused (see {@link LiftbridgeClient.pauseStream}). */
  readonly paused: boolean;
  /** Readonly (see {@link LiftbridgeClient.setStreamReadonly}). */
  readonly readonly: boolean;
  /** When messages were received. */
  readonly messagesReceived: EventTimestamps;
  /** When the partition was paused or resumed. */
  readonly pauseChanged: EventTimestamps;
  /** When the readonly flag changed. */
  readonly readonlyChanged: EventTimestamps;
}

/**
 * One stream, as cluster metadata describes it.
 *
 * @example
 * ```ts
 * const md = await lastValueFrom(client.fetchMetadata(['orders']));
 * const orders: StreamInfo | undefined = md.streams.get('orders');
 * console.log(`${orders?.name} on ${orders?.subject}: ${orders?.partitions.size} partitions`);
 * ```
 */
export interface StreamInfo {
  /** Stream name. */
  readonly name: string;
  /** NATS subject it consumes (partition N > 0: `<subject>.N`). */
  readonly subject: string;
  /** When it was created, nanoseconds since the epoch. */
  readonly creationTimestamp: bigint;
  /** Its partitions by number. */
  readonly partitions: ReadonlyMap<number, PartitionInfo>;
}

/**
 * A consumer group as metadata describes it
 * ({@link LiftbridgeClient.fetchConsumerGroup}).
 *
 * @example
 * ```ts
 * const group: ConsumerGroupInfo = await lastValueFrom(client.fetchConsumerGroup('billing'));
 * console.log(`${group.id}: coordinator ${group.coordinator}, epoch ${group.epoch}`);
 * ```
 */
export interface ConsumerGroupInfo {
  /** Group id. */
  readonly id: string;
  /** Broker id of the group's coordinator. */
  readonly coordinator: string;
  /** Changes whenever members join or leave, or the coordinator moves. */
  readonly epoch: bigint;
}

/**
 * A snapshot of the cluster: {@link LiftbridgeClient.metadata$} and
 * {@link LiftbridgeClient.fetchMetadata} emit them. Immutable: each refresh
 * makes a new one.
 *
 * @example
 * ```ts
 * const md: ClusterMetadata = await lastValueFrom(client.fetchMetadata());
 * console.log(`${md.brokers.size} brokers, streams: ${[...md.streams.keys()].join(', ')}`);
 * ```
 */
export interface ClusterMetadata {
  /** Brokers by id. */
  readonly brokers: ReadonlyMap<string, BrokerInfo>;
  /** Streams by name (those fetched so far; a refresh of some streams keeps the others). */
  readonly streams: ReadonlyMap<string, StreamInfo>;
  /** When this snapshot was taken (ms since the epoch). */
  readonly updatedAt: number;
}

/** Address of a partition's leader in `metadata`, if known. */
export function leaderAddress(
  metadata: ClusterMetadata | undefined,
  stream: string,
  partition: number,
): string | undefined {
  const leader = metadata?.streams.get(stream)?.partitions.get(partition)?.leader;
  return leader === undefined ? undefined : metadata?.brokers.get(leader)?.address;
}
