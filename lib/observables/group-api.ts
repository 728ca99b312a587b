/**
 * Consumer groups as a client offers them: join a group and read the
 * partitions it assigns to this member (see consumer-group.ts for how).
 */
import { mergeAll, type Observable, type ObservableInput } from 'rxjs';
import { fetchCursor, setCursor } from '../admin/cursors.js';
import { handleMessage } from '../diagnostics.js';
import type { ClientCore } from '../internal/core.js';
import { type ConsumeGroupOptions, planConsumeGroup } from '../plans/group.js';
import {
  type AssignedPartition,
  type ConsumerGroupOptions,
  type GroupContext,
  type GroupMessage,
  groupPartitions,
} from './consumer-group.js';
import { consumeGroupWithFlowControl, type GroupFlow } from './group-flow.js';
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
   * checkpoint. Messages are delivered as fast as the server sends them and
   * checkpointed once delivered: behind a slow `concatMap(handler)` the
   * backlog waits in memory, and checkpoints cover messages not yet
   * handled; {@link consumeGroup} is the flow-controlled form.
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

  /**
   * Joins consumer group `groupId` as {@link consumerGroup} does and hands
   * each message of the partitions assigned to this member to `handler`,
   * with flow control, the group form of {@link SubscribeApi.consume}:
   * `concurrency` handlers at a time (one at a time, in order, by
   * default), and while `prefetch` messages are received and not yet
   * handled the assigned partitions' gRPC calls are paused, until half of
   * them are. Unlike `consumerGroup().pipe(concatMap(handler))`, which
   * buffers the whole backlog (and checkpoints messages still waiting in
   * that buffer), memory stays bounded and automatic checkpoints cover
   * only the messages whose handler finished (its Promise resolved, its
   * array returned, its Observable completed), per partition up to the
   * first one not yet handled. When a partition is assigned elsewhere, its
   * messages whose handler has not started are skipped (the new assignee
   * reads them after the checkpoint) and the `revoked` signal handed to
   * running handlers aborts. On `drain()` it stops pulling, handles the
   * messages already received, then checkpoints and leaves.
   *
   * @param groupId - the group to join.
   * @param streams - a stream name or a non-empty list of them.
   * @param handler - called per message with an AbortSignal that aborts
   *   when the message's partition is assigned elsewhere; returns an
   *   Observable, Promise or array (its values are emitted).
   * @param options - see {@link ConsumeGroupOptions}: the group's options
   *   ({@link ConsumerGroupOptions}), `prefetch` (default 256) and
   *   `concurrency` (default 1).
   * @returns a cold Observable of the handlers' results; errors as
   *   {@link consumerGroup} does, or with a handler's error (checkpointing
   *   what was handled before it, then leaving).
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad id, stream,
   *   handler or option, at the call site.
   * @example
   * ```ts
   * client
   *   .consumeGroup('billing', 'jobs', (m) => bill(m), { prefetch: 100 })
   *   .subscribe({ error: (err) => console.error(err) });
   * ```
   */
  consumeGroup<R>(
    groupId: string,
    streams: string | string[],
    handler: (message: GroupMessage, revoked: AbortSignal) => ObservableInput<R>,
    options?: ConsumeGroupOptions,
  ): Observable<R>;
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
  return core.guard(() => groupPartitions(groupContext(core), groupId, streams, options));
}

export function consumeGroup<R>(
  core: ClientCore,
  groupId: string,
  streams: string | string[],
  handler: (message: GroupMessage, revoked: AbortSignal) => ObservableInput<R>,
  options: ConsumeGroupOptions = {},
): Observable<R> {
  const plan = planConsumeGroup(groupId, streams, handler, options);
  return core.guard(() =>
    consumeGroupWithFlowControl(
      (flow) => groupPartitions(groupContext(core, flow), groupId, streams, options),
      // Inside the message's consumer span when tracing (liftbridge-rx/otel).
      (message, revoked) => handleMessage(message, () => handler(message, revoked)),
      plan,
      core.lifecycle,
    ),
  );
}

/** What a consumer group needs of the client (with `flow`: the flow-controlled form). */
function groupContext(core: ClientCore, flow?: GroupFlow): GroupContext {
  return {
    cluster: core.cluster,
    subscribe: (stream, opts, claim, paused) =>
      core.guardInner(() =>
        subscribeMessages(
          paused ? { ...subscribeContext(core), paused } : subscribeContext(core),
          stream,
          opts,
          claim,
        ),
      ),
    fetchCursor: (s, p, c) => fetchCursor(core, s, p, c, 'inner'),
    setCursor: (s, p, c, o) => setCursor(core, s, p, c, o, 'inner'),
    draining: core.drain.draining,
    live: (stop) => core.onClosing(stop),
    goodbye: (group, work) => {
      const entry = { group, work };
      core.goodbyes.add(entry);
      core.hold(work);
      void work.finally(() => core.goodbyes.delete(entry));
    },
    onClosing: (giveUp) => core.onClosing(giveUp),
    settled: async (group) => {
      const pending = [...core.goodbyes].filter((g) => g.group === group);
      await Promise.allSettled(pending.map((g) => g.work));
    },
    ...(flow ? { flow } : {}),
  };
}
