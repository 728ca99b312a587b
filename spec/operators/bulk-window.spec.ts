/**
 * The bulk window (lib/operators/bulk-window.ts) on its own, over a sender
 * the spec settles by hand: the bound on requests in flight, arrival
 * order, what is reported and when it ends, errors, and the pull mode
 * behind publishBulkFrom.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, type Observable, Subject, type Unsubscribable } from 'rxjs';
import { ErrorCode, LiftbridgeError } from '../../lib/errors.js';
import type { PublishSink } from '../../lib/internal/publish-sink.js';
import type { Ack } from '../../lib/message.js';
import {
  pulling,
  type Report,
  type RequestSender,
  subscribing,
  windowed,
} from '../../lib/operators/bulk-window.js';
import type { PublishRequest } from '../../lib/publish-request.js';
import { testScheduler } from '../helpers/marbles.js';
import { ack, request } from '../helpers/requests.js';

/** A sender that holds every request until the spec settles it. */
class HandSender implements RequestSender {
  readonly sent: string[] = [];
  readonly cancelled: string[] = [];
  readonly sinks = new Map<string, PublishSink>();
  maxInFlight = 0;
  /** Requests whose send throws. */
  readonly throwing = new Set<string>();
  /** Requests written at once (otherwise on write()). */
  writeAtOnce = true;

  sendRequest(req: PublishRequest, _ackTimeout: number | undefined, sink: PublishSink) {
    const id = req.correlationId as string;
    if (this.throwing.has(id)) throw new Error(`cannot send ${id}`);
    this.sent.push(id);
    this.sinks.set(id, sink);
    this.maxInFlight = Math.max(this.maxInFlight, this.sinks.size);
    if (this.writeAtOnce) sink.written?.();
    const handle: Unsubscribable = {
      unsubscribe: () => {
        if (this.sinks.delete(id)) this.cancelled.push(id);
      },
    };
    return handle;
  }

  get inFlight(): number {
    return this.sinks.size;
  }

  write(id: string): void {
    this.sinks.get(id)?.written?.();
  }

  ack(id: string): void {
    this.settle(id, ack(id), undefined);
  }

  fail(id: string, code: ErrorCode = ErrorCode.AckTimeout): void {
    this.settle(id, undefined, new LiftbridgeError(code, `${id} failed`));
  }

  private settle(id: string, a: Ack | undefined, err: LiftbridgeError | undefined): void {
    const sink = this.sinks.get(id);
    assert.ok(sink, `${id} is not in flight`);
    this.sinks.delete(id);
    sink.settled(a, err);
  }
}

/** Reports every outcome as "id ok" / "id CODE"; completes when the window is done. */
const outcomes = (): Report<string> => ({
  settled: (subscriber, req, a, err) =>
    subscriber.next(
      `${(req as PublishRequest | undefined)?.correlationId ?? '?'} ${err ? err.code : a ? 'ok' : 'none'}`,
    ),
  done: (subscriber) => subscriber.complete(),
});

function record(source: Observable<string>) {
  const got = { values: [] as string[], error: undefined as unknown, complete: false };
  const sub = source.subscribe({
    next: (v) => got.values.push(v),
    error: (err: unknown) => {
      got.error = err;
    },
    complete: () => {
      got.complete = true;
    },
  });
  return { got, sub };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);
const settings = (concurrency: number, wait = true) => ({ concurrency, ackTimeout: 1_000, wait });

describe('bulk window', () => {
  it('bulk window - never more than `concurrency` in flight; the rest start in arrival order as others settle', () => {
    const sender = new HandSender();
    const { got } = record(
      windowed(sender, settings(2), subscribing(from(ids(5).map((id) => request(id)))), outcomes),
    );
    assert.deepEqual(sender.sent, ['r0', 'r1']);
    sender.ack('r1');
    assert.deepEqual(sender.sent, ['r0', 'r1', 'r2']);
    sender.ack('r0');
    sender.ack('r2');
    assert.deepEqual(sender.sent, ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.equal(sender.maxInFlight, 2);
    assert.equal(got.complete, false);
    sender.ack('r4');
    sender.fail('r3');
    assert.deepEqual(got.values, ['r1 ok', 'r0 ok', 'r2 ok', 'r4 ok', 'r3 ACK_TIMEOUT']);
    assert.equal(got.complete, true);
  });

  it('bulk window - outcomes come in the order requests settle (marbles)', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const replies: Record<string, Observable<Ack>> = {
        a: cold('---(A|)', { A: ack('a') }),
        b: cold('-#', undefined, new LiftbridgeError(ErrorCode.Readonly, 'readonly')),
        c: cold('--(C|)', { C: ack('c') }),
      };
      const sender: RequestSender = {
        sendRequest: (req, _t, sink) => {
          sink.written?.();
          let got: Ack | undefined;
          return (replies[req.correlationId as string] as Observable<Ack>).subscribe({
            next: (a) => {
              got = a;
            },
            error: (err: LiftbridgeError) => sink.settled(undefined, err),
            complete: () => sink.settled(got, undefined),
          });
        },
      };
      const source = hot('abc|', { a: request('a'), b: request('b'), c: request('c') });
      expectObservable(windowed(sender, settings(3), subscribing(source), outcomes)).toBe(
        '--ba(c|)',
        { a: 'a ok', b: 'b READONLY', c: 'c ok' },
      );
    });
  });

  it('bulk window - wait: false ends once everything is written; unsubscribing then cancels the rest', () => {
    const sender = new HandSender();
    sender.writeAtOnce = false;
    const { got, sub } = record(
      windowed(
        sender,
        settings(4, false),
        subscribing(from(ids(3).map((id) => request(id)))),
        outcomes,
      ),
    );
    sender.write('r0');
    sender.write('r1');
    assert.equal(got.complete, false);
    sender.write('r2');
    assert.equal(got.complete, true);
    assert.deepEqual(sender.cancelled.sort(), ['r0', 'r1', 'r2']);
    sub.unsubscribe();
  });

  it('bulk window - unsubscribing cancels every request in flight and drops those waiting', () => {
    const sender = new HandSender();
    const { sub } = record(
      windowed(sender, settings(2), subscribing(from(ids(4).map((id) => request(id)))), outcomes),
    );
    sub.unsubscribe();
    assert.deepEqual(sender.cancelled.sort(), ['r0', 'r1']);
    assert.deepEqual(sender.sent, ['r0', 'r1']);
  });

  it('bulk window - a send that throws and a value that is not a request fail alone; the rest go on', () => {
    const sender = new HandSender();
    sender.throwing.add('r1');
    const items = [request('r0'), request('r1'), { not: 'a request' }, request('r3')];
    const { got } = record(
      windowed(sender, settings(4), subscribing(from(items as PublishRequest[])), outcomes),
    );
    assert.deepEqual(sender.sent, ['r0', 'r3']);
    sender.ack('r0');
    sender.ack('r3');
    assert.deepEqual(got.values, ['r1 UNKNOWN', '? INVALID_ARGUMENT', 'r0 ok', 'r3 ok']);
    assert.equal(got.complete, true);
  });

  it('bulk window - a source error errors the window and cancels what is in flight', () => {
    const sender = new HandSender();
    const source = new Subject<PublishRequest>();
    const { got } = record(windowed(sender, settings(4), subscribing(source), outcomes));
    source.next(request('r0'));
    const boom = new Error('source broke');
    source.error(boom);
    assert.equal(got.error, boom);
    assert.deepEqual(sender.cancelled, ['r0']);
  });

  it('bulk window - pull mode: an iterator is read only while the window has room', () => {
    const sender = new HandSender();
    const pulled: string[] = [];
    let returned = false;
    function* requests() {
      try {
        for (const id of ids(10)) {
          pulled.push(id);
          yield request(id);
        }
      } finally {
        returned = true;
      }
    }
    const { got, sub } = record(windowed(sender, settings(3), pulling(requests()), outcomes));
    assert.deepEqual(pulled, ['r0', 'r1', 'r2']);
    sender.ack('r0');
    assert.deepEqual(pulled, ['r0', 'r1', 'r2', 'r3']);
    sender.ack('r2');
    sender.ack('r1');
    assert.deepEqual(sender.sent, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    assert.equal(sender.maxInFlight, 3);
    assert.equal(returned, false);
    sub.unsubscribe();
    assert.equal(returned, true, "unsubscribing calls the iterator's return()");
    assert.equal(got.complete, false);
  });

  it('bulk window - pull mode: an async iterator is read one at a time and ends the window when done', async () => {
    const sender = new HandSender();
    let reading = 0;
    let maxReading = 0;
    async function* requests() {
      for (const id of ids(4)) {
        reading += 1;
        maxReading = Math.max(maxReading, reading);
        await Promise.resolve();
        reading -= 1;
        yield request(id);
      }
    }
    const { got } = record(windowed(sender, settings(2), pulling(requests()), outcomes));
    const settleAll = async () => {
      for (let i = 0; i < 50 && !got.complete; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        for (const id of [...sender.sinks.keys()]) sender.ack(id);
      }
    };
    await settleAll();
    assert.equal(got.complete, true);
    assert.deepEqual(sender.sent, ['r0', 'r1', 'r2', 'r3']);
    assert.equal(maxReading, 1);
    assert.ok(sender.maxInFlight <= 2);
  });

  it('bulk window - pull mode: an iterator that throws errors the window', () => {
    const sender = new HandSender();
    function* requests() {
      yield request('r0');
      throw new Error('cannot read');
    }
    const { got } = record(windowed(sender, settings(4), pulling(requests()), outcomes));
    assert.match(String(got.error), /cannot read/);
    assert.deepEqual(sender.cancelled, ['r0']);
  });
});
