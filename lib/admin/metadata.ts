/**
 * Reading cluster metadata: the whole cluster's (any broker), a partition's
 * details (its leader), a consumer group's coordinator and epoch.
 */
import { catchError, map, type Observable, throwError } from 'rxjs';
import { ErrorCode, isLiftbridgeError, LiftbridgeError } from '../errors.js';
import type { ClientCore } from '../internal/core.js';
import { toPartitionInfo } from '../internal/wire.js';
import type { ClusterMetadata, ConsumerGroupInfo, PartitionInfo } from '../metadata/metadata.js';
import { planFetchMetadata, planGroupId, planPartition } from '../plans/reads.js';

/**
 * The metadata reads of a client ({@link LiftbridgeClient} implements it).
 *
 * @example
 * ```ts
 * const reader: MetadataApi = client;
 * const md = await lastValueFrom(reader.fetchMetadata());
 * ```
 */
export interface MetadataApi {
  /**
   * Fetches cluster metadata (brokers, and all streams or those named) from
   * any broker, and updates {@link LiftbridgeClientApi.metadata$}. Emits one snapshot, then completes.
   *
   * @param streams - streams to fetch; omitted or empty: all streams. A named
   *   stream that does not exist is left out of the snapshot.
   * @returns a cold Observable of one {@link ClusterMetadata}; errors with
   *   `UNAVAILABLE` when no broker answers within the retry budget.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad stream name, at the call site.
   * @example
   * ```ts
   * const metadata = await lastValueFrom(client.fetchMetadata(['orders']));
   * for (const p of metadata.streams.get('orders')?.partitions.values() ?? []) {
   *   console.log(`orders/${p.id}: leader ${p.leader}, isr ${p.isr.join(',')}`);
   * }
   * ```
   */
  fetchMetadata(streams?: string[]): Observable<ClusterMetadata>;

  /**
   * Partition details from the partition's leader: high watermark, newest
   * offset, paused and readonly flags, event timestamps. For a paused
   * partition (which has no running leader) the cluster metadata's view.
   *
   * @param stream - the stream.
   * @param partition - the partition number (default 0).
   * @returns a cold Observable of one {@link PartitionInfo}; errors with
   *   `NOT_FOUND` for an unknown stream or partition.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad name or
   *   partition, at the call site.
   * @example
   * ```ts
   * const p = await lastValueFrom(client.fetchPartitionMetadata('orders', 1));
   * console.log(`newest offset ${p.newestOffset}, high watermark ${p.highWatermark}`);
   * ```
   */
  fetchPartitionMetadata(stream: string, partition?: number): Observable<PartitionInfo>;

  /**
   * A consumer group's coordinator and epoch, from cluster metadata.
   *
   * @param groupId - the group.
   * @returns a cold Observable of one {@link ConsumerGroupInfo}; errors with
   *   `NOT_FOUND` when there is no such group (once its last member has left).
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for an empty id, at the call site.
   * @example
   * ```ts
   * const group = await lastValueFrom(client.fetchConsumerGroup('billing'));
   * console.log(`coordinator ${group.coordinator}, epoch ${group.epoch}`);
   * ```
   */
  fetchConsumerGroup(groupId: string): Observable<ConsumerGroupInfo>;
}

export function fetchMetadata(core: ClientCore, streams?: string[]): Observable<ClusterMetadata> {
  return core.guard(() => {
    const names = planFetchMetadata(streams);
    return core.cluster.refreshMetadata(names);
  });
}

export function fetchPartitionMetadata(
  core: ClientCore,
  stream: string,
  partition = 0,
): Observable<PartitionInfo> {
  return core.guard(() => {
    const { stream: name, partition: index } = planPartition(stream, partition);
    return core.cluster.leaderBound(name, index, (conn) =>
      conn.unary('FetchPartitionMetadata', { stream: name, partition: index }).pipe(
        map((res) => {
          if (!res.metadata) {
            throw new LiftbridgeError(ErrorCode.NotFound, `no metadata for ${name}/${index}`);
          }
          return toPartitionInfo(res.metadata);
        }),
        // A paused partition has no running leader to answer; the
        // cluster metadata still describes it.
        catchError((err: unknown) =>
          isLiftbridgeError(err, ErrorCode.NotLeader)
            ? core.cluster.refreshMetadata([name]).pipe(
                map((md) => {
                  const info = md.streams.get(name)?.partitions.get(index);
                  if (info?.paused) return info;
                  throw err;
                }),
              )
            : throwError(() => err),
        ),
      ),
    );
  });
}

export function fetchConsumerGroup(
  core: ClientCore,
  groupId: string,
): Observable<ConsumerGroupInfo> {
  return core.guard(() => {
    const id = planGroupId(groupId);
    return core.cluster.fetchGroup(id).pipe(
      map((group) => {
        if (!group) throw new LiftbridgeError(ErrorCode.NotFound, `no consumer group "${id}"`);
        return group;
      }),
    );
  });
}
