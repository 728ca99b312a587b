/** resolveInOrder: plain values pass through, promised ones keep their place. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat, from, lastValueFrom, Subject, tap, throwError, toArray } from 'rxjs';
import { resolveInOrder } from '../../lib/internal/resolve-in-order.js';

const later = <T>(value: T, ms: number) => new Promise<T>((r) => setTimeout(() => r(value), ms));

describe('resolveInOrder', () => {
  it('resolveInOrder - keeps the source order around slow promises', async () => {
    const out = await lastValueFrom(
      from([1, later(2, 30), 3, later(4, 5), 5]).pipe(resolveInOrder(), toArray()),
    );
    assert.deepEqual(out, [1, 2, 3, 4, 5]);
  });

  it('resolveInOrder - plain values are emitted synchronously', () => {
    const seen: number[] = [];
    const source = new Subject<number>();
    source.pipe(resolveInOrder()).subscribe((v) => seen.push(v));
    source.next(1);
    assert.deepEqual(seen, [1]);
  });

  it('resolveInOrder - a source error waits for the values before it', async () => {
    const seen: number[] = [];
    const source = concat(
      from([1, later(2, 20)]),
      throwError(() => new Error('end')),
    );
    await assert.rejects(
      lastValueFrom(
        source.pipe(
          resolveInOrder<number>(),
          tap((v) => seen.push(v)),
        ),
      ),
      /end/,
    );
    assert.deepEqual(seen, [1, 2]);
  });

  it('resolveInOrder - a rejected promise errors the output', async () => {
    await assert.rejects(
      lastValueFrom(
        from([1, Promise.reject<number>(new Error('bad'))]).pipe(resolveInOrder<number>()),
      ),
      /bad/,
    );
  });
});
