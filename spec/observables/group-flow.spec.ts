/**
 * Flow control of consumer groups (consumeGroup) in virtual time, against
 * stub memberships: one prefetch bound over every assigned partition, the
 * handled offsets a checkpoint may cover (in offset order per partition,
 * whatever order handlers finish in), messages of a partition assigned
 * elsewhere skipped, and the final checkpoint waiting for the handlers.
 * The membership itself: consumer-group.spec.ts; a real server:
 * spec/integration/group-flow.spec.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defer,
  EMPTY,
  interval,
  map,
  NEVER,
  type Observable,
  of,
  Subject,
  switchMap,
  take,
  takeUntil,
  tap,
  throwError,
  timer,
} from 'rxjs';
import {
  AssignedPartition,
  consumeGroupWithFlowControl,
  ErrorCode,
  type GroupFlow,
  type GroupMessage,
  LiftbridgeError,
  planConsumeGroup,
} from '../../lib/index.js';
import { type Credit, flowProbe } from '../../lib/observables/flow-control.js';
import { FakeLiftbridgeClient } from '../../lib/testing/index.js';
import { testScheduler } from '../helpers/marbles.js';

/** `count` messages of stream s, partition `partition`, one per frame while not paused. */
function ticking(partition: number, count: number, paused: Observable<boolean>) {
  return defer(() => {
    let next = 0;
    return paused.pipe(
      switchMap((p) => (p ? EMPTY : interval(1))),
      map(
        (): GroupMessage =>
          ({ stream: 's', partition, offset: BigInt(next++), groupEpoch: 1n }) as GroupMessage,
      ),
      take(count),
    );
  });
}

/** A membership that is assigned `partitions` of stream s, each with `count` messages. */
function member(partitions: number[], count: number, seen: { flow?: GroupFlow }) {
  return (flow: GroupFlow) => {
    seen.flow = flow;
    for (const p of partitions) flow.assigned('s', p);
    return of(
      ...partitions.map((p) => new AssignedPartition('s', p, ticking(p, count, flow.paused))),
    );
  };
}

function captureCredits(): { credits: Credit[]; stop: () => void } {
  const credits: Credit[] = [];
  flowProbe.created = (c) => credits.push(c);
  return { credits, stop: () => (flowProbe.created = undefined) };
}

const handler = () => EMPTY;

describe('consumeGroup flow control', () => {
  it('planConsumeGroup - the group plan, prefetch and concurrency; bad ones throw INVALID_ARGUMENT', () => {
    const plan = planConsumeGroup('g', ['a', 'a'], handler, { prefetch: 6, concurrency: 2 });
    assert.deepEqual(
      [plan.group.groupId, plan.group.streams, plan.marks, plan.concurrency],
      ['g', ['a'], { high: 6, low: 3 }, 2],
    );
    assert.deepEqual(planConsumeGroup('g', 'a', handler).marks, { high: 256, low: 128 });
    for (const bad of [
      () => planConsumeGroup('g', 'a', handler, { prefetch: 0 }),
      () => planConsumeGroup('g', 'a', handler, { concurrency: 1.5 }),
      () => planConsumeGroup('g', 'a', 'nope'),
      () => planConsumeGroup('', 'a', handler),
    ])
      assert.throws(
        bad,
        (e: unknown) => e instanceof LiftbridgeError && e.code === ErrorCode.InvalidArgument,
      );
  });

  it('consumeGroup - two partitions under one prefetch of 4: both paused at 4 unhandled, every message handled once, in order per partition', () => {
    const { credits, stop } = captureCredits();
    try {
      const seen: { flow?: GroupFlow } = {};
      const handled: string[] = [];
      testScheduler().run(({ expectObservable, flush }) => {
        const out = consumeGroupWithFlowControl(
          member([0, 1], 5, seen),
          (m) => timer(10).pipe(map(() => `${m.partition}/${m.offset}`)),
          planConsumeGroup('g', 's', handler, { prefetch: 4 }),
        );
        // 0/0 and 1/0 at 1, 0/1 and 1/1 at 2 (4 unhandled: paused); one
        // handled every 10 ms from 11, in arrival order; read again each
        // time 2 are left (21, 41, 61), two more arriving a frame later.
        expectObservable(out.pipe(tap((h) => handled.push(h)))).toBe(
          '11ms a 9ms b 9ms c 9ms d 9ms e 9ms f 9ms g 9ms h 9ms i 9ms (j|)',
          {
            a: '0/0',
            b: '1/0',
            c: '0/1',
            d: '1/1',
            e: '0/2',
            f: '1/2',
            g: '0/3',
            h: '1/3',
            i: '0/4',
            j: '1/4',
          },
        );
        flush();
      });
      assert.equal(handled.length, 10);
      for (const p of [0, 1])
        assert.deepEqual(
          handled.filter((h) => h.startsWith(`${p}/`)),
          [0, 1, 2, 3, 4].map((o) => `${p}/${o}`),
        );
      assert.equal(credits[0]?.peak, 4, 'never more than prefetch unhandled');
      assert.equal(seen.flow?.handled('s', 0), 4n);
      assert.equal(seen.flow?.handled('s', 1), 4n);
    } finally {
      stop();
    }
  });

  it('consumeGroup - handled() is the last offset before the first unhandled one, whatever order the handlers finish in', () => {
    const seen: { flow?: GroupFlow } = {};
    const at: Record<number, bigint | undefined> = {};
    testScheduler().run(({ flush }) => {
      // Offsets 0-2 at frames 1-3; offset 0 takes 30 ms, the others 5.
      consumeGroupWithFlowControl(
        member([0], 3, seen),
        (m) => timer(m.offset === 0n ? 30 : 5),
        planConsumeGroup('g', 's', handler, { prefetch: 10, concurrency: 3 }),
      ).subscribe();
      for (const t of [10, 20, 32, 40])
        timer(t).subscribe(() => (at[t] = seen.flow?.handled('s', 0)));
      flush();
    });
    assert.deepEqual(at, { 10: undefined, 20: undefined, 32: 2n, 40: 2n });
  });

  it('consumeGroup - a partition assigned elsewhere: its messages not started are skipped (not handled), a running handler sees its signal abort', () => {
    const seen: { flow?: GroupFlow } = {};
    const started: string[] = [];
    let abortedAt: number | undefined;
    testScheduler().run(({ flush }) => {
      const scheduler = { now: 0 };
      const revoke = new Subject<void>();
      consumeGroupWithFlowControl(
        (flow) => {
          seen.flow = flow;
          flow.assigned('s', 0);
          return of(
            new AssignedPartition('s', 0, ticking(0, 5, flow.paused).pipe(takeUntil(revoke))),
          );
        },
        (m, revoked) => {
          started.push(`${m.offset}`);
          revoked.addEventListener('abort', () => (abortedAt = scheduler.now));
          return timer(10);
        },
        planConsumeGroup('g', 's', handler, { prefetch: 10 }),
      ).subscribe();
      // Offsets 0-3 arrive at 1-4; at 5 the partition goes elsewhere.
      timer(5).subscribe(() => {
        scheduler.now = 5;
        revoke.next();
        seen.flow?.revoked('s', 0);
      });
      flush();
    });
    assert.deepEqual(started, ['0'], 'offsets 1-3 were waiting: skipped');
    assert.equal(abortedAt, 5);
    assert.equal(seen.flow?.handled('s', 0), 0n, 'offset 0 was handled (its handler ran on)');
  });

  it('consumeGroup - drain: stops pulling, handles what was received, then ended() calls back (the final checkpoint covers it)', () => {
    const seen: { flow?: GroupFlow } = {};
    const events: string[] = [];
    testScheduler().run(({ cold, flush }) => {
      consumeGroupWithFlowControl(
        (flow) => {
          seen.flow = flow;
          flow.assigned('s', 0);
          return of(new AssignedPartition('s', 0, ticking(0, 100, flow.paused)));
        },
        (m) => timer(10).pipe(map(() => events.push(`handled ${m.offset}`))),
        planConsumeGroup('g', 's', handler, { prefetch: 10 }),
        { draining: cold('4ms d') },
      ).subscribe({ complete: () => events.push('complete') });
      timer(4).subscribe(() =>
        seen.flow?.ended(() => events.push(`ended, handled ${seen.flow?.handled('s', 0)}`)),
      );
      flush();
    });
    assert.deepEqual(events, [
      'handled 0',
      'handled 1',
      'handled 2',
      'complete',
      'ended, handled 2',
    ]);
  });

  it('consumeGroup - a handler error ends it with that error; handled() covers the messages before it; ended() calls back at once after', () => {
    const seen: { flow?: GroupFlow } = {};
    const boom = new LiftbridgeError(ErrorCode.Internal, 'boom');
    let ended = false;
    testScheduler().run(({ expectObservable, flush }) => {
      const out = consumeGroupWithFlowControl(
        member([0], 5, seen),
        (m) => (m.offset === 2n ? throwError(() => boom) : of(m.offset)),
        planConsumeGroup('g', 's', handler, {}),
      );
      expectObservable(out).toBe('-ab#', { a: 0n, b: 1n }, boom);
      flush();
      seen.flow?.ended(() => (ended = true));
    });
    assert.equal(seen.flow?.handled('s', 0), 1n);
    assert.equal(ended, true);
  });

  it('FakeLiftbridgeClient.consumeGroup - its replays stop at prefetch received and not yet handled', async () => {
    const { credits, stop } = captureCredits();
    try {
      const fake = new FakeLiftbridgeClient({ streams: { orders: 2 } });
      for (const partition of [0, 1])
        fake.emit(
          'orders',
          partition,
          Array.from({ length: 1_000 }, (_, i) => ({ value: `${i}` })),
        );
      let handled = 0;
      const subscription = fake
        .consumeGroup(
          'g',
          'orders',
          () => {
            handled += 1;
            return NEVER;
          },
          { prefetch: 30 },
        )
        .subscribe();
      await new Promise((r) => setImmediate(r));
      assert.equal(handled, 1, 'one handler at a time (it hangs)');
      assert.equal(credits[0]?.outstanding, 30, 'the replays stopped at the prefetch');
      subscription.unsubscribe();
      await fake.close();
    } finally {
      stop();
    }
  });
});
