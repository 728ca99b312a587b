/**
 * The testing kit's own behaviour: HttpTestingController-style publish
 * expectations, subscriptions from memory, cursors, groups, lifecycle.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Ack,
  ErrorCode,
  groupCursorId,
  isLiftbridgeError,
  type Message,
  type PublishRequest,
  publishBulk,
  publishBulkSettled,
  StartPosition,
  StopPosition,
} from 'liftbridge-rx';
import { FakeLiftbridgeClient } from 'liftbridge-rx/testing';
import { firstValueFrom, from, lastValueFrom, map, Subject, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';

const text = (m: Message) => Buffer.from(m.value).toString();

describe('FakeLiftbridgeClient - publish expectations', () => {
  it('expectPublish - hands out the pending publish; ack() stores it and emits the Ack', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 2 } });
    const acks: Ack[] = [];
    fake
      .publish('hello', { stream: 'orders', partition: 1, key: 'k' })
      .subscribe((a) => acks.push(a));
    assert.equal(fake.publishesInFlight, 1);
    const pub = fake.expectPublish({ stream: 'orders', partition: 1, value: 'hello', key: 'k' });
    assert.equal(pub.text, 'hello');
    assert.equal(acks.length, 0, 'nothing before the ack');
    pub.ack();
    assert.equal(acks[0]?.offset, 0n);
    assert.equal(acks[0]?.partition, 1);
    assert.deepEqual(fake.stored('orders', 1).map(text), ['hello']);
    assert.throws(() => pub.ack(), /already|acked/);
    fake.verify();
  });

  it('expectPublish - fails naming what is pending when none or several match', () => {
    const fake = new FakeLiftbridgeClient({ streams: { a: 1 } });
    fake.publish('x', { stream: 'a' }).subscribe({ error: () => {} });
    fake.publish('y', { stream: 'a' }).subscribe({ error: () => {} });
    assert.throws(() => fake.expectPublish({ stream: 'b' }), /found 0[\s\S]*publish to a\/0: "x"/);
    assert.throws(() => fake.expectPublish({ stream: 'a' }), /found 2/);
    assert.equal(fake.matchPublishes({ stream: 'a' }).length, 2);
    assert.throws(() => fake.expectNoPublish({ value: 'y' }), /expected no pending publish/);
  });

  it('fail - errors the publisher with the code, retriable as the real client', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { a: 1 } });
    const result = firstValueFrom(fake.publish('x', { stream: 'a' }));
    fake.expectPublish().fail(ErrorCode.Unavailable);
    await assert.rejects(
      result,
      (err) => isLiftbridgeError(err, ErrorCode.Unavailable) && err.retriable,
    );
  });

  it('verify - fails on publishes nobody expected; passes once they are looked at', () => {
    const fake = new FakeLiftbridgeClient({ streams: { a: 1 } });
    fake.publish('x', { stream: 'a' }).subscribe({ error: () => {} });
    assert.throws(() => fake.verify(), /1 unexpected pending publish[\s\S]*"x"/);
    fake.expectPublish({ value: 'x' });
    fake.verify();
  });

  it('unsubscribing cancels a pending publish', () => {
    const fake = new FakeLiftbridgeClient({ streams: { a: 1 } });
    fake.publish('x', { stream: 'a' }).subscribe().unsubscribe();
    assert.equal(fake.publishes[0]?.state, 'cancelled');
    assert.equal(fake.publishesInFlight, 0);
    fake.verify();
  });

  it('publishBulk - works with the fake; whenPublish answers every request', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { bulk: 1 } });
    fake.whenPublish({ stream: 'bulk' }).ack();
    const acks = await lastValueFrom(
      from(['a', 'b', 'c']).pipe(
        map((v) => fake.getPublishRequest(v, { stream: 'bulk' })),
        publishBulk(fake, { concurrency: 2 }),
        toArray(),
      ),
    );
    assert.deepEqual(
      acks.map((a) => a.offset),
      [0n, 1n, 2n],
    );
    fake.verify();
  });

  it('publish - the same errors as the real client: NOT_FOUND, READONLY, INVALID_ARGUMENT at the call site', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { a: 1 } });
    await assert.rejects(firstValueFrom(fake.publish('x', { stream: 'nope' })), (e) =>
      isLiftbridgeError(e, ErrorCode.NotFound),
    );
    await assert.rejects(firstValueFrom(fake.publish('x', { stream: 'a', partition: 3 })), (e) =>
      isLiftbridgeError(e, ErrorCode.NotFound),
    );
    await lastValueFrom(fake.setStreamReadonly('a'));
    await assert.rejects(firstValueFrom(fake.publish('x', { stream: 'a' })), (e) =>
      isLiftbridgeError(e, ErrorCode.Readonly),
    );
    assert.throws(
      () => fake.publish('x', { stream: '' }),
      (e) => isLiftbridgeError(e, ErrorCode.InvalidArgument),
    );
  });

  it("publish - partitioner 'key' places keys like the real client", () => {
    const fake = new FakeLiftbridgeClient({ streams: { p: 4 }, partitioner: 'key' });
    fake.whenPublish().ack();
    const parts: number[] = [];
    for (const key of ['k1', 'k2', 'k1'])
      fake.publish('v', { stream: 'p', key }).subscribe((a) => parts.push(a.partition));
    assert.equal(parts[0], parts[2]);
    assert.equal(parts.length, 3);
  });

  it('publishToSubject - stores in every stream on the subject once acked', () => {
    const fake = new FakeLiftbridgeClient({
      streams: { ops: { subject: 'alerts' }, audit: { subject: 'alerts' } },
    });
    fake.publishToSubject('alerts', 'disk full').subscribe();
    fake.expectPublish({ subject: 'alerts' }).ack();
    assert.deepEqual(fake.stored('ops').map(text), ['disk full']);
    assert.deepEqual(fake.stored('audit').map(text), ['disk full']);
  });
});

describe('FakeLiftbridgeClient - streams and subscriptions', () => {
  it('subscribe - start and stop positions as the server has them', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { s: 1 } });
    fake.emit('s', 0, ['m0', 'm1', 'm2', 'm3']);
    const read = (o: Parameters<typeof fake.subscribe>[1]) =>
      lastValueFrom(
        fake.subscribe('s', { stopPosition: StopPosition.LATEST, ...o }).pipe(map(text), toArray()),
      );
    assert.deepEqual(await read({ startPosition: StartPosition.EARLIEST }), [
      'm0',
      'm1',
      'm2',
      'm3',
    ]);
    assert.deepEqual(await read({ startPosition: StartPosition.LATEST }), ['m3']);
    assert.deepEqual(await read({ startPosition: StartPosition.OFFSET, startOffset: 2 }), [
      'm2',
      'm3',
    ]);
    assert.deepEqual(
      await read({
        startPosition: StartPosition.EARLIEST,
        stopPosition: StopPosition.OFFSET,
        stopOffset: 1,
      }),
      ['m0', 'm1'],
    );
    await lastValueFrom(fake.setCursor('s', 0, 'c', 1));
    assert.deepEqual(await read({ startPosition: StartPosition.RESUME, cursorId: 'c' }), [
      'm2',
      'm3',
    ]);
  });

  it("subscribe - partition: 'all' reads every partition merged, each to its own stop and cursor", async () => {
    const fake = new FakeLiftbridgeClient({ streams: { s: 3 } });
    fake.emit('s', 0, ['a0', 'a1']);
    fake.emit('s', 1, ['b0']);
    fake.emit('s', 2, ['c0', 'c1', 'c2']);
    const read = (o: Parameters<typeof fake.subscribe>[1]) =>
      lastValueFrom(
        fake.subscribe('s', { partition: 'all', stopPosition: StopPosition.LATEST, ...o }).pipe(
          map((m) => `${m.partition}:${m.offset}:${text(m)}`),
          toArray(),
        ),
      );
    const all = await read({ startPosition: StartPosition.EARLIEST });
    assert.deepEqual([...all].sort(), ['0:0:a0', '0:1:a1', '1:0:b0', '2:0:c0', '2:1:c1', '2:2:c2']);
    await lastValueFrom(fake.setCursor('s', 2, 'c', 0));
    await lastValueFrom(fake.setCursor('s', 0, 'c', 1));
    assert.deepEqual((await read({ startPosition: StartPosition.RESUME, cursorId: 'c' })).sort(), [
      '1:0:b0',
      '2:1:c1',
      '2:2:c2',
    ]);
    await assert.rejects(
      lastValueFrom(fake.subscribe('nope', { partition: 'all' })),
      (err: unknown) => isLiftbridgeError(err) && err.code === ErrorCode.NotFound,
    );
  });

  it('subscribe - NEW_ONLY gets what is emitted later; deleting the stream ends it STREAM_DELETED', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { s: 1 } });
    fake.emit('s', 0, ['old']);
    const got: string[] = [];
    let failure: unknown;
    fake.subscribe('s').subscribe({ next: (m) => got.push(text(m)), error: (e) => (failure = e) });
    fake.emit('s', 0, ['new']);
    await lastValueFrom(fake.deleteStream('s'));
    assert.deepEqual(got, ['new']);
    assert.ok(isLiftbridgeError(failure, ErrorCode.StreamDeleted));
    await assert.rejects(firstValueFrom(fake.subscribe('s')), (e) =>
      isLiftbridgeError(e, ErrorCode.NotFound),
    );
  });

  it('createStream - STREAM_EXISTS on a taken name; metadata$ follows', async () => {
    const fake = new FakeLiftbridgeClient();
    await lastValueFrom(fake.createStream('s', { partitions: 3 }));
    await assert.rejects(lastValueFrom(fake.createStream('s')), (e) =>
      isLiftbridgeError(e, ErrorCode.StreamExists),
    );
    const md = await firstValueFrom(fake.metadata$);
    assert.equal(md.streams.get('s')?.partitions.size, 3);
    const info = await firstValueFrom(fake.fetchPartitionMetadata('s', 2));
    assert.equal(info.leader, 'fake');
  });

  it('pauseStream - subscribers end PARTITION_PAUSED; resume: true resumes', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { s: 1 } });
    await lastValueFrom(fake.pauseStream('s'));
    await assert.rejects(firstValueFrom(fake.subscribe('s')), (e) =>
      isLiftbridgeError(e, ErrorCode.PartitionPaused),
    );
    fake.emit('s', 0, ['x']);
    const m = await firstValueFrom(
      fake.subscribe('s', { startPosition: StartPosition.EARLIEST, resume: true }),
    );
    assert.equal(text(m), 'x');
  });

  it('failSubscriptions - scripts an error for live subscribers', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { s: 1 } });
    const result = firstValueFrom(fake.subscribe('s'));
    fake.failSubscriptions('s', 0, ErrorCode.Unavailable);
    await assert.rejects(result, (e) => isLiftbridgeError(e, ErrorCode.Unavailable));
  });

  it('consumerGroup - one member reads every partition after the checkpoint; unsubscribe checkpoints', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { a: 2 } });
    fake.emit('a', 0, ['a0', 'a1']);
    fake.emit('a', 1, ['b0']);
    const got = await lastValueFrom(
      fake.consumerGroup('g', 'a').pipe(take(3), map(text), toArray()),
    );
    assert.deepEqual(got.sort(), ['a0', 'a1', 'b0']);
    assert.equal(fake.cursor('a', 0, '__group:g'), 1n);
    assert.equal(fake.cursor('a', 1, '__group:g'), 0n);
    await assert.rejects(firstValueFrom(fake.fetchConsumerGroup('g')), (e) =>
      isLiftbridgeError(e, ErrorCode.NotFound),
    );
    fake.emit('a', 0, ['a2']);
    const next = await firstValueFrom(fake.consumerGroup('g', ['a']));
    assert.equal(text(next), 'a2', 'resumes after the checkpoint');
  });
});

describe('FakeLiftbridgeClient - lifecycle', () => {
  it('close - pending publishes and live subscriptions end CLIENT_CLOSED; later calls too', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { s: 1 } });
    const pending = firstValueFrom(fake.publish('x', { stream: 's' }));
    const live = firstValueFrom(fake.subscribe('s'));
    const statuses = lastValueFrom(fake.status$.pipe(toArray()));
    await fake.close();
    await fake.close();
    await assert.rejects(pending, (e) => isLiftbridgeError(e, ErrorCode.Closed));
    await assert.rejects(live, (e) => isLiftbridgeError(e, ErrorCode.Closed));
    await assert.rejects(firstValueFrom(fake.fetchMetadata()), (e) =>
      isLiftbridgeError(e, ErrorCode.Closed),
    );
    assert.deepEqual(await statuses, [{ type: 'closed' }]);
    assert.equal(fake.closed, true);
  });

  it('await using - disposes the fake', async () => {
    let seen: FakeLiftbridgeClient | undefined;
    {
      await using fake = new FakeLiftbridgeClient();
      seen = fake;
    }
    assert.equal(seen.closed, true);
  });

  it('drain - new calls fail CLIENT_CLOSED at once; pending publishes wait for the test; subscriptions complete; groups checkpoint; then closed', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { s: 1 } });
    fake.emit('s', 0, ['a', 'b']);
    const acks: Ack[] = [];
    fake.publish('x', { stream: 's' }).subscribe((a) => acks.push(a));
    const read = lastValueFrom(
      fake.subscribe('s', { startPosition: StartPosition.EARLIEST }).pipe(toArray()),
    );
    const group = lastValueFrom(fake.consumerGroup('g', 's').pipe(toArray()));
    const statuses = lastValueFrom(fake.status$.pipe(toArray()));
    const drained = fake.drain();
    assert.equal(fake.drain(), drained, 'drain() twice: the same promise');
    assert.deepEqual((await read).map(text), ['a', 'b'], 'the subscription completed');
    assert.deepEqual((await group).map(text), ['a', 'b'], 'the group completed');
    assert.equal(fake.cursor('s', 0, '__group:g'), 1n, 'its checkpoint was stored');
    await assert.rejects(firstValueFrom(fake.publish('late', { stream: 's' })), (e) =>
      isLiftbridgeError(e, ErrorCode.Closed),
    );
    await assert.rejects(firstValueFrom(fake.fetchMetadata()), (e) =>
      isLiftbridgeError(e, ErrorCode.Closed),
    );
    assert.equal(fake.closed, false, 'the pending publish holds the drain open');
    fake.expectPublish({ value: 'x' }).ack();
    await drained;
    assert.equal(acks.length, 1, 'the publish accepted before drain was acked');
    assert.equal(fake.closed, true);
    assert.deepEqual(await statuses, [{ type: 'draining' }, { type: 'closed' }]);
    assert.throws(
      () => fake.drain({ timeout: 0 }),
      (e) => isLiftbridgeError(e, ErrorCode.InvalidArgument),
    );
  });

  it('drain - the timeout (RxJS clock) closes what is left: a publish nobody answered fails CLIENT_CLOSED', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { s: 1 }, ackTimeout: 60_000 });
    const outcome = firstValueFrom(fake.publish('x', { stream: 's' })).then(
      () => 'acked',
      (e: unknown) => (isLiftbridgeError(e) ? e.code : String(e)),
    );
    let drained: Promise<void> | undefined;
    new TestScheduler(assert.deepEqual).run(({ flush }) => {
      drained = fake.drain({ timeout: 1_000 });
      flush(); // virtual time runs to the drain timeout
    });
    await drained;
    assert.equal(await outcome, ErrorCode.Closed);
    assert.equal(fake.closed, true);
  });

  it('drain - a bulk stops taking requests: those waiting fail CLIENT_CLOSED, those in flight are acked by the test, then it completes', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { s: 1 } });
    const source = new Subject<PublishRequest>();
    const outcomes = lastValueFrom(
      source.pipe(
        publishBulkSettled(fake, { concurrency: 2 }),
        map((o) => (o.type === 'error' ? `${o.error.code}` : o.type)),
        toArray(),
      ),
    );
    for (const v of ['a', 'b', 'c']) source.next(fake.getPublishRequest(v, { stream: 's' }));
    const drained = fake.drain();
    assert.equal(source.observed, false, 'the bulk let its source go');
    for (const p of fake.matchPublishes()) p.ack();
    await drained;
    assert.deepEqual(await outcomes, ['CLIENT_CLOSED', 'ack', 'ack']);
  });
});

describe('FakeLiftbridgeClient - flow control', () => {
  it('messages - the replay stops at the high water mark while the loop is behind', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    fake.emit(
      'orders',
      0,
      Array.from({ length: 1_000 }, (_, i) => ({ value: `m${i}` })),
    );
    const appended: number[] = [];
    let read = 0;
    const iterator = fake
      .messages('orders', { startPosition: StartPosition.EARLIEST, highWaterMark: 10 })
      [Symbol.asyncIterator]();
    // One pull: the replay runs until 10 wait (plus the one handed out).
    const first = await iterator.next();
    assert.equal(first.value && text(first.value), 'm0');
    // The rest still comes, in order, as the loop pulls.
    for (;;) {
      const r = await iterator.next();
      if (r.done) break;
      read += 1;
      appended.push(Number(r.value.offset));
      if (read === 998) break;
    }
    assert.deepEqual(
      appended,
      Array.from({ length: 998 }, (_, i) => i + 1),
    );
    await iterator.return?.();
    await fake.close();
  });

  it('consume - handles every message with the given concurrency, results emitted', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    fake.emit(
      'orders',
      0,
      ['a', 'b', 'c'].map((value) => ({ value })),
    );
    let running = 0;
    let most = 0;
    const out = await lastValueFrom(
      fake
        .consume(
          'orders',
          async (m) => {
            running += 1;
            most = Math.max(most, running);
            await Promise.resolve();
            running -= 1;
            return text(m);
          },
          {
            startPosition: StartPosition.EARLIEST,
            stopPosition: StopPosition.LATEST,
            concurrency: 2,
          },
        )
        .pipe(toArray()),
    );
    assert.deepEqual(out.sort(), ['a', 'b', 'c']);
    assert.equal(most, 2);
    await fake.close();
  });

  it('drain - messages() loops end after what they received, consume() after its handlers; then closed', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    fake.emit(
      'orders',
      0,
      Array.from({ length: 1_000 }, (_, i) => ({ value: `m${i}` })),
    );
    let started = 0;
    let finished = 0;
    const consumed = lastValueFrom(
      fake
        .consume(
          'orders',
          async (m) => {
            started += 1;
            await new Promise((r) => setImmediate(r));
            finished += 1;
            return text(m);
          },
          { startPosition: StartPosition.EARLIEST, prefetch: 10 },
        )
        .pipe(toArray()),
    );
    let read = 0;
    let drained: Promise<void> | undefined;
    for await (const _ of fake.messages('orders', {
      startPosition: StartPosition.EARLIEST,
      highWaterMark: 10,
    })) {
      read += 1;
      await new Promise((r) => setImmediate(r));
      if (read === 5) drained = fake.drain();
    }
    const handled = await consumed;
    await drained;
    assert.ok(read >= 5 && read < 1_000, `${read} read`);
    assert.ok(handled.length > 0 && handled.length < 1_000, `${handled.length} handled`);
    assert.equal(started, finished);
    assert.equal(fake.closed, true);
  });

  it('consumeGroup - concurrency handlers at a time; drain lets the handlers finish, then checkpoints each partition at its last handled message (no gap)', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 2 } });
    for (const partition of [0, 1])
      fake.emit(
        'orders',
        partition,
        Array.from({ length: 500 }, (_, i) => ({ value: `${partition}-${i}` })),
      );
    let most = 0;
    let started = 0;
    let finished = 0;
    let drained: Promise<void> | undefined;
    const handled = await lastValueFrom(
      fake
        .consumeGroup(
          'billing',
          'orders',
          async (m) => {
            started += 1;
            await new Promise((r) => setImmediate(r));
            finished += 1;
            if (finished === 100) drained = fake.drain();
            return m;
          },
          { prefetch: 20, concurrency: 2 },
        )
        .pipe(
          map((m) => {
            most = Math.max(most, started - finished);
            return m;
          }),
          toArray(),
        ),
    );
    await drained;
    assert.equal(started, finished, 'every handler started has finished');
    assert.ok(handled.length >= 100 && handled.length < 1_000, `${handled.length} handled`);
    assert.ok(most <= 2, `at most 2 handlers at once (${most})`);
    for (const partition of [0, 1]) {
      const offsets = handled.filter((m) => m.partition === partition).map((m) => m.offset);
      const last = offsets.length === 0 ? -1n : offsets.reduce((a, b) => (a > b ? a : b));
      assert.equal(offsets.length, Number(last + 1n), `partition ${partition}: no gap`);
      assert.equal(
        fake.cursor('orders', partition, groupCursorId('billing')),
        last,
        `partition ${partition}: checkpointed at its last handled message`,
      );
    }
  });
});
