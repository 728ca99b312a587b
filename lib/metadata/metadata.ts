/**
 * Cluster metadata as the client sees it: brokers, streams, partitions with
 * leader and ISR. Immutable snapshots; each refresh makes a new one.
 */
import type {
  ConsumerGroupMetadata__Decoded,
  FetchMetadataResponse__Decoded,
  PartitionEventTimestamps__Decoded,
  PartitionMetadata__Decoded,
} from '../internal/grpc/api-types.generated.js';
import { fromInt64 } from '../internal/grpc/codec.js';

/** One broker of the cluster. */
export interface BrokerInfo {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** `host:port`, what the client dials. */
  readonly address: string;
  readonly partitionCount: number;
  readonly leaderCount: number;
}

/** First and latest time of an event, nanoseconds since the epoch (0n: never). */
export interface EventTimestamps {
  readonly first: bigint;
  readonly latest: bigint;
}

/** One partition of a stream. */
export interface PartitionInfo {
  readonly id: number;
  /** Broker id of the leader; undefined while there is none. */
  readonly leader: string | undefined;
  readonly replicas: readonly string[];
  readonly isr: readonly string[];
  readonly highWatermark: bigint;
  readonly newestOffset: bigint;
  readonly paused: boolean;
  readonly readonly: boolean;
  readonly messagesReceived: EventTimestamps;
  readonly pauseChanged: EventTimestamps;
  readonly readonlyChanged: EventTimestamps;
}

/** One stream. */
export interface StreamInfo {
  readonly name: string;
  readonly subject: string;
  /** Nanoseconds since the epoch. */
  readonly creationTimestamp: bigint;
  readonly partitions: ReadonlyMap<number, PartitionInfo>;
}

/** A consumer group as metadata describes it. */
export interface ConsumerGroupInfo {
  readonly id: string;
  /** Broker id of the group's coordinator. */
  readonly coordinator: string;
  /** Changes whenever members join or leave, or the coordinator moves. */
  readonly epoch: bigint;
}

/** A snapshot of the cluster. */
export interface ClusterMetadata {
  readonly brokers: ReadonlyMap<string, BrokerInfo>;
  readonly streams: ReadonlyMap<string, StreamInfo>;
  /** When this snapshot was taken (ms since the epoch). */
  readonly updatedAt: number;
}

function timestamps(raw: PartitionEventTimestamps__Decoded | null): EventTimestamps {
  return raw
    ? { first: fromInt64(raw.firstTimestamp), latest: fromInt64(raw.latestTimestamp) }
    : { first: 0n, latest: 0n };
}

export function toPartitionInfo(raw: PartitionMetadata__Decoded): PartitionInfo {
  return {
    id: raw.id,
    leader: raw.leader || undefined,
    replicas: [...raw.replicas],
    isr: [...raw.isr],
    highWatermark: fromInt64(raw.highWatermark),
    newestOffset: fromInt64(raw.newestOffset),
    paused: raw.paused,
    readonly: raw.readonly,
    messagesReceived: timestamps(raw.messagesReceivedTimestamps),
    pauseChanged: timestamps(raw.pauseTimestamps),
    readonlyChanged: timestamps(raw.readonlyTimestamps),
  };
}

/**
 * Merges a FetchMetadata response into the previous snapshot. A response for
 * some streams replaces those streams only; streams reported unknown are
 * dropped; a response for all streams replaces the stream list.
 */
export function mergeMetadata(
  previous: ClusterMetadata | undefined,
  raw: FetchMetadataResponse__Decoded,
  requested: readonly string[],
): ClusterMetadata {
  const brokers = new Map<string, BrokerInfo>();
  for (const b of raw.brokers) {
    brokers.set(b.id, {
      id: b.id,
      host: b.host,
      port: b.port,
      address: `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`,
      partitionCount: b.partitionCount,
      leaderCount: b.leaderCount,
    });
  }
  const streams = new Map<string, StreamInfo>(requested.length > 0 ? previous?.streams : undefined);
  for (const name of requested) streams.delete(name);
  for (const s of raw.streamMetadata) {
    if (s.error !== 0) continue;
    const partitions = new Map<number, PartitionInfo>();
    for (const p of Object.values(s.partitions)) partitions.set(p.id, toPartitionInfo(p));
    streams.set(s.name, {
      name: s.name,
      subject: s.subject,
      creationTimestamp: fromInt64(s.creationTimestamp),
      partitions,
    });
  }
  return { brokers, streams, updatedAt: Date.now() };
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

/** A group's entry of a FetchMetadata response (undefined: no such group). */
export function toGroupInfo(
  raw: ConsumerGroupMetadata__Decoded | undefined,
): ConsumerGroupInfo | undefined {
  if (raw?.error !== 0) return undefined;
  return { id: raw.groupId, coordinator: raw.coordinator, epoch: fromInt64(raw.epoch) };
}
