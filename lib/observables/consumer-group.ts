/**
 * Consumer groups, the Rx half: turns the assignments a GroupMember gets
 * into partition subscriptions that carry the group epoch (so the server
 * lets only the newest assignee read a partition), starts each partition
 * after the group's checkpoint, checkpoints what was delivered, and on
 * unsubscribe checkpoints once more and leaves the group.
 */
import {
  BehaviorSubject,
  catchError,
  defer,
  EMPTY,
  exhaustMap,
  firstValueFrom,
  interval,
  map,
  Observable,
  ReplaySubject,
  share,
  switchMap,
  takeUntil,
  tap,
  throwError,
} from 'rxjs';
import { closedError, ErrorCode, isLiftbridgeError, LiftbridgeError } from '../errors.js';
import { type GroupCalls, GroupMember, type GroupPartition } from '../internal/group-member.js';
import type { Message } from '../message.js';
import {
  type AutoOffset,
  type ConsumerGroupOptions,
  type ConsumerGroupPlan,
  planConsumerGroup,
} from '../plans/group.js';
import { StartPosition } from '../positions.js';
import type { GroupFlow } from './group-flow.js';
import type { GroupClaim, SubscribeOptions } from './subscribe.js';

export type { AutoOffset, ConsumerGroupOptions };

/**
 * A message delivered to a consumer-group member: a {@link Message} and the
 * group epoch it was read under.
 *
 * @example
 * ```ts
 * client.consumerGroup('billing', 'jobs').subscribe((m: GroupMessage) => {
 *   console.log(`${m.stream}/${m.partition}@${m.offset} (epoch ${m.groupEpoch})`);
 * });
 * ```
 */
export interface GroupMessage extends Message {
  /** The group epoch under which this member held the partition. */
  readonly groupEpoch: bigint;
}

/**
 * One partition while it is assigned to this member: an Observable of its
 * messages (like the groups of rxjs `groupBy`), emitted by
 * {@link LiftbridgeClient.consumerGroupPartitions}. It completes when the
 * partition is assigned elsewhere, or when the consumer group ends; it
 * reads only while subscribed.
 *
 * @example
 * ```ts
 * client
 *   .consumerGroupPartitions('billing', 'jobs')
 *   .pipe(
 *     mergeMap((partition: AssignedPartition) =>
 *       partition.pipe(map((m) => `${partition.stream}/${partition.partition}@${m.offset}`)),
 *     ),
 *   )
 *   .subscribe(console.log);
 * ```
 */
export class AssignedPartition extends Observable<GroupMessage> {
  /**
   * Made by the consumer group; not meant to be called by users.
   * @internal
   */
  constructor(
    /** The stream of the partition. */
    readonly stream: string,
    /** The partition number. */
    readonly partition: number,
    messages: Observable<GroupMessage>,
  ) {
    super((subscriber) => messages.subscribe(subscriber));
  }
}

/**
 * The cursor id under which a group checkpoints its partitions,
 * `__group:<groupId>` (as the Go client does): for checkpointing yourself
 * with `autoCheckpoint: 0`, or reading a group's position.
 *
 * @param groupId - the group.
 * @example
 * ```ts
 * const checkpoint = await lastValueFrom(client.fetchCursor('jobs', 0, groupCursorId('billing')));
 * console.log(`billing has processed jobs/0 up to ${checkpoint}`);
 * ```
 */
export function groupCursorId(groupId: string): string {
  return `__group:${groupId}`;
}

/** What a consumer group needs from the client. */
export interface GroupContext {
  cluster: GroupCalls;
  /** A partition's subscription; while `paused` says true its call is not read. */
  subscribe(
    stream: string,
    options: SubscribeOptions,
    claim: GroupClaim,
    paused?: Observable<boolean>,
  ): Observable<Message>;
  /**
   * Flow control (consumeGroup): the pause signal of the partitions, and
   * checkpoints of the messages handled rather than delivered. Absent: a
   * plain consumer group.
   */
  flow?: GroupFlow;
  fetchCursor(stream: string, partition: number, cursorId: string): Observable<bigint>;
  setCursor(stream: string, partition: number, cursorId: string, offset: bigint): Observable<void>;
  /** Emits when the client starts draining: the group completes (checkpointing and leaving as on unsubscribe). */
  draining: Observable<unknown>;
  /** Registers a live group; `stop` ends it with CLIENT_CLOSED. Returns the unregister function. */
  live(stop: () => void): () => void;
  /** Work (final checkpoint, leave) that close() waits for. */
  goodbye(groupId: string, work: Promise<void>): void;
  /**
   * Calls `giveUp` when the client closes (a drain's time is up, or
   * close()): the goodbye stops waiting for handlers still running.
   * Returns the function that cancels the call.
   */
  onClosing(giveUp: () => void): () => void;
  /** Resolves once earlier members of this group in this client have checkpointed and left. */
  settled(groupId: string): Promise<void>;
}

interface Plan extends ConsumerGroupPlan {
  fetchInterval: (consumerTimeoutMs: number) => number;
}

function plan(groupId: unknown, streams: unknown, options: ConsumerGroupOptions): Plan {
  const p = planConsumerGroup(groupId as string, streams as string | string[], options);
  const every = p.fetchAssignmentsInterval;
  return { ...p, fetchInterval: (timeout) => every ?? Math.max(100, Math.round(timeout * 0.4)) };
}

/** A partition this member holds. */
interface Held extends GroupPartition {
  readonly key: string;
  /** The epoch to subscribe with; a new value resubscribes. */
  readonly epoch: BehaviorSubject<bigint>;
  readonly revoked: ReplaySubject<void>;
  /** Offset of the last message delivered (where a new epoch resubscribes), and of the last checkpoint. */
  last: bigint | undefined;
  committed: bigint | undefined;
  /** The server refused or ended our subscription: reopen at the next assignment. */
  stale: boolean;
}

function keyOf(p: GroupPartition): string {
  return `${p.stream}\u0000${p.partition}`;
}

/** The cold Observable behind consumerGroupPartitions (consumerGroup merges it). */
export function groupPartitions(
  ctx: GroupContext,
  groupId: string,
  streams: string | string[],
  options: ConsumerGroupOptions = {},
): Observable<AssignedPartition> {
  const p = plan(groupId, streams, options);
  const cursorId = groupCursorId(p.groupId);
  // A member that follows another of the same group in this client starts
  // from that one's final checkpoint.
  const joining = defer(() => ctx.settled(p.groupId));
  const session = new Observable<AssignedPartition>((subscriber) => {
    const member = new GroupMember(ctx.cluster, {
      groupId: p.groupId,
      consumerId: p.consumerId,
      streams: p.streams,
      fetchInterval: p.fetchInterval,
    });
    const held = new Map<string, Held>();
    const flow = ctx.flow;
    /** What a checkpoint covers: the messages handled under flow control, else those delivered. */
    const done = (h: Held) => (flow ? flow.handled(h.stream, h.partition) : h.last);

    const checkpoint = async (partitions: Held[]) => {
      for (const h of partitions) {
        const offset = done(h);
        if (offset === undefined || offset === h.committed) continue;
        await firstValueFrom(ctx.setCursor(h.stream, h.partition, cursorId, offset)).then(
          () => {
            if (h.committed === undefined || offset > h.committed) h.committed = offset;
          },
          () => undefined,
        );
      }
    };

    /** Subscribe options for a partition: after the checkpoint, or after what we delivered. */
    const startAt = (h: Held): Observable<SubscribeOptions> =>
      ctx.fetchCursor(h.stream, h.partition, cursorId).pipe(
        map((cursor) => {
          const after = h.last !== undefined && h.last > cursor ? h.last : cursor;
          if (after >= 0n)
            return {
              partition: h.partition,
              startPosition: StartPosition.OFFSET,
              startOffset: after + 1n,
            };
          switch (p.autoOffset) {
            case 'earliest':
              return { partition: h.partition, startPosition: StartPosition.EARLIEST };
            case 'latest':
              return { partition: h.partition, startPosition: StartPosition.LATEST };
            case 'newOnly':
              return { partition: h.partition, startPosition: StartPosition.NEW_ONLY };
            default:
              throw new LiftbridgeError(
                ErrorCode.NotFound,
                `group "${p.groupId}" has no checkpoint for ${h.stream}/${h.partition} (autoOffset 'none')`,
              );
          }
        }),
      );

    /** The partition's messages under the current epoch; ends quietly when fenced or gone. */
    const messagesOf = (h: Held): Observable<GroupMessage> =>
      h.epoch.pipe(
        switchMap((epoch) =>
          startAt(h).pipe(
            switchMap((opts) =>
              ctx.subscribe(
                h.stream,
                opts,
                { groupId: p.groupId, consumerId: p.consumerId, epoch },
                flow?.paused,
              ),
            ),
            map((m) => Object.assign(m, { groupEpoch: epoch }) as GroupMessage),
            tap({
              next: (m) => {
                h.last = m.offset;
              },
              // The server ends a subscription when a newer assignee takes the partition.
              complete: () => fenced(h),
            }),
            catchError((err: unknown) => {
              if (isLiftbridgeError(err, ErrorCode.GroupFenced)) {
                fenced(h);
                return EMPTY;
              }
              // A deleted stream leaves the group's assignments; a readonly partition was read to its end.
              if (
                isLiftbridgeError(err, ErrorCode.StreamDeleted) ||
                isLiftbridgeError(err, ErrorCode.Readonly)
              ) {
                member.poke();
                return EMPTY;
              }
              return throwError(() => err);
            }),
          ),
        ),
        takeUntil(h.revoked),
        share(),
      );

    const fenced = (h: Held) => {
      if (!held.has(h.key)) return;
      h.stale = true;
      member.poke();
    };

    const revoke = (h: Held) => {
      held.delete(h.key);
      h.revoked.next();
      h.revoked.complete();
    };

    const reconcile = (epoch: bigint, partitions: readonly GroupPartition[]) => {
      const assigned = new Set(partitions.map(keyOf));
      const gone = [...held.values()].filter((h) => !assigned.has(h.key));
      for (const h of gone) {
        revoke(h);
        flow?.revoked(h.stream, h.partition);
      }
      if (p.autoCheckpoint > 0 && gone.length > 0) void checkpoint(gone);
      for (const part of partitions) {
        const key = keyOf(part);
        const h = held.get(key);
        if (h) {
          if (h.epoch.value !== epoch || h.stale) {
            h.stale = false;
            h.epoch.next(epoch);
          }
          continue;
        }
        const fresh: Held = {
          ...part,
          key,
          epoch: new BehaviorSubject(epoch),
          revoked: new ReplaySubject<void>(1),
          last: undefined,
          committed: undefined,
          stale: false,
        };
        held.set(key, fresh);
        flow?.assigned(part.stream, part.partition);
        subscriber.next(new AssignedPartition(part.stream, part.partition, messagesOf(fresh)));
      }
    };

    // Once leaving, the assignment poll only keeps the member alive (it is
    // the member's heartbeat) until the handlers are done: see the teardown.
    let leaving = false;
    const assignments = member.assignments().subscribe({
      next: (a) => {
        if (!leaving) reconcile(a.epoch, a.partitions);
      },
      error: (err: unknown) => {
        if (!leaving) subscriber.error(err);
      },
      complete: () => {
        if (!leaving) subscriber.complete();
      },
    });
    const timer =
      p.autoCheckpoint > 0
        ? interval(p.autoCheckpoint)
            .pipe(exhaustMap(() => defer(() => checkpoint([...held.values()]))))
            .subscribe()
        : undefined;
    const unregister = ctx.live(() => subscriber.error(closedError()));
    const drained = ctx.draining.subscribe(() => subscriber.complete());

    return () => {
      leaving = true;
      unregister();
      drained.unsubscribe();
      // Under flow control the handlers of messages already received finish
      // first; the poll goes on meanwhile, or handlers slower than the
      // group's consumer timeout would see their partitions given away
      // (and the last checkpoint move the new owner's cursor back).
      if (!flow) assignments.unsubscribe();
      timer?.unsubscribe();
      const last = [...held.values()];
      for (const h of last) revoke(h);
      ctx.goodbye(
        p.groupId,
        (async () => {
          if (flow) {
            // Closing gives up the handlers still running (their signals
            // abort); the checkpoint covers the messages handled before.
            let cancel = () => {};
            await new Promise<void>((resolve) => {
              flow.ended(resolve);
              cancel = ctx.onClosing(() => {
                for (const h of last) flow.revoked(h.stream, h.partition);
                resolve();
              });
            });
            cancel();
            assignments.unsubscribe();
          }
          if (p.autoCheckpoint > 0) await checkpoint(last);
          await member.leave();
        })(),
      );
    };
  });
  return joining.pipe(switchMap(() => session));
}
