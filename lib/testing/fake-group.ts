/**
 * Consumer groups in the fake client: no coordinator and no rebalancing.
 * The first live member of a group is assigned every partition of its
 * streams (a later member of the same group gets none until it leaves);
 * partitions start after the group's checkpoint (the same cursor id as the
 * real client's) or at `autoOffset`, and checkpoints follow the real
 * client's rules: every `autoCheckpoint` ms on the RxJS clock, and on
 * unsubscribe.
 */
import {
  concat,
  defer,
  EMPTY,
  from,
  interval,
  map,
  NEVER,
  Observable,
  switchMap,
  takeUntil,
  tap,
  throwError,
} from 'rxjs';
import {
  AssignedPartition,
  type AutoOffset,
  type ConsumerGroupPlan,
  ErrorCode,
  type GroupFlow,
  type GroupMessage,
  groupCursorId,
  LiftbridgeError,
  type Message,
  type PausableSource,
  StartPosition,
  type SubscribeOptions,
} from '../index.js';
import { NOT_PAUSED } from './fake-reads.js';

/** What a fake group needs from the fake client. */
interface FakeGroupHost {
  /** Partition counts of the named streams; NOT_FOUND for a missing one. */
  partitionCounts(streams: readonly string[]): Map<string, number>;
  /** A partition's replay, stopping while told to pause. */
  source(stream: string, options: SubscribeOptions): PausableSource<Message>;
  /** Emits when the client starts draining: the member completes (checkpointing as on unsubscribe). */
  draining: Observable<unknown>;
  cursor(stream: string, partition: number, cursorId: string): bigint;
  storeCursor(stream: string, partition: number, cursorId: string, offset: bigint): void;
}

/** Live groups of one fake client: group id -> epoch of its current member. */
export class FakeGroups {
  private readonly members = new Map<string, { consumerId: string; epoch: bigint }>();
  private epochs = 0n;

  constructor(private readonly host: FakeGroupHost) {}

  /** The group's current member and epoch; undefined when nobody is in it. */
  info(groupId: string): { consumerId: string; epoch: bigint } | undefined {
    return this.members.get(groupId);
  }

  /**
   * A member joining by `plan` (see planConsumerGroup): its partitions, or
   * none while another member is in. With `flow` (consumeGroup), the
   * partitions pause as it says and checkpoints cover what it handled; the
   * last checkpoint waits for the handlers to end.
   */
  partitions(plan: ConsumerGroupPlan, flow?: GroupFlow): Observable<AssignedPartition> {
    const { groupId: id, streams: names, consumerId, autoCheckpoint: every } = plan;
    return defer(() => {
      const counts = this.host.partitionCounts(names);
      if (this.members.has(id)) return NEVER;
      this.epochs += 1n;
      const epoch = this.epochs;
      this.members.set(id, { consumerId, epoch });
      const delivered = new Map<string, { stream: string; partition: number; offset: bigint }>();
      const checkpoint = () => {
        for (const d of delivered.values()) {
          const offset = flow ? flow.handled(d.stream, d.partition) : d.offset;
          if (offset !== undefined)
            this.host.storeCursor(d.stream, d.partition, groupCursorId(id), offset);
        }
      };
      const assigned: AssignedPartition[] = [];
      for (const [stream, count] of counts)
        for (let partition = 0; partition < count; partition++) {
          flow?.assigned(stream, partition);
          assigned.push(
            new AssignedPartition(
              stream,
              partition,
              this.read(id, stream, partition, plan.autoOffset, flow?.paused).pipe(
                map((m): GroupMessage => ({ ...m, groupEpoch: epoch })),
                tap((m) =>
                  delivered.set(`${stream}/${partition}`, { stream, partition, offset: m.offset }),
                ),
              ),
            ),
          );
        }
      const checkpoints =
        every > 0
          ? interval(every).pipe(
              tap(checkpoint),
              switchMap(() => EMPTY),
            )
          : NEVER;
      return new Observable<AssignedPartition>((subscriber) => {
        const sub = concat(from(assigned), checkpoints)
          .pipe(takeUntil(this.host.draining))
          .subscribe(subscriber);
        return () => {
          sub.unsubscribe();
          if (flow) flow.ended(checkpoint);
          else checkpoint();
          if (this.members.get(id)?.epoch === epoch) this.members.delete(id);
        };
      });
    });
  }

  private read(
    groupId: string,
    stream: string,
    partition: number,
    autoOffset: AutoOffset,
    paused: Observable<boolean> = NOT_PAUSED,
  ): Observable<Message> {
    const from = (options: SubscribeOptions) => this.host.source(stream, options)(paused);
    return defer(() => {
      const saved = this.host.cursor(stream, partition, groupCursorId(groupId));
      if (saved >= 0n)
        return from({ partition, startPosition: StartPosition.OFFSET, startOffset: saved + 1n });
      switch (autoOffset) {
        case 'earliest':
          return from({ partition, startPosition: StartPosition.EARLIEST });
        case 'latest':
          return from({ partition, startPosition: StartPosition.LATEST });
        case 'newOnly':
          return from({ partition, startPosition: StartPosition.NEW_ONLY });
        default:
          return throwError(
            () =>
              new LiftbridgeError(
                ErrorCode.NotFound,
                `group "${groupId}" has no checkpoint for ${stream}/${partition} and autoOffset is 'none'`,
              ),
          );
      }
    });
  }
}
