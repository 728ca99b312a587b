/** Marble specs of publishBulk / publishBulkSettled over a fake sender. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEVER, type Observable } from 'rxjs';
import {
  ErrorCode,
  type LiftbridgeClientApi,
  LiftbridgeError,
  type PublishRequest,
} from '../../lib/index.js';
import { ackTimeoutError } from '../../lib/internal/ack-deadline.js';
import { Deadlines } from '../../lib/internal/deadlines.js';
import type { PublishSink } from '../../lib/internal/publish-sink.js';
import { registerSender } from '../../lib/internal/senders.js';
import type { Ack } from '../../lib/message.js';
import {
  PublishBulkError,
  publishBulk,
  publishBulkSettled,
} from '../../lib/operators/publish-bulk.js';
import { testScheduler } from '../helpers/marbles.js';
import { ack, request } from '../helpers/requests.js';

type Cold = ReturnType<ReturnType<typeof testScheduler>['createColdObservable']>;

/**
 * A sender whose reply to request `id` is the cold observable `replies[id]`;
 * ack deadlines (when given) go through the client's own Deadlines, in
 * virtual time.
 */
function fakeSender(
  replies: Record<string, Cold>,
  ackTimeoutMs?: number,
  draining: Observable<unknown> = NEVER,
) {
  const written: string[] = [];
  const deadlines = new Deadlines<{ done: boolean; expire(): void }>((item) => item.expire());
  const sender = {
    written,
    sendRequest(req: PublishRequest, _ackTimeout: number | undefined, sink: PublishSink) {
      const id = req.correlationId as string;
      written.push(id);
      sink.written?.();
      let got: Ack | undefined;
      const state = {
        done: false,
        expire: () => {
          state.done = true;
          sub.unsubscribe();
          sink.settled(undefined, ackTimeoutError(ackTimeoutMs as number, req));
        },
      };
      const sub = (replies[id] as unknown as Observable<Ack>).subscribe({
        next: (a) => {
          got = a;
        },
        error: (err: LiftbridgeError) => {
          state.done = true;
          sink.settled(undefined, err);
        },
        complete: () => {
          state.done = true;
          sink.settled(got, undefined);
        },
      });
      if (ackTimeoutMs !== undefined && !state.done) deadlines.add(state, ackTimeoutMs);
      return {
        unsubscribe: () => {
          state.done = true;
          sub.unsubscribe();
        },
      };
    },
  };
  // Registered as a real client registers its publisher: the bulk operators
  // send through it directly.
  registerSender(
    sender,
    (req, ackTimeout, sink) => sender.sendRequest(req, ackTimeout, sink),
    draining,
  );
  return Object.assign(sender as unknown as LiftbridgeClientApi, { written });
}

describe('publishBulk', () => {
  it('publishBulk - emits acks in the order they arrive, not the order sent', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const replies = { a: cold('----(A|)', { A: ack('a') }), b: cold('-(B|)', { B: ack('b') }) };
      const source = hot('ab|', { a: request('a'), b: request('b') });
      expectObservable(source.pipe(publishBulk(fakeSender(replies)))).toBe('--B-(A|)', {
        A: ack('a'),
        B: ack('b'),
      });
    });
  });

  it('publishBulk - keeps at most 2 unacked with concurrency 2', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold('---(A|)', { A: ack('a') });
      const b = cold('-----(B|)', { B: ack('b') });
      const c = cold('-(C|)', { C: ack('c') });
      const source = hot('abc|', { a: request('a'), b: request('b'), c: request('c') });
      expectObservable(source.pipe(publishBulk(fakeSender({ a, b, c }), { concurrency: 2 }))).toBe(
        '---AC-(B|)',
        {
          A: ack('a'),
          B: ack('b'),
          C: ack('c'),
        },
      );
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('-^----!');
      // c waits for a's ack before it is sent.
      expectSubscriptions(c.subscriptions).toBe('---^!');
    });
  });

  it('publishBulk - a request without an ack in time fails alone with ACK_TIMEOUT, the rest is acked', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const replies = { a: cold('-------'), b: cold('--(B|)', { B: ack('b') }) };
      const source = hot('ab|', { a: request('a'), b: request('b') });
      const timedOut = new LiftbridgeError(
        ErrorCode.AckTimeout,
        'no ack within 5 ms for a message to test/0; it may or may not be stored',
      );
      expectObservable(source.pipe(publishBulkSettled(fakeSender(replies, 5)))).toBe('---b-(a|)', {
        a: { type: 'error', request: request('a'), error: timedOut },
        b: { type: 'ack', request: request('b'), ack: ack('b') },
      });
      expectObservable(source.pipe(publishBulk(fakeSender(replies, 5)))).toBe(
        '---B-#',
        { B: ack('b') },
        new PublishBulkError([{ request: request('a'), error: timedOut }]),
      );
    });
  });

  it('publishBulkSettled - reports each failure with its code and keeps going', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const notFound = new LiftbridgeError(ErrorCode.NotFound, 'no stream');
      const replies = {
        a: cold('-#', undefined, notFound),
        b: cold('--(B|)', { B: ack('b') }),
        c: cold('-(C|)', { C: ack('c') }),
      };
      const source = hot('abc|', { a: request('a'), b: request('b'), c: request('c') });
      expectObservable(source.pipe(publishBulkSettled(fakeSender(replies)))).toBe('-x-(yz|)', {
        x: { type: 'error', request: request('a'), error: notFound },
        y: { type: 'ack', request: request('b'), ack: ack('b') },
        z: { type: 'ack', request: request('c'), ack: ack('c') },
      });
    });
  });

  it('publishBulk - failFast errors at the first failure and cancels the rest', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const err = new LiftbridgeError(ErrorCode.Readonly, 'readonly');
      const a = cold('--#', undefined, err);
      const b = cold('-----(B|)', { B: ack('b') });
      const source = hot('ab|', { a: request('a'), b: request('b') });
      expectObservable(source.pipe(publishBulk(fakeSender({ a, b }), { failFast: true }))).toBe(
        '--#',
        undefined,
        err,
      );
      expectSubscriptions(b.subscriptions).toBe('-^!');
    });
  });

  it('publishBulk - unsubscribing cancels every request in flight', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold('------(A|)', { A: ack('a') });
      const b = cold('------(B|)', { B: ack('b') });
      const source = hot('ab---', { a: request('a'), b: request('b') });
      expectObservable(source.pipe(publishBulk(fakeSender({ a, b }))), '^--!').toBe('---');
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('-^-!');
    });
  });

  it('publishBulk - wait: false completes once the source is done and all are written', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold('-(A|)', { A: ack('a') });
      const b = cold('------(B|)', { B: ack('b') });
      const source = hot('a-b|', { a: request('a'), b: request('b') });
      expectObservable(source.pipe(publishBulk(fakeSender({ a, b }), { wait: false }))).toBe(
        '-A-|',
        { A: ack('a') },
      );
      expectSubscriptions(b.subscriptions).toBe('--^!');
    });
  });

  it('publishBulk - a value that is not a request fails that item only', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const b = cold('-(B|)', { B: ack('b') });
      const bogus = { stream: 'x' } as unknown as PublishRequest;
      const source = hot('xb|', { x: bogus, b: request('b') });
      const out = source.pipe(publishBulkSettled(fakeSender({ b })));
      expectObservable(out).toBe('x-(y|)', {
        x: {
          type: 'error',
          request: bogus,
          error: new LiftbridgeError(
            ErrorCode.InvalidArgument,
            'request: expected a request built by client.getPublishRequest()',
          ),
        },
        y: { type: 'ack', request: request('b'), ack: ack('b') },
      });
    });
  });

  it('publishBulkSettled - draining: the source is let go, waiting requests fail CLIENT_CLOSED, those in flight settle, then it completes', () => {
    let client: ReturnType<typeof fakeSender> | undefined;
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold('----(A|)', { A: ack('a') });
      const b = cold('------(B|)', { B: ack('b') });
      const source = hot('abc-d', {
        a: request('a'),
        b: request('b'),
        c: request('c'),
        d: request('d'),
      });
      const draining = hot('---x');
      client = fakeSender({ a, b }, undefined, draining);
      const out = source.pipe(publishBulkSettled(client, { concurrency: 2 }));
      expectObservable(out).toBe('---ca--(b|)', {
        c: {
          type: 'error',
          request: request('c'),
          error: new LiftbridgeError(ErrorCode.Closed, 'the client is closed'),
        },
        a: { type: 'ack', request: request('a'), ack: ack('a') },
        b: { type: 'ack', request: request('b'), ack: ack('b') },
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(a.subscriptions).toBe('^---!');
      expectSubscriptions(b.subscriptions).toBe('-^-----!');
    });
    // c was never sent (it failed in the window); d came after the drain and was never taken.
    assert.deepEqual(client?.written, ['a', 'b']);
  });

  it('publishBulk - rejects a bad concurrency at the call site', () => {
    assert.throws(
      () => publishBulk(fakeSender({}), { concurrency: 0 }),
      (err: unknown) => err instanceof LiftbridgeError && err.code === ErrorCode.InvalidArgument,
    );
  });
});
