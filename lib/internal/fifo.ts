/**
 * A FIFO queue with O(1) amortised push and shift. (Array#shift on a large
 * array is a memmove per call: a queue of 100K waiting requests made
 * mergeMap's buffer quadratic.)
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, left in place; the queue must not be empty. */
  peek(): T {
    return this.items[this.head] as T;
  }

  /** Removes the oldest item and returns it; the queue must not be empty. */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes every item. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
