/**
 * One partition of the fake client, in memory: the stored messages in
 * offset order, and readers that replay from a start position and then
 * follow appends until their stop position.
 */
import { asyncScheduler, Observable, Subject } from 'rxjs';
import {
  type AckPolicy,
  ErrorCode,
  LiftbridgeError,
  type Message,
  StartPosition,
  StopPosition,
} from '../index.js';

/** A message to store, as given to the fake's `emit` (only `value` is required). */
export interface MessageInit {
  /** Message value. */
  value: Uint8Array | string;
  /** Message key; default empty. */
  key?: Uint8Array | string;
  /** Headers; default none. */
  headers?: Readonly<Record<string, Uint8Array | string>>;
  /** Receive time in nanoseconds since the epoch; default the scheduler's now. */
  timestamp?: bigint;
  /** Correlation id; default empty. */
  correlationId?: string;
}

/** Where a reader starts and stops, resolved (cursor already looked up). */
interface ReadPlan {
  start: StartPosition;
  startOffset: bigint;
  startTimestamp: bigint;
  stop: StopPosition;
  stopOffset: bigint;
  stopTimestamp: bigint;
}

const encoder = new TextEncoder();
const asBytes = (v: Uint8Array | string | undefined): Uint8Array =>
  v === undefined ? new Uint8Array(0) : typeof v === 'string' ? encoder.encode(v) : v;

/** The scheduler's clock in nanoseconds (virtual under TestScheduler.run). */
export const nowNanos = (): bigint => BigInt(asyncScheduler.now()) * 1_000_000n;

export class PartitionLog {
  readonly messages: Message[] = [];
  paused = false;
  readonly = false;
  private readonly appended = new Subject<void>();
  private readonly failures = new Subject<LiftbridgeError>();

  constructor(
    readonly stream: string,
    readonly partition: number,
    readonly subject: string,
  ) {}

  /** Offset of the newest message, -1n when empty. */
  get newestOffset(): bigint {
    return BigInt(this.messages.length - 1);
  }

  /** Stores a message at the next offset and wakes the readers. */
  append(init: MessageInit, ackPolicy: AckPolicy = 'LEADER'): Message {
    const headers = new Map<string, Uint8Array>();
    for (const [name, value] of Object.entries(init.headers ?? {}))
      headers.set(name, asBytes(value));
    const message: Message = {
      stream: this.stream,
      partition: this.partition,
      offset: BigInt(this.messages.length),
      timestamp: init.timestamp ?? nowNanos(),
      key: asBytes(init.key),
      value: asBytes(init.value),
      subject: this.subject,
      replySubject: '',
      headers,
      correlationId: init.correlationId ?? '',
      ackInbox: '',
      ackPolicy,
    };
    this.messages.push(message);
    this.appended.next();
    return message;
  }

  /** Ends every live reader of this partition with `error`. */
  fail(error: LiftbridgeError): void {
    this.failures.next(error);
  }

  /**
   * Replays from the plan's start, then follows appends; completes at its
   * stop. While `paused` says true nothing is delivered (the replay waits
   * where it is); false goes on.
   */
  read(plan: ReadPlan, paused: Observable<boolean>): Observable<Message> {
    return new Observable<Message>((subscriber) => {
      let next = this.firstIndex(plan);
      const last =
        plan.stop === StopPosition.OFFSET
          ? plan.stopOffset
          : plan.stop === StopPosition.LATEST
            ? this.newestOffset
            : undefined;
      let pumping = false;
      let stopped = false;
      const pump = () => {
        if (pumping || stopped) return;
        pumping = true;
        try {
          while (!subscriber.closed && !stopped) {
            if (last !== undefined && BigInt(next) > last) {
              subscriber.complete();
              return;
            }
            const message = this.messages[next];
            if (message === undefined) return;
            if (plan.stop === StopPosition.TIMESTAMP && message.timestamp > plan.stopTimestamp) {
              subscriber.complete();
              return;
            }
            next += 1;
            subscriber.next(message);
          }
        } finally {
          pumping = false;
        }
      };
      const woken = this.appended.subscribe(pump);
      woken.add(this.failures.subscribe((err) => subscriber.error(err)));
      woken.add(
        paused.subscribe((p) => {
          stopped = p;
          pump();
        }),
      );
      pump();
      return woken;
    });
  }

  private firstIndex(plan: ReadPlan): number {
    const size = this.messages.length;
    switch (plan.start) {
      case StartPosition.EARLIEST:
        return 0;
      case StartPosition.LATEST:
        return Math.max(0, size - 1);
      case StartPosition.OFFSET:
        return Number(plan.startOffset < 0n ? 0n : plan.startOffset);
      case StartPosition.TIMESTAMP: {
        const at = this.messages.findIndex((m) => m.timestamp >= plan.startTimestamp);
        return at === -1 ? size : at;
      }
      default:
        return size;
    }
  }
}

/** The error a reader of a missing partition gets. */
export function noPartition(stream: string, partition: number): LiftbridgeError {
  return new LiftbridgeError(
    ErrorCode.NotFound,
    `no partition ${partition} of stream "${stream}" (fake client)`,
  );
}
