/**
 * Which written request an ack names, without a Map in the usual case.
 * Acks of one partition come back in the order its requests were written,
 * so the oldest written request still awaited is usually the one named:
 * it is compared first (one string comparison). Only when it is not
 * (partitions interleaving, an ack out of order, a request settled already
 * by a timeout or a cancellation, a refusal of an AckPolicy NONE request)
 * are the requests written so far moved into a Map by id, where that ack
 * and later ones are looked up; requests written afterwards take the
 * in-order path again. In-order acks thus add and delete no Map entry.
 *
 * Settled requests are dropped when they reach the head (or, once in the
 * Map, when settled: see forget()); one whose ack never comes holds the
 * others back only until its deadline settles it.
 */
import { Fifo } from './fifo.js';

export class AckOrder<T extends { readonly id: string; readonly done: boolean }> {
  private readonly sent = new Fifo<T>();
  /** Requests moved out of `sent` by an ack out of order, by id. */
  private readonly byId = new Map<string, T>();

  /** Written requests still remembered (settled ones behind an awaited one included). */
  get length(): number {
    return this.sent.length + this.byId.size;
  }

  /** `entry` was written and awaits its ack. */
  push(entry: T): void {
    this.sent.push(entry);
  }

  /** The awaited request `id` names (it is then forgotten here), else undefined. */
  take(id: string): T | undefined {
    const sent = this.sent;
    while (sent.length > 0) {
      const first = sent.peek();
      if (first.done) {
        sent.shift();
        continue;
      }
      if (first.id !== id) break;
      sent.shift();
      return first;
    }
    const byId = this.byId;
    while (sent.length > 0) {
      const entry = sent.shift();
      if (!entry.done) byId.set(entry.id, entry);
    }
    const entry = byId.get(id);
    if (entry === undefined) return undefined;
    byId.delete(id);
    return entry.done ? undefined : entry;
  }

  /** The awaited request `id` names, left in place (a scan: for rare paths). */
  find(id: string): T | undefined {
    const entry = this.byId.get(id);
    if (entry && !entry.done) return entry;
    for (const e of this.sent.toArray()) if (!e.done && e.id === id) return e;
    return undefined;
  }

  /** `entry` was settled: it is no longer looked up (a no-op unless it was moved to the Map). */
  forget(entry: T): void {
    if (this.byId.size > 0 && this.byId.get(entry.id) === entry) this.byId.delete(entry.id);
  }

  /** Every request remembered and not settled, oldest first for those in order. */
  awaited(): T[] {
    const all: T[] = [];
    for (const e of this.byId.values()) if (!e.done) all.push(e);
    for (const e of this.sent.toArray()) if (!e.done) all.push(e);
    return all;
  }

  /** Forgets every request (the stream they were written to is gone). */
  clear(): void {
    this.sent.clear();
    this.byId.clear();
  }
}
