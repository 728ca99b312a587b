/**
 * The transport's per-partition lanes, in virtual time: each message's
 * handler (what the flow-controlled read waits for) completes once its
 * unit was processed; a partition's units run one at a time, in order,
 * partitions side by side; batches; messages of a revoked partition left out;
 * a failing unit ends everything, or (group mode) only its partition.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { map, mergeMap, type Observable, tap, throwError, timer } from 'rxjs';
import type { Message } from '../../lib/index.js';
import { inLanes } from '../../lib/nestjs/lanes.js';
import { testScheduler } from '../helpers/marbles.js';

/** A message of stream s: `p/o` is partition p, offset o. */
const msg = (name: string): Message => {
  const [p, o] = name.split('/');
  return { stream: 's', partition: Number(p), offset: BigInt(o ?? 0) } as Message;
};
const nameOf = (m: Message) => `${m.partition}/${m.offset}`;

/** Marble values `a`-`f` as messages. */
const values = {
  a: msg('0/0'),
  b: msg('1/0'),
  c: msg('0/1'),
  d: msg('1/1'),
  e: msg('0/2'),
  f: msg('1/2'),
};

describe('nestjs - lanes', () => {
  it('lanes - a partition one unit at a time, partitions side by side; a handler completes when its unit is processed', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const processed: string[] = [];
      const handled: string[] = [];
      const process = (unit: readonly Message[]): Observable<never> =>
        timer(10).pipe(
          map(() => processed.push(unit.map(nameOf).join())),
          mergeMap(() => []),
        );
      // a (0/0) and b (1/0) side by side, done at 10; c (0/1) after a, done at 20.
      const read = inLanes({ batch: undefined, process }, (add) =>
        cold('(abc|)', values).pipe(
          mergeMap((m) => add(m).pipe(tap({ complete: () => handled.push(nameOf(m)) }))),
        ),
      );
      expectObservable(read).toBe('20ms |');
      timer(25).subscribe(() =>
        assert.deepEqual(
          [processed, handled],
          [
            ['0/0', '1/0', '0/1'],
            ['0/0', '1/0', '0/1'],
          ],
        ),
      );
    });
  });

  it('lanes - batches of a partition: up to size, or what arrived within time', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const processed: string[] = [];
      const process = (unit: readonly Message[]): Observable<never> =>
        timer(1).pipe(
          map(() => processed.push(unit.map(nameOf).join(' '))),
          mergeMap(() => []),
        );
      const read = inLanes({ batch: { size: 2, time: 5 }, process }, (add) =>
        cold('(abcde) 9ms |', values).pipe(mergeMap((m) => add(m))),
      );
      expectObservable(read).toBe('16ms |');
      timer(20).subscribe(() => assert.deepEqual(processed.sort(), ['0/0 0/1', '0/2', '1/0 1/1']));
    });
  });

  it('lanes - a unit whose partition was revoked is skipped: not processed, its handler completes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const processed: string[] = [];
      const revoked = new AbortController();
      revoked.abort();
      const process = (unit: readonly Message[]): Observable<never> => {
        processed.push(unit.map(nameOf).join());
        return timer(1).pipe(mergeMap(() => []));
      };
      const read = inLanes({ batch: undefined, process }, (add) =>
        cold('ab|', values).pipe(
          mergeMap((m) => add(m, m.partition === 1 ? revoked.signal : undefined)),
        ),
      );
      expectObservable(read).toBe('--|');
      timer(5).subscribe(() => assert.deepEqual(processed, ['0/0']));
    });
  });

  it('lanes - a batch holding messages of a revoked assignment and of a new one (the partition came back): only the revoked are left out; every handler completes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const processed: string[] = [];
      const handled: string[] = [];
      const before = new AbortController();
      before.abort(); // the first assignment of partition 0 was revoked
      const process = (unit: readonly Message[]): Observable<never> => {
        processed.push(unit.map(nameOf).join());
        return timer(1).pipe(mergeMap(() => []));
      };
      const read = inLanes({ batch: { size: 3, time: 100 }, process }, (add) =>
        cold('ace|', values).pipe(
          mergeMap((m) =>
            add(m, m.offset < 2n ? before.signal : undefined).pipe(
              tap({ complete: () => handled.push(nameOf(m)) }),
            ),
          ),
        ),
      );
      expectObservable(read).toBe('---|');
      timer(10).subscribe(() => {
        assert.deepEqual(processed, ['0/2']);
        assert.deepEqual(handled, ['0/0', '0/1', '0/2']);
      });
    });
  });

  it('lanes - a failing unit ends everything with its error (cursor and plain modes)', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const boom = new Error('boom');
      const source = cold('a-b-c', values);
      const read = inLanes(
        {
          batch: undefined,
          process: (unit) =>
            unit[0]?.offset === 1n ? throwError(() => boom) : timer(0).pipe(mergeMap(() => [])),
        },
        (add) => source.pipe(mergeMap((m) => add(m))),
      );
      expectObservable(read).toBe('----#', undefined, boom);
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('lanes - with failed(): a failing unit stops its partition only (its later messages skipped, their handlers complete), the others go on', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const processed: string[] = [];
      const failures: string[] = [];
      const handled: string[] = [];
      const read = inLanes(
        {
          batch: undefined,
          process: (unit) => {
            const m = unit[0] as Message;
            if (nameOf(m) === '0/1') return throwError(() => new Error('boom'));
            processed.push(nameOf(m));
            return timer(1).pipe(mergeMap(() => []));
          },
          failed: (err, m) => failures.push(`${nameOf(m)} ${(err as Error).message}`),
        },
        (add) =>
          cold('abcdef|', values).pipe(
            mergeMap((m) => add(m).pipe(tap({ complete: () => handled.push(nameOf(m)) }))),
          ),
      );
      expectObservable(read).toBe('------|');
      timer(10).subscribe(() => {
        assert.deepEqual(processed, ['0/0', '1/0', '1/1', '1/2']);
        assert.deepEqual(failures, ['0/1 boom']);
        assert.deepEqual(handled.sort(), ['0/0', '0/1', '0/2', '1/0', '1/1', '1/2']);
      });
    });
  });
});
