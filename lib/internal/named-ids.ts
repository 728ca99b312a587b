/**
 * The correlation ids callers named for requests in flight, so a second
 * request with an id still in flight can be refused (acks are matched by
 * id). Insert-only: a settled id is marked, not deleted, and the Map is
 * rebuilt from the live ids once it holds four times as many (at least
 * REBUILD_AT). Deleting from a Map on every ack churns V8's hash table:
 * bulk publishing with named ids ran ~30% slower and 30 MB larger with
 * set/delete per request than with no Map (bench/results/pinned-round3.md).
 * The Map holds small marks, not the requests, so a settled request's
 * bytes are not kept until the rebuild.
 */

/** One named request's place: live until settled. */
export interface NamedMark {
  live: boolean;
}

const REBUILD_AT = 1024;

export class NamedIds {
  private marks = new Map<string, NamedMark>();
  private live = 0;

  /** Whether a request named `id` is in flight. */
  inFlight(id: string): boolean {
    return this.marks.get(id)?.live === true;
  }

  /** `id` is in flight from now on (check inFlight first); settle the mark when it is not. */
  add(id: string): NamedMark {
    const mark: NamedMark = { live: true };
    this.live += 1;
    const marks = this.marks;
    marks.set(id, mark);
    if (marks.size >= REBUILD_AT && marks.size >= 4 * this.live) this.rebuild();
    return mark;
  }

  /** The request of `mark` settled (or was cancelled): its id is free again. */
  settle(mark: NamedMark): void {
    if (!mark.live) return;
    mark.live = false;
    this.live -= 1;
  }

  /** Ids in the Map, settled ones included until the next rebuild (for specs). */
  get size(): number {
    return this.marks.size;
  }

  private rebuild(): void {
    const kept = new Map<string, NamedMark>();
    for (const [id, mark] of this.marks) if (mark.live) kept.set(id, mark);
    this.marks = kept;
  }
}
