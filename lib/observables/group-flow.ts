/**
 * Flow control for consumer groups: the messages of every partition
 * assigned to a member go to a handler under one prefetch bound (the
 * assigned partitions' calls are paused while the member is behind), and
 * the group's checkpoints cover only the messages whose handler completed.
 * The membership itself is consumer-group.ts's; this module tells it where
 * to pause and what was handled.
 */
import {
  defer,
  EMPTY,
  finalize,
  from,
  map,
  mergeMap,
  type Observable,
  type ObservableInput,
  tap,
} from 'rxjs';
import { Fifo } from '../internal/fifo.js';
import type { WaterMarks } from '../plans/flow.js';
import type { AssignedPartition, GroupMessage } from './consumer-group.js';
import { consumeWithFlowControl, type FlowLifecycle } from './flow-control.js';

/**
 * What a flow-controlled consumer group tells its membership (the client's
 * consumer group, or a test double's): made by
 * {@link consumeGroupWithFlowControl} and handed to the function that
 * joins the group.
 *
 * @example
 * ```ts
 * consumeGroupWithFlowControl((flow: GroupFlow) => joinMyGroup(flow), handle, plan);
 * ```
 */
export interface GroupFlow {
  /** Read every assigned partition's subscription only while this says false (see {@link PausableSource}). */
  readonly paused: Observable<boolean>;
  /** Call when a partition is assigned to this member, before its messages arrive. */
  assigned(stream: string, partition: number): void;
  /**
   * Call when a partition is assigned elsewhere: its messages whose handler
   * has not started are skipped, and the signal handed to running ones aborts.
   */
  revoked(stream: string, partition: number): void;
  /**
   * The offset to checkpoint for a partition: the last of the messages
   * received whose handlers have all completed, in offset order (undefined
   * when none has).
   */
  handled(stream: string, partition: number): bigint | undefined;
  /**
   * Calls `callback` once the handlers are over (the consumer completed,
   * failed or was unsubscribed), synchronously if they are: a final
   * checkpoint waits for it.
   */
  ended(callback: () => void): void;
}

/** One received message of a partition and whether its handler completed. */
interface Received {
  readonly offset: bigint;
  done: boolean;
}

/** A partition while assigned: its abort signal and the handled prefix of its offsets. */
class PartitionTrack {
  readonly revoked = new AbortController();
  private readonly pending = new Fifo<Received>();
  /** The last offset up to which every received message is handled. */
  handled: bigint | undefined;

  receive(offset: bigint): Received {
    const received = { offset, done: false };
    this.pending.push(received);
    return received;
  }

  finish(received: Received): void {
    received.done = true;
    while (this.pending.length > 0 && this.pending.peek().done)
      this.handled = this.pending.shift().offset;
  }
}

interface Delivery {
  readonly message: GroupMessage;
  readonly track: PartitionTrack;
  readonly received: Received;
}

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

const keyOf = (stream: string, partition: number) => `${stream}\u0000${partition}`;

/**
 * A consumer group read into `handler` with flow control: each message of
 * the partitions `join` emits goes to `handler` (`concurrency` at a time,
 * as `mergeMap` does) with an AbortSignal that aborts when its partition is
 * assigned elsewhere; the partitions' calls are paused while `marks.high`
 * messages are received and not yet handled, until `marks.low` are.
 * Messages of a partition assigned elsewhere whose handler has not started
 * are skipped (the new assignee reads them after the checkpoint). Emits
 * what the handlers emit; a handler's error ends it. When `lifecycle`
 * drains, the partitions are unsubscribed, the messages already received
 * are handled, then it completes. For implementations of
 * {@link LiftbridgeClientApi.consumeGroup}.
 *
 * @param join - joins the group with the given {@link GroupFlow}: the partitions assigned to this member.
 * @param handler - called per message; its Observable, Promise or value is its result.
 * @param plan - the water marks and concurrency (see {@link planConsumeGroup}).
 * @param lifecycle - the client's drain signal (optional).
 * @returns a cold Observable of the handlers' results.
 * @example
 * ```ts
 * const plan = planConsumeGroup('billing', 'jobs', bill, { prefetch: 10 });
 * consumeGroupWithFlowControl((flow) => joinMyGroup(flow), (m) => bill(m), plan).subscribe();
 * ```
 */
export function consumeGroupWithFlowControl<R>(
  join: (flow: GroupFlow) => Observable<AssignedPartition>,
  handler: (message: GroupMessage, revoked: AbortSignal) => ObservableInput<R>,
  plan: { marks: WaterMarks; concurrency: number },
  lifecycle: FlowLifecycle = {},
): Observable<R> {
  return defer(() => {
    const tracks = new Map<string, PartitionTrack>();
    let over = false;
    const waiting: Array<() => void> = [];
    const trackOf = (stream: string, partition: number): PartitionTrack => {
      const key = keyOf(stream, partition);
      let track = tracks.get(key);
      if (!track) {
        track = new PartitionTrack();
        tracks.set(key, track);
      }
      return track;
    };
    const flowOf = (paused: Observable<boolean>): GroupFlow => ({
      paused,
      assigned: (stream, partition) => {
        tracks.delete(keyOf(stream, partition));
        trackOf(stream, partition);
      },
      revoked: (stream, partition) => tracks.get(keyOf(stream, partition))?.revoked.abort(),
      handled: (stream, partition) => tracks.get(keyOf(stream, partition))?.handled,
      ended: (callback) => {
        if (over) callback();
        else waiting.push(callback);
      },
    });
    const deliveries = (paused: Observable<boolean>): Observable<Delivery> =>
      join(flowOf(paused)).pipe(
        mergeMap((assigned) => {
          const track = trackOf(assigned.stream, assigned.partition);
          return assigned.pipe(
            map((message) => ({ message, track, received: track.receive(message.offset) })),
          );
        }),
      );
    const handle = ({ message, track, received }: Delivery): ObservableInput<R> => {
      const signal = track.revoked.signal;
      if (signal.aborted) return EMPTY;
      const finish = () => track.finish(received);
      return defer(() => {
        const result = handler(message, signal);
        // Handled: a Promise resolved, an array given, another result completed
        // (so a take(n) downstream of the n-th result does not undo it).
        if (isPromiseLike(result))
          return from(
            Promise.resolve(result).then((value) => {
              finish();
              return value;
            }),
          );
        if (Array.isArray(result)) {
          finish();
          return from(result);
        }
        return from(result).pipe(tap({ complete: finish }));
      });
    };
    return consumeWithFlowControl(deliveries, handle, plan, lifecycle).pipe(
      finalize(() => {
        over = true;
        for (const callback of waiting.splice(0)) callback();
      }),
    );
  });
}
