/**
 * Several pull sources as one, for the SSE endpoint's partitions (each read
 * by its own flow-controlled `messages()`, from its own offset).
 */

type Ready<T> = { from: AsyncIterator<T>; value: T };

/**
 * The values of `sources` as they come, each source's in its order. At most
 * one `next()` is outstanding per source, and one value per source waits
 * for the reader: a source is pulled again only once its last value has
 * been taken, so every source keeps its own flow control. The first error
 * of a source ends the merge (the others are returned, which cancels a
 * `messages()` call) and is thrown from `next()`. `return()` returns every
 * source and settles a pending `next()` as done.
 *
 * @param sources - the sources (each iterated once).
 * @returns one AsyncIterable; each iteration opens every source anew.
 * @example
 * ```ts
 * for await (const m of mergeIterables([client.messages('s', { partition: 0 }), client.messages('s', { partition: 1 })])) write(m);
 * ```
 */
export function mergeIterables<T>(sources: readonly AsyncIterable<T>[]): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => new MergedIterator(sources) };
}

class MergedIterator<T> implements AsyncIterator<T> {
  private readonly iterators: AsyncIterator<T>[];
  private readonly ready: Ready<T>[] = [];
  private live: number;
  private started = false;
  private failed: { error: unknown } | undefined;
  private finished = false;
  private waiting: (() => void) | undefined;

  constructor(sources: readonly AsyncIterable<T>[]) {
    this.iterators = sources.map((s) => s[Symbol.asyncIterator]());
    this.live = this.iterators.length;
  }

  async next(): Promise<IteratorResult<T>> {
    if (!this.started) {
      this.started = true;
      for (const it of this.iterators) this.pull(it);
    }
    for (;;) {
      if (this.finished) return { value: undefined, done: true };
      if (this.failed) {
        const { error } = this.failed;
        await this.return();
        throw error;
      }
      const item = this.ready.shift();
      if (item) {
        this.pull(item.from);
        return { value: item.value, done: false };
      }
      if (this.live === 0) return this.return();
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<T>> {
    if (!this.finished) {
      this.finished = true;
      this.ready.length = 0;
      this.wake();
      await Promise.allSettled(this.iterators.map((it) => it.return?.()));
    }
    return { value: undefined, done: true };
  }

  private pull(from: AsyncIterator<T>): void {
    from.next().then(
      (result) => {
        if (this.finished) return;
        if (result.done) this.live -= 1;
        else this.ready.push({ from, value: result.value });
        this.wake();
      },
      (error: unknown) => {
        if (this.finished) return;
        this.failed ??= { error };
        this.wake();
      },
    );
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
