/** Cluster metadata fixtures for specs without a server. */
import type { ClusterMetadata, PartitionInfo, StreamInfo } from '../../lib/index.js';

const zero = { first: 0n, latest: 0n };

/** A partition led by broker id `leader` (undefined: no leader). */
export function partitionInfo(id: number, leader: string | undefined): PartitionInfo {
  return {
    id,
    leader,
    replicas: leader ? [leader] : [],
    isr: leader ? [leader] : [],
    highWatermark: 0n,
    newestOffset: 0n,
    paused: false,
    readonly: false,
    messagesReceived: zero,
    pauseChanged: zero,
    readonlyChanged: zero,
  };
}

/** Streams given by the leader of each partition; brokers by id -> address. */
export function clusterMetadata(
  streams: Record<string, { created?: bigint; leaders: (string | undefined)[] }>,
  brokers: Record<string, string> = {},
): ClusterMetadata {
  const map = new Map<string, StreamInfo>();
  for (const [name, { created = 1n, leaders }] of Object.entries(streams)) {
    map.set(name, {
      name,
      subject: name,
      creationTimestamp: created,
      partitions: new Map(leaders.map((l, i) => [i, partitionInfo(i, l)])),
    });
  }
  const brokerMap = new Map(
    Object.entries(brokers).map(([id, address]) => {
      const [host = '', port = '0'] = address.split(':');
      return [
        id,
        { id, host, port: Number(port), address, partitionCount: 0, leaderCount: 0 },
      ] as const;
    }),
  );
  return { brokers: brokerMap, streams: map, updatedAt: 0 };
}
