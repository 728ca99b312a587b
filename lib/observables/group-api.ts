/**
 * Consumer groups as a client offers them: join a group and read the
 * partitions it assigns to this member (see consumer-group.ts for how).
 */
import { mergeAll, type Observable } from 'rxjs';
import { fetchCursor, setCursor } from '../admin/cursors.js';
import type { ClientCore } from '../internal/core.js';
import {
  type AssignedPartition,
  type ConsumerGroupOptions,
  type GroupMessage,
  groupPartitions,
} from './consumer-group.js';
import { subscribeMessages } from './subscribe.js';
import { subscribeContext } from './subscribe-api.js';

/**
 * The consumer groups of a client ({@link LiftbridgeClient} implements it).
 *
 * @example
 * ```ts
 * const groups: GroupApi = client;
 * groups.consumerGroup('billing', 'invoices').subscribe((m) => console.log(m.offset));
 * ```
 */
export interface GroupApi {
  /**
   * Joins consumer group `groupId` for `streams` and emits the messages of
   * every partition the group assigns to this member, following rebalances
   * (partitions start after the group's checkpoint). Unsubscribing
   * checkpoints and leaves the group; {@link LiftbridgeClientApi.close} waits for that. Delivery
   * is at least once: after a rebalance the new assignee starts at the last
   * checkpoint.
   *
   * @param groupId - the group to join.
   * @param streams - a stream name or a non-empty list of them.
   * @param options - see {@link ConsumerGroupOptions}: `consumerId` (default
   *   a random UUID), `autoOffset` (default `'earliest'`), `autoCheckpoint`
   *   (default 5000 ms), `fetchAssignmentsInterval`.
   * @returns a cold Observable of {@link GroupMessage}s, merged from every
   *   assigned partition (see {@link consumerGroupPartitions}); errors with
   *   `NOT_FOUND` for a partition without a checkpoint under
   *   `autoOffset: 'none'`, with `CLIENT_CLOSED` on close, and as
   *   {@link SubscribeApi.subscribe} does.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad id, stream
   *   or option, at the call site.
   * @example
   * ```ts
   * const firstEight = await lastValueFrom(
   *   client.consumerGroup('billing', 'jobs').pipe(
   *     take(8),
   *     map((m) => Buffer.from(m.value).toString()),
   *     toArray(),
   *   ),
   * );
   * ```
   */
  consumerGroup(
    groupId: string,
    streams: string | string[],
    options?: ConsumerGroupOptions,
  ): Observable<GroupMessage>;

  /**
   * Like {@link consumerGroup}, one Observable per assigned partition (as
   * rxjs `groupBy` gives groups): each completes when the partition is
   * assigned elsewhere; it reads only while subscribed.
   *
   * @param groupId - the group to join.
   * @param streams - a stream name or a non-empty list of them.
   * @param options - see {@link ConsumerGroupOptions}.
   * @returns a cold Observable of {@link AssignedPartition}s; errors as
   *   {@link consumerGroup} does.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad id, stream
   *   or option, at the call site.
   * @example
   * ```ts
   * client
   *   .consumerGroupPartitions('billing', 'jobs')
   *   .pipe(
   *     mergeMap((partition) =>
   *       partition.pipe(
   *         tap((m) => console.log(`${partition.stream}/${partition.partition}: ${m.offset}`)),
   *         finalize(() => console.log(`${partition.stream}/${partition.partition} went elsewhere`)),
   *       ),
   *     ),
   *   )
   *   .subscribe();
   * ```
   */
  consumerGroupPartitions(
    groupId: string,
    streams: string | string[],
    options?: ConsumerGroupOptions,
  ): Observable<AssignedPartition>;
}

export function consumerGroup(
  core: ClientCore,
  groupId: string,
  streams: string | string[],
  options: ConsumerGroupOptions = {},
): Observable<GroupMessage> {
  return consumerGroupPartitions(core, groupId, streams, options).pipe(mergeAll());
}

export function consumerGroupPartitions(
  core: ClientCore,
  groupId: string,
  streams: string | string[],
  options: ConsumerGroupOptions = {},
): Observable<AssignedPartition> {
  return core.guard(() =>
    groupPartitions(
      {
        cluster: core.cluster,
        subscribe: (stream, opts, claim) =>
          core.guardInner(() => subscribeMessages(subscribeContext(core), stream, opts, claim)),
        fetchCursor: (s, p, c) => fetchCursor(core, s, p, c, 'inner'),
        setCursor: (s, p, c, o) => setCursor(core, s, p, c, o, 'inner'),
        draining: core.drain.draining,
        live: (stop) => {
          core.liveGroups.add(stop);
          return () => core.liveGroups.delete(stop);
        },
        goodbye: (group, work) => {
          const entry = { group, work };
          core.goodbyes.add(entry);
          core.hold(work);
          void work.finally(() => core.goodbyes.delete(entry));
        },
        settled: async (group) => {
          const pending = [...core.goodbyes].filter((g) => g.group === group);
          await Promise.allSettled(pending.map((g) => g.work));
        },
      },
      groupId,
      streams,
      options,
    ),
  );
}
