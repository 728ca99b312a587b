// The testing kit as users use it: marble tests (virtual time) of the
// application pipeline in ./order-pipeline.ts against liftbridge-rx/testing's
// FakeLiftbridgeClient. npm test runs this file with the specs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, type LiftbridgeError } from 'liftbridge-rx';
import { FakeLiftbridgeClient } from 'liftbridge-rx/testing';
import { catchError, map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { handleOrders, publishOrders } from './order-pipeline.js';

const testScheduler = () =>
  new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

const offsets = map((ack: { offset: bigint }) => ack.offset);
const code = catchError((err: LiftbridgeError) => of(err.code));

describe('testing kit - answering publishes by hand', () => {
  it('publishOrders - publishes one order at a time, each after the previous ack', () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    const acked: bigint[] = [];
    publishOrders(fake, 'orders', of('a:1', 'b:2')).subscribe((ack) => acked.push(ack.offset));

    fake.expectNoPublish({ value: 'b:2' }); // waits for the first ack
    fake.expectPublish({ value: 'a:1', key: 'a' }).ack();
    fake.expectPublish({ value: 'b:2' }).ack();

    assert.deepEqual(acked, [0n, 1n]);
    fake.verify(); // no publish left unanswered
  });
});

describe('testing kit - marble tests of a publish pipeline', () => {
  it('publishOrders - retries UNAVAILABLE after 100 then 200 ms, in order', () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    testScheduler().run(({ cold, expectObservable }) => {
      fake.whenPublish({ value: 'a:1' }).fail(ErrorCode.Unavailable, { times: 2 });
      fake.whenPublish({ stream: 'orders' }).ack({ delay: 5 });
      const orders = cold('a-b|', { a: 'a:1', b: 'b:2' });
      expectObservable(publishOrders(fake, 'orders', orders).pipe(offsets)).toBe(
        '305ms a 4ms (b|)',
        { a: 0n, b: 1n },
      );
    });
    assert.deepEqual(
      fake.publishes.map((p) => `${p.text} ${p.state}`),
      ['a:1 failed', 'a:1 failed', 'a:1 acked', 'b:2 acked'],
    );
    assert.deepEqual(
      fake.stored('orders').map((m) => Buffer.from(m.key).toString()),
      ['a', 'b'],
      'the key is the order prefix',
    );
    fake.verify();
  });

  it('publishOrders - a non-retriable error ends the pipeline at once', () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    testScheduler().run(({ cold, expectObservable }) => {
      fake.whenPublish().fail(ErrorCode.MessageTooLarge);
      expectObservable(publishOrders(fake, 'orders', cold('a|', { a: 'a:1' })).pipe(code)).toBe(
        '(x|)',
        { x: ErrorCode.MessageTooLarge },
      );
    });
    assert.equal(fake.publishes.length, 1, 'not retried');
  });

  it('publishOrders - an unanswered publish fails ACK_TIMEOUT after 5 s of virtual time', () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(publishOrders(fake, 'orders', cold('a|', { a: 'a:1' })).pipe(code)).toBe(
        '5000ms (x|)',
        { x: ErrorCode.AckTimeout },
      );
    });
    assert.equal(fake.publishes[0]?.state, 'failed');
  });
});

describe('testing kit - marble tests of cursor commits', () => {
  it('handleOrders - commits after 3 messages, or after 1 s with fewer', () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    const handled: string[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      fake.feed('orders', 0, cold('a-b-c 2000ms d', { a: 'a:1', b: 'b:2', c: 'c:3', d: 'd:4' }));
      const commits = handleOrders(fake, 'orders', 'h', (m) =>
        of(handled.push(Buffer.from(m.value).toString())),
      );
      expectObservable(commits, '^ 3500ms !').toBe('4ms a 2999ms b', { a: 2n, b: 3n });
    });
    assert.deepEqual(handled, ['a:1', 'b:2', 'c:3', 'd:4']);
    assert.equal(fake.cursor('orders', 0, 'h'), 3n);
  });

  it('handleOrders - resumes after the stored cursor', () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    fake.emit('orders', 0, ['a:1', 'b:2', 'c:3', 'd:4', 'e:5']);
    fake.setCursor('orders', 0, 'h', 1n).subscribe();
    const handled: bigint[] = [];
    testScheduler().run(({ expectObservable }) => {
      const commits = handleOrders(fake, 'orders', 'h', (m) => of(handled.push(m.offset)));
      expectObservable(commits, '^ 2000ms !').toBe('a', { a: 4n });
    });
    assert.deepEqual(handled, [2n, 3n, 4n]);
  });

  it('handleOrders - a handler taking 300 ms of virtual time per message delays the commit', () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    testScheduler().run(({ cold, expectObservable }) => {
      fake.emit('orders', 0, ['a:1', 'b:2', 'c:3']);
      const slow = () => cold('300ms (x|)', { x: true });
      expectObservable(handleOrders(fake, 'orders', 'h', slow), '^ 2000ms !').toBe('900ms a', {
        a: 2n,
      });
    });
  });
});
