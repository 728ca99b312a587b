/**
 * mergeIterables (the SSE endpoint's partitions): values as they come, each
 * source in order and pulled only once its last value is taken; an error
 * returns the other sources; return() returns every source and settles a
 * pending pull.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeIterables } from '../../lib/sse/merge-iterables.js';

/** A source the spec feeds by hand, recording its pulls and whether it was returned. */
class HandSource implements AsyncIterable<number>, AsyncIterator<number> {
  pulls = 0;
  returned = false;
  private waiting: ((r: IteratorResult<number>) => void) | undefined;
  private failing: ((e: unknown) => void) | undefined;
  [Symbol.asyncIterator](): AsyncIterator<number> {
    return this;
  }
  next(): Promise<IteratorResult<number>> {
    this.pulls++;
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failing = reject;
    });
  }
  return(): Promise<IteratorResult<number>> {
    this.returned = true;
    this.waiting?.({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }
  give(value: number): void {
    this.waiting?.({ value, done: false });
  }
  end(): void {
    this.waiting?.({ value: undefined, done: true });
  }
  fail(error: unknown): void {
    this.failing?.(error);
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('mergeIterables', () => {
  it('mergeIterables - values as they come; a source is pulled again only once its value is taken; done when every source is', async () => {
    const a = new HandSource();
    const b = new HandSource();
    const it = mergeIterables([a, b])[Symbol.asyncIterator]();
    const first = it.next();
    await tick();
    assert.deepEqual([a.pulls, b.pulls], [1, 1], 'one pull each');
    b.give(10);
    assert.deepEqual(await first, { value: 10, done: false });
    assert.deepEqual([a.pulls, b.pulls], [1, 2]);
    a.give(1);
    await tick();
    assert.deepEqual([a.pulls, b.pulls], [1, 2], 'a waits for the reader: not pulled again');
    assert.deepEqual(await it.next(), { value: 1, done: false });
    assert.equal(a.pulls, 2);
    a.end();
    b.give(11);
    assert.deepEqual(await it.next(), { value: 11, done: false });
    const last = it.next();
    b.end();
    assert.deepEqual(await last, { value: undefined, done: true });
  });

  it('mergeIterables - an error ends the merge: thrown from next(), the other sources returned', async () => {
    const a = new HandSource();
    const b = new HandSource();
    const it = mergeIterables([a, b])[Symbol.asyncIterator]();
    const pending = it.next();
    await tick();
    a.fail(new Error('boom'));
    await assert.rejects(pending, /boom/);
    assert.equal(b.returned, true);
  });

  it('mergeIterables - return() returns every source and settles a pending next() as done', async () => {
    const a = new HandSource();
    const b = new HandSource();
    const it = mergeIterables([a, b])[Symbol.asyncIterator]();
    const pending = it.next();
    await tick();
    await it.return?.();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.deepEqual([a.returned, b.returned], [true, true]);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });
});
