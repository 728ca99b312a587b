/**
 * Connection and routing events of a client, as a tagged union on
 * `client.status$`, and the pure function that derives leader changes from
 * two metadata snapshots.
 */
import type { LiftbridgeError } from './errors.js';
import type { ClusterMetadata } from './metadata/metadata.js';

/**
 * A broker answered (first contact, or again after it had stopped answering).
 *
 * @example
 * ```ts
 * client.status$
 *   .pipe(filter((e): e is ConnectedStatus => e.type === 'connected'))
 *   .subscribe((e) => console.log(`connected to ${e.broker}`));
 * ```
 */
export interface ConnectedStatus {
  /** Discriminant: `'connected'`. */
  readonly type: 'connected';
  /** `host:port`. */
  readonly broker: string;
}

/**
 * A broker that had answered stopped answering; calls move to other brokers meanwhile.
 *
 * @example
 * ```ts
 * client.status$
 *   .pipe(filter((e): e is ReconnectingStatus => e.type === 'reconnecting'))
 *   .subscribe((e) => console.warn(`${e.broker} stopped answering: ${e.error.message}`));
 * ```
 */
export interface ReconnectingStatus {
  /** Discriminant: `'reconnecting'`. */
  readonly type: 'reconnecting';
  /** `host:port`. */
  readonly broker: string;
  /** Why the client thinks so (`UNAVAILABLE` or `TIMEOUT`). */
  readonly error: LiftbridgeError;
}

/**
 * A partition's leader moved (or was lost: `leader` undefined) in a metadata refresh.
 *
 * @example
 * ```ts
 * client.status$
 *   .pipe(filter((e): e is LeaderChangedStatus => e.type === 'leaderChanged'))
 *   .subscribe((e) => console.log(`${e.stream}/${e.partition}: ${e.previous} -> ${e.leader}`));
 * ```
 */
export interface LeaderChangedStatus {
  /** Discriminant: `'leaderChanged'`. */
  readonly type: 'leaderChanged';
  /** The stream. */
  readonly stream: string;
  /** The partition number. */
  readonly partition: number;
  /** Broker id of the old leader; undefined when there was none (or the partition is new to this client). */
  readonly previous: string | undefined;
  /** Broker id of the new leader; undefined while there is none. */
  readonly leader: string | undefined;
}

/**
 * A metadata refresh produced a new snapshot.
 *
 * @example
 * ```ts
 * client.status$
 *   .pipe(filter((e): e is MetadataUpdatedStatus => e.type === 'metadataUpdated'))
 *   .subscribe((e) => console.log(`${e.metadata.brokers.size} broker(s)`));
 * ```
 */
export interface MetadataUpdatedStatus {
  /** Discriminant: `'metadataUpdated'`. */
  readonly type: 'metadataUpdated';
  /** The new snapshot (also on {@link LiftbridgeClient.metadata$}). */
  readonly metadata: ClusterMetadata;
}

/**
 * The server refused a publish whose caller asked for no ack (AckPolicy
 * `NONE`): its Observable had completed when it was written, so the
 * refusal is reported here. The message was not stored.
 *
 * @example
 * ```ts
 * client.status$
 *   .pipe(filter((e): e is PublishRejectedStatus => e.type === 'publishRejected'))
 *   .subscribe((e) => console.error(`${e.stream}/${e.partition} refused ${e.correlationId}: ${e.error.message}`));
 * ```
 */
export interface PublishRejectedStatus {
  /** Discriminant: `'publishRejected'`. */
  readonly type: 'publishRejected';
  /** The stream the message was for. */
  readonly stream: string;
  /** Its partition. */
  readonly partition: number;
  /** The request's correlation id. */
  readonly correlationId: string;
  /** What the server said (`INVALID_ARGUMENT`, `NOT_FOUND`, `READONLY`, ...). */
  readonly error: LiftbridgeError;
}

/**
 * drain() started: the client takes no new work and lets live work finish;
 * `closed` follows.
 *
 * @example
 * ```ts
 * client.status$
 *   .pipe(filter((e): e is DrainingStatus => e.type === 'draining'))
 *   .subscribe(() => console.log('draining'));
 * ```
 */
export interface DrainingStatus {
  /** Discriminant: `'draining'`. */
  readonly type: 'draining';
}

/**
 * The client was closed; the last event before `status$` completes.
 *
 * @example
 * ```ts
 * client.status$
 *   .pipe(filter((e): e is ClosedStatus => e.type === 'closed'))
 *   .subscribe(() => console.log('client closed'));
 * ```
 */
export interface ClosedStatus {
  /** Discriminant: `'closed'`. */
  readonly type: 'closed';
}

/**
 * One event on {@link LiftbridgeClient.status$}; switch on `type`.
 *
 * @example
 * ```ts
 * const describe = (event: ClientStatus): string => {
 *   switch (event.type) {
 *     case 'connected':
 *       return `connected to ${event.broker}`;
 *     case 'reconnecting':
 *       return `${event.broker} stopped answering (${event.error.code})`;
 *     case 'leaderChanged':
 *       return `${event.stream}/${event.partition}: leader ${event.previous} -> ${event.leader}`;
 *     case 'metadataUpdated':
 *       return `metadata: ${event.metadata.brokers.size} broker(s)`;
 *     case 'publishRejected':
 *       return `${event.stream} refused ${event.correlationId} (${event.error.code})`;
 *     case 'draining':
 *       return 'draining';
 *     case 'closed':
 *       return 'client closed';
 *   }
 * };
 * ```
 */
export type ClientStatus =
  | ConnectedStatus
  | ReconnectingStatus
  | LeaderChangedStatus
  | MetadataUpdatedStatus
  | PublishRejectedStatus
  | DrainingStatus
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
