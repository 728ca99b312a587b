/**
 * Connection and routing events of a client, as a tagged union on
 * `client.status$`, and the pure function that derives leader changes from
 * two metadata snapshots.
 */
import type { LiftbridgeError } from './errors.js';
import type { ClusterMetadata } from './metadata/metadata.js';

/** A broker answered (first contact, or again after it had stopped answering). */
export interface ConnectedStatus {
  readonly type: 'connected';
  /** `host:port`. */
  readonly broker: string;
}

/** A broker that had answered stopped answering; calls move to other brokers meanwhile. */
export interface ReconnectingStatus {
  readonly type: 'reconnecting';
  readonly broker: string;
  readonly error: LiftbridgeError;
}

/** A partition's leader moved (or was lost: `leader` undefined) in a metadata refresh. */
export interface LeaderChangedStatus {
  readonly type: 'leaderChanged';
  readonly stream: string;
  readonly partition: number;
  /** Broker id of the old leader; undefined when there was none (or the partition is new to this client). */
  readonly previous: string | undefined;
  /** Broker id of the new leader; undefined while there is none. */
  readonly leader: string | undefined;
}

/** A metadata refresh produced a new snapshot. */
export interface MetadataUpdatedStatus {
  readonly type: 'metadataUpdated';
  readonly metadata: ClusterMetadata;
}

/** The client was closed; the last event. */
export interface ClosedStatus {
  readonly type: 'closed';
}

/** One event on `client.status$`; switch on `type`. */
export type ClientStatus =
  | ConnectedStatus
  | ReconnectingStatus
  | LeaderChangedStatus
  | MetadataUpdatedStatus
  | ClosedStatus;

/**
 * Leader changes between two snapshots, for partitions of streams present in
 * both (a stream that appears or disappears is not a leader change).
 */
export function leaderChanges(
  previous: ClusterMetadata | undefined,
  next: ClusterMetadata,
): LeaderChangedStatus[] {
  const changes: LeaderChangedStatus[] = [];
  if (!previous) return changes;
  for (const [name, stream] of next.streams) {
    const before = previous.streams.get(name);
    if (!before || before.creationTimestamp !== stream.creationTimestamp) continue;
    for (const [id, partition] of stream.partitions) {
      const old = before.partitions.get(id);
      if (old && old.leader !== partition.leader) {
        changes.push({
          type: 'leaderChanged',
          stream: name,
          partition: id,
          previous: old.leader,
          leader: partition.leader,
        });
      }
    }
  }
  return changes;
}
