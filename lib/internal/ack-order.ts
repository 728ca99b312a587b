/**
 * Which written request an ack names, without a Map lookup in the usual case.
 * Acks of one partition come back in the order its requests were written,
 * so the oldest written request still awaited is usually the one named:
 * it is compared first (one string comparison), and the caller falls back
 * to its correlation-id Map only when it is not (partitions interleaving,
 * an ack out of order, a request settled already by a timeout or a
 * cancellation, a refusal of an AckPolicy NONE request).
 *
 * Settled requests are dropped when they reach the head; one whose ack
 * never comes holds the others back only until its deadline settles it.
 */
import { Fifo } from './fifo.js';

export class AckOrder<T extends { readonly id: string; readonly done: boolean }> {
  private readonly sent = new Fifo<T>();

  /** Written requests still remembered (settled ones behind an awaited one included). */
  get length(): number {
    return this.sent.length;
  }

  /** `entry` was written and awaits its ack. */
  push(entry: T): void {
    this.sent.push(entry);
  }

  /** The oldest awaited request if `id` names it (it is then forgotten here), else undefined. */
  take(id: string): T | undefined {
    const sent = this.sent;
    while (sent.length > 0) {
      const first = sent.peek();
      if (first.done) {
        sent.shift();
        continue;
      }
      if (first.id !== id) return undefined;
      sent.shift();
      return first;
    }
    return undefined;
  }

  /** Forgets every request (the stream they were written to is gone). */
  clear(): void {
    this.sent.clear();
  }
}
