/**
 * The one place where wire values become domain ones: FetchMetadata and
 * FetchPartitionMetadata responses as cluster metadata, a consumer group's
 * entry. (The hot paths' codecs decode straight into domain shapes.)
 */
import type {
  BrokerInfo,
  ClusterMetadata,
  ConsumerGroupInfo,
  EventTimestamps,
  PartitionInfo,
  StreamInfo,
} from '../../metadata/metadata.js';
import type {
  ConsumerGroupMetadata__Decoded,
  FetchMetadataResponse__Decoded,
  PartitionEventTimestamps__Decoded,
  PartitionMetadata__Decoded,
} from './api-types.generated.js';
import { fromInt64 } from './codec.js';

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
 * dropped; a response for all streams replaces the stream list. `now`
 * (the cluster's clock) stamps the snapshot.
 */
export function mergeMetadata(
  previous: ClusterMetadata | undefined,
  raw: FetchMetadataResponse__Decoded,
  requested: readonly string[],
  now: number,
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
  return { brokers, streams, updatedAt: now };
}

/** A group's entry of a FetchMetadata response (undefined: no such group). */
export function toGroupInfo(
  raw: ConsumerGroupMetadata__Decoded | undefined,
): ConsumerGroupInfo | undefined {
  if (raw?.error !== 0) return undefined;
  return { id: raw.groupId, coordinator: raw.coordinator, epoch: fromInt64(raw.epoch) };
}
