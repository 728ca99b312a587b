/**
 * The credit logic of the flow-controlled forms (messages(), consume()):
 * Credit's pause signal, consume's prefetch bound in virtual time, the
 * iterator over a pausable source, and subscribe's plumbing of the pause
 * signal to each call (after its handshake). No server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defer,
  EMPTY,
  interval,
  map,
  NEVER,
  Observable,
  of,
  Subject,
  switchMap,
  take,
  tap,
  throwError,
  timer,
} from 'rxjs';
import {
  consumeWithFlowControl,
  DrainState,
  ErrorCode,
  iterateWithFlowControl,
  LiftbridgeError,
  type PausableSource,
  planConsume,
  planMessages,
} from '../../lib/index.js';
import type { DecodedMessage } from '../../lib/internal/grpc/message-codec.js';
import { Credit, flowProbe } from '../../lib/observables/flow-control.js';
import { subscribeMessages } from '../../lib/observables/subscribe.js';
import { testScheduler } from '../helpers/marbles.js';

/** A source of `count` numbers, one per frame while not paused (as a paused call stops delivering). */
function ticking(
  count: number,
  log: [number, boolean][],
  now: () => number,
): PausableSource<number> {
  return (paused) =>
    defer(() => {
      let next = 0;
      return paused.pipe(
        tap((p) => log.push([now(), p])),
        switchMap((p) => (p ? EMPTY : interval(1))),
        map(() => next++),
        take(count),
      );
    });
}

/** A source of `count` numbers delivered synchronously while not paused (as the fake's replay). */
function replay(count: number, events: string[]): PausableSource<number> {
  return (paused) =>
    new Observable<number>((subscriber) => {
      events.push('subscribed');
      let next = 0;
      let stopped = false;
      const gate = paused.subscribe((p) => {
        stopped = p;
        while (!stopped && !subscriber.closed && next < count) subscriber.next(next++);
        if (next === count) subscriber.complete();
      });
      return () => {
        events.push('unsubscribed');
        gate.unsubscribe();
      };
    });
}

function captureCredits(): { credits: Credit[]; stop: () => void } {
  const credits: Credit[] = [];
  flowProbe.created = (c) => credits.push(c);
  return { credits, stop: () => (flowProbe.created = undefined) };
}

describe('flow control', () => {
  it('Credit - pauses at the high water mark, resumes at the low one', () => {
    const credit = new Credit({ high: 3, low: 1 });
    const seen: boolean[] = [];
    credit.paused.subscribe((p) => seen.push(p));
    credit.take();
    credit.take();
    credit.take(); // 3: pause
    credit.take(); // 4: still paused
    credit.release();
    credit.release(); // 2: still paused
    credit.release(); // 1: resume
    credit.take();
    credit.take(); // 3: pause again
    assert.deepEqual(seen, [false, true, false, true]);
    assert.equal(credit.peak, 4);
    assert.equal(credit.outstanding, 3);
  });

  it('planMessages / planConsume - defaults, and bad marks throw INVALID_ARGUMENT', () => {
    assert.deepEqual(planMessages({}).marks, { high: 256, low: 64 });
    assert.deepEqual(planMessages({ highWaterMark: 10, partition: 'all' }), {
      subscribe: { partition: 'all' },
      marks: { high: 10, low: 2 },
    });
    const consume = planConsume(() => EMPTY, { prefetch: 9 });
    assert.deepEqual([consume.marks, consume.concurrency], [{ high: 9, low: 4 }, 1]);
    const invalid = (f: () => unknown) =>
      assert.throws(
        f,
        (e: unknown) => e instanceof LiftbridgeError && e.code === ErrorCode.InvalidArgument,
      );
    invalid(() => planMessages({ highWaterMark: 0 }));
    invalid(() => planMessages({ highWaterMark: 10, lowWaterMark: 10 }));
    invalid(() => planMessages({ lowWaterMark: -1 }));
    invalid(() => planConsume(() => EMPTY, { prefetch: 1.5 }));
    invalid(() => planConsume(() => EMPTY, { concurrency: 0 }));
    invalid(() => planConsume('handler' as unknown as () => Observable<void>));
  });

  it('consume - prefetch 4, one 10 ms handler at a time: paused at 4 unhandled, read again at 2', () => {
    const { credits, stop } = captureCredits();
    try {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable, flush }) => {
        const log: [number, boolean][] = [];
        const out = consumeWithFlowControl(
          ticking(6, log, () => scheduler.now()),
          (n) => timer(10).pipe(map(() => n)),
          planConsume(() => EMPTY, { prefetch: 4 }),
        );
        // Messages at 1, 2, 3, 4 (paused: 4 unhandled); handled at 11, 21
        // (2 left: read again), messages at 22, 23 (paused; the source is
        // done), the rest handled.
        expectObservable(out).toBe('11ms a 9ms b 9ms c 9ms d 9ms e 9ms (f|)', {
          a: 0,
          b: 1,
          c: 2,
          d: 3,
          e: 4,
          f: 5,
        });
        flush();
        assert.deepEqual(log, [
          [0, false],
          [4, true],
          [21, false],
          [23, true],
        ]);
      });
      assert.equal(credits.length, 1);
      assert.equal(credits[0]?.peak, 4, 'never more than prefetch unhandled');
    } finally {
      stop();
    }
  });

  it('consume - concurrency 2 runs two handlers at once, the bound still holds', () => {
    const { credits, stop } = captureCredits();
    try {
      testScheduler().run(({ expectObservable }) => {
        const out = consumeWithFlowControl(
          ticking(4, [], () => 0),
          (n) => timer(10).pipe(map(() => n)),
          planConsume(() => EMPTY, { prefetch: 2, concurrency: 2 }),
        );
        // 0 and 1 at 1 and 2 (paused), handled at 11 and 12; 2 and 3 at 13 and 14.
        expectObservable(out).toBe('11ms ab 9ms c(d|)', { a: 0, b: 1, c: 2, d: 3 });
      });
      assert.equal(credits[0]?.peak, 2);
    } finally {
      stop();
    }
  });

  it('consume - a handler error ends it with that error and unsubscribes the source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('abc');
      const boom = new LiftbridgeError(ErrorCode.Internal, 'boom');
      const out = consumeWithFlowControl(
        () => source,
        (v) => (v === 'b' ? timer(1).pipe(switchMap(() => throwError(() => boom))) : of(v)),
        planConsume(() => EMPTY, {}),
      );
      expectObservable(out).toBe('a-#', undefined, boom);
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('consume - on drain: stops pulling, the messages received are handled, then it completes', () => {
    testScheduler().run(({ cold, expectObservable, flush }) => {
      const log: [number, boolean][] = [];
      const draining = cold('5ms d');
      let now = 0;
      const source = ticking(100, log, () => now);
      const out = consumeWithFlowControl(
        (paused) => source(paused).pipe(tap(() => now++)),
        (n) => timer(10).pipe(map(() => n)),
        planConsume(() => EMPTY, { prefetch: 10 }),
        { draining },
      );
      // Messages 0-3 at frames 1-4; drain at 5: no more, the four handled one by one.
      expectObservable(out).toBe('11ms a 9ms b 9ms c 9ms (d|)', { a: 0, b: 1, c: 2, d: 3 });
      flush();
      assert.equal(now, 4, 'four messages taken from the source');
    });
  });

  it('messages - on drain: the loop gets what was received, then ends; the drain waits for the loop', async () => {
    const drain = new DrainState();
    const source = new Subject<number>();
    const iterable = iterateWithFlowControl(
      () => source,
      { high: 10, low: 5 },
      {
        draining: drain.draining,
        operations: drain,
      },
    );
    const events: string[] = [];
    const loop = (async () => {
      for await (const n of iterable) {
        events.push(`got ${n}`);
        await new Promise((r) => setImmediate(r));
        events.push(`handled ${n}`);
      }
      events.push('loop ended');
    })();
    await Promise.resolve();
    source.next(1);
    source.next(2);
    source.next(3);
    drain.start();
    source.next(4); // after the drain started: not read
    drain.settled().subscribe(() => events.push('drained'));
    await loop;
    await new Promise((r) => setImmediate(r));
    // The drain waits until the loop, done with its last message, asks for the next.
    assert.deepEqual(
      events.filter((e) => e !== 'loop ended'),
      ['got 1', 'handled 1', 'got 2', 'handled 2', 'got 3', 'handled 3', 'drained'],
    );
    assert.equal(source.observed, false, 'the source was unsubscribed');
  });

  it('messages - cold, pulls within the water marks, and break unsubscribes', async () => {
    const { credits, stop } = captureCredits();
    try {
      const events: string[] = [];
      const iterable = iterateWithFlowControl(replay(10_000, events), { high: 100, low: 25 });
      assert.deepEqual(events, [], 'nothing happens before the first pull');
      let sum = 0;
      for await (const n of iterable) {
        sum += n;
        if (n === 5_000) break;
      }
      assert.equal(sum, (5_000 * 5_001) / 2);
      assert.deepEqual(events, ['subscribed', 'unsubscribed']);
      assert.ok((credits[0]?.peak ?? Infinity) <= 100, `peak ${credits[0]?.peak}`);
    } finally {
      stop();
    }
  });

  it('messages - reads to the end, and each for await subscribes anew', async () => {
    const events: string[] = [];
    const iterable = iterateWithFlowControl(replay(1_000, events), { high: 10, low: 0 });
    for (let round = 0; round < 2; round++) {
      let n = 0;
      for await (const _ of iterable) n++;
      assert.equal(n, 1_000);
    }
    assert.deepEqual(events, ['subscribed', 'unsubscribed', 'subscribed', 'unsubscribed']);
  });

  it('messages - an error is thrown after the messages before it, as the same typed error', async () => {
    const deleted = new LiftbridgeError(ErrorCode.StreamDeleted, 'gone');
    const failing = new Subject<number>();
    const iterable = iterateWithFlowControl(() => failing, { high: 10, low: 5 });
    const seen: number[] = [];
    const done = (async () => {
      for await (const n of iterable) seen.push(n);
    })();
    await Promise.resolve();
    failing.next(1);
    failing.next(2);
    failing.error(deleted);
    await assert.rejects(done, (e: unknown) => e === deleted);
    assert.deepEqual(seen, [1, 2]);
  });

  it('subscribe - each call reads its handshake, then follows the pause signal', () => {
    testScheduler().run(({ cold, flush }) => {
      const handshake = {
        offset: 0n,
        value: new Uint8Array(0),
        headers: new Map(),
      } as DecodedMessage;
      const msg = { ...handshake, offset: 0n, value: Buffer.from('a') } as DecodedMessage;
      const seen: boolean[] = [];
      const transport = {
        address: 'fake:1',
        subscribe: (_r: unknown, _p: unknown, paused?: Observable<boolean>) => {
          paused?.subscribe((p) => seen.push(p));
          return cold('-h-a', { h: handshake, a: msg });
        },
      };
      const ctx = {
        cluster: {
          metadata: undefined,
          metadataChanges: NEVER,
          refreshMetadata: () => NEVER,
          lookup: () => NEVER,
          leaderBound: <T>(_s: string, _p: number, call: (c: typeof transport) => Observable<T>) =>
            defer(() => call(transport)),
        },
        fetchCursor: () => NEVER,
        encodingHeader: 'X-Msg-Encoding',
        maxDecompressedBytes: 1024,
        setupTimeout: 50,
        paused: of(true),
      };
      subscribeMessages(ctx, 's', { startPosition: 'EARLIEST' }).subscribe();
      flush();
      // Unpaused until the handshake (or it would never come), then paused.
      assert.deepEqual(seen, [false, true]);
    });
  });
});
