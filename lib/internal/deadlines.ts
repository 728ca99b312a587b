/**
 * Ack deadlines for many requests with one timer. Requests with the same
 * wait expire in the order they were added, so each wait gets a FIFO and a
 * single RxJS-scheduled action fires at the earliest deadline (virtual
 * time in marble specs). Items settled before their deadline are dropped
 * lazily, when they reach the head of their queue.
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { Fifo } from './fifo.js';

export interface Expirable {
  /** True once settled: its deadline no longer matters. */
  readonly done: boolean;
}

/** One wait's deadlines: items and their times side by side (no object per item). */
interface Queue<T> {
  items: Fifo<T>;
  /** Deadlines, as ms after `epoch` (small integers: no number object each). */
  ats: Fifo<number>;
}

export class Deadlines<T extends Expirable> {
  private readonly queues = new Map<number, Queue<T>>();
  private readonly epoch: number;
  private action: Subscription | undefined;
  private actionAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly expire: (item: T, waitMs: number) => void,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.epoch = scheduler.now();
  }

  /** Calls `expire(item)` in `waitMs` unless the item is done by then. */
  add(item: T, waitMs: number): void {
    let queue = this.queues.get(waitMs);
    if (!queue) {
      queue = { items: new Fifo(), ats: new Fifo() };
      this.queues.set(waitMs, queue);
    }
    const { items, ats } = queue;
    // Acks mostly come in order: drop settled heads now, so the queue holds
    // about what is in flight, not everything of the last `waitMs`.
    while (items.length > 0 && items.peek().done) {
      items.shift();
      ats.shift();
    }
    const at = this.scheduler.now() + waitMs;
    items.push(item);
    ats.push(at - this.epoch);
    if (at < this.actionAt) this.arm(at);
  }

  /** Forgets every deadline. */
  clear(): void {
    this.action?.unsubscribe();
    this.action = undefined;
    this.actionAt = Number.POSITIVE_INFINITY;
    this.queues.clear();
  }

  private arm(at: number): void {
    this.action?.unsubscribe();
    this.actionAt = at;
    this.action = this.scheduler.schedule(
      () => this.fire(),
      Math.max(0, at - this.scheduler.now()),
    );
  }

  private fire(): void {
    this.action = undefined;
    this.actionAt = Number.POSITIVE_INFINITY;
    const now = this.scheduler.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [waitMs, { items, ats }] of this.queues) {
      while (items.length > 0) {
        const item = items.peek();
        const at = ats.peek() + this.epoch;
        if (!item.done && at > now) {
          next = Math.min(next, at);
          break;
        }
        items.shift();
        ats.shift();
        if (!item.done) this.expire(item, waitMs);
      }
      if (items.length === 0) this.queues.delete(waitMs);
    }
    if (next < this.actionAt) this.arm(next);
  }
}
