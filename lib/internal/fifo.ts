/**
 * A FIFO queue with O(1) push and shift. (Array#shift on a large array is a
 * memmove per call: a queue of 100K waiting requests made mergeMap's buffer
 * quadratic.) A ring buffer: a queue that empties and fills again, as the
 * publish path's queues do for every message, reuses its slots instead of
 * growing a fresh array each time (that was an allocation per message).
 */

/** Slots of a new queue (a power of two, as every size after it). */
const INITIAL = 16;

/** An emptied queue with more slots than this starts again small. */
const SHRINK_ABOVE = 4096;

export class Fifo<T> {
  private items: (T | undefined)[] = new Array(INITIAL);
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    const items = this.items;
    if (this.size === items.length) {
      this.grow();
      this.push(item);
      return;
    }
    items[(this.head + this.size) & (items.length - 1)] = item;
    this.size += 1;
  }

  /** The oldest item, left in place; the queue must not be empty. */
  peek(): T {
    return this.items[this.head] as T;
  }

  /** Removes the oldest item and returns it; the queue must not be empty. */
  shift(): T {
    const items = this.items;
    const item = items[this.head] as T;
    items[this.head] = undefined;
    this.head = (this.head + 1) & (items.length - 1);
    this.size -= 1;
    // A burst's room is given back once the queue is nearly empty again.
    if (this.size === 0) {
      this.head = 0;
      if (items.length > SHRINK_ABOVE) this.items = new Array(INITIAL);
    }
    return item;
  }

  /** The items, oldest first (a copy). */
  toArray(): T[] {
    const items = this.items;
    const out: T[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = items[(this.head + i) & (items.length - 1)] as T;
    return out;
  }

  /** Removes every item. */
  clear(): void {
    this.items = new Array(INITIAL);
    this.head = 0;
    this.size = 0;
  }

  /** Twice the room, the items in order from slot 0. */
  private grow(): void {
    const old = this.items;
    const items: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.size; i++) items[i] = old[(this.head + i) & (old.length - 1)];
    this.items = items;
    this.head = 0;
  }
}
