/**
 * Marble specs of the lifecycle guard: CLIENT_CLOSED after close, live
 * operations cut by close, and the drain half (new operations refused,
 * live ones counted and left to finish, `settled` once none is live).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Observable, Subject, switchMap, takeUntil } from 'rxjs';
import {
  DrainState,
  ErrorCode,
  guardOperation,
  type Lifecycle,
  LiftbridgeError,
  planDrain,
} from '../lib/index.js';
import { testScheduler } from './helpers/marbles.js';

const closed = new LiftbridgeError(ErrorCode.Closed, 'the client is closed');

/** A client's lifecycle driven by the spec: close() and the DrainState. */
function lifecycle() {
  const drain = new DrainState();
  const closing = new Subject<void>();
  const state: Lifecycle & { closed: boolean } = {
    closed: false,
    closing,
    draining: drain.draining,
    operations: drain,
  };
  return {
    state,
    drain,
    close: () => {
      state.closed = true;
      closing.next();
      closing.complete();
    },
  };
}

describe('lifecycle - guardOperation', () => {
  it('guardOperation - runs build at the call site (its throw is the caller’s)', () => {
    const { state } = lifecycle();
    assert.throws(
      () =>
        guardOperation(() => {
          throw closed;
        }, state),
      closed,
    );
  });

  it('guardOperation - after close: CLIENT_CLOSED; a live operation is cut with CLIENT_CLOSED when close comes', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const life = lifecycle();
      const op = cold('a---b---c|');
      hot('--x').subscribe(() => life.close());
      expectObservable(guardOperation(() => op, life.state)).toBe('a-#', undefined, closed);
      expectSubscriptions(op.subscriptions).toBe('^-!');
      const afterClose = cold('z|');
      expectObservable(
        hot('----y').pipe(switchMap(() => guardOperation(() => afterClose, life.state))),
      ).toBe('----#', undefined, closed);
      expectSubscriptions(afterClose.subscriptions).toBe([]);
    });
  });

  it('guardOperation - once drain started: a new operation fails CLIENT_CLOSED, a live one runs to its end', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const life = lifecycle();
      const live = cold('a---b---c|');
      const later = cold('z|');
      hot('--x').subscribe(() => life.drain.start());
      expectObservable(guardOperation(() => live, life.state)).toBe('a---b---c|');
      // subscribed at frame 4, after the drain started
      const subscribedLater = hot('----y').pipe(
        switchMap(() => guardOperation(() => later, life.state)),
      );
      expectObservable(subscribedLater).toBe('----#', undefined, closed);
      expectSubscriptions(later.subscriptions).toBe([]);
    });
  });

  it('guardOperation - a live operation listening to draining completes at once (as a plain subscribe)', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const life = lifecycle();
      const messages = cold('a---b---c---');
      hot('------x').subscribe(() => life.drain.start());
      const subscription = guardOperation(
        () => messages.pipe(takeUntil(life.drain.draining)),
        life.state,
      );
      expectObservable(subscription).toBe('a---b-|');
      expectSubscriptions(messages.subscriptions).toBe('^-----!');
    });
  });

  it('guardOperation - close during a drain still cuts what is live with CLIENT_CLOSED', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const life = lifecycle();
      hot('--x').subscribe(() => life.drain.start());
      hot('-----y').subscribe(() => life.close());
      expectObservable(guardOperation(() => cold('a-------b|'), life.state)).toBe(
        'a----#',
        undefined,
        closed,
      );
    });
  });
});

describe('lifecycle - DrainState', () => {
  it('DrainState - counts live guarded operations; settled emits when the last one finalizes (complete, error or unsubscribe)', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const life = lifecycle();
      const guard = (op: Observable<string>) => guardOperation(() => op, life.state);
      guard(cold('---a|')).subscribe();
      guard(cold('-----#')).subscribe({ error: () => undefined });
      const forever = guard(cold('-')).subscribe();
      hot('-------x').subscribe(() => forever.unsubscribe());
      hot('-x').subscribe(() => life.drain.start());
      assert.equal(life.drain.live, 3);
      expectObservable(life.drain.settled()).toBe('-------(s|)', { s: undefined });
    });
  });

  it('DrainState - settled emits at once when nothing is live; draining replays to late subscribers; start() says whether it started', () => {
    testScheduler().run(({ expectObservable }) => {
      const drain = new DrainState();
      assert.equal(drain.refusing, false);
      assert.equal(drain.start(), true);
      assert.equal(drain.start(), false);
      assert.equal(drain.refusing, true);
      expectObservable(drain.settled()).toBe('(s|)', { s: undefined });
      expectObservable(drain.draining).toBe('(d|)', { d: undefined });
    });
  });

  it('DrainState - enter() returns a leave that counts once however often it is called', () => {
    const drain = new DrainState();
    const leave = drain.enter();
    drain.enter();
    leave();
    leave();
    assert.equal(drain.live, 1);
  });

  it('planDrain - the client default unless options say; bad options throw INVALID_ARGUMENT naming them', () => {
    assert.equal(planDrain(undefined, 10_000), 10_000);
    assert.equal(planDrain({}, 10_000), 10_000);
    assert.equal(planDrain({ timeout: 250 }, 10_000), 250);
    for (const bad of [{ timeout: 0 }, { timeout: -5 }, { timeout: Number.NaN }, null, 7]) {
      assert.throws(
        () => planDrain(bad as never, 10_000),
        (err: unknown) => {
          assert.ok(err instanceof LiftbridgeError);
          assert.equal(err.code, ErrorCode.InvalidArgument);
          assert.match(err.message, /options/);
          return true;
        },
      );
    }
  });
});
