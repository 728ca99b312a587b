/**
 * drain() against a real server: publishes accepted before it settle and
 * are stored, live subscriptions complete, consumer groups store their
 * checkpoints, bulks stop taking requests, and everything after it fails
 * CLIENT_CLOSED. The timeout (a broker that never acks) runs against the
 * in-process stub broker, which can script that.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom, map, type Observable, Subject, toArray } from 'rxjs';
import {
  type ClientStatus,
  ErrorCode,
  isLiftbridgeError,
  LiftbridgeClient,
  type PublishOutcome,
  type PublishRequest,
  publishBulkSettled,
  StartPosition,
} from '../../lib/index.js';
import { startFakeBroker } from '../helpers/fake-broker.js';
import { cursorOf, eventually, GROUP_TIMEOUTS, groupGone } from '../helpers/groups.js';
import { readAll, text, waitFor } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';

/** The error code a promise rejects with ('ok' when it resolves). */
async function code(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (err) {
    return isLiftbridgeError(err) ? err.code : `not a LiftbridgeError: ${String(err)}`;
  }
}

/** How a subscription ended: 'open', 'completed' or the error's code. */
function ending(source: Observable<unknown>): () => string {
  let state = 'open';
  source.subscribe({
    complete: () => {
      state = 'completed';
    },
    error: (err: unknown) => {
      state = isLiftbridgeError(err) ? err.code : String(err);
    },
  });
  return () => state;
}

describe('drain against a real server', async () => {
  const server = await useServer({ extraConfig: GROUP_TIMEOUTS });
  const admin = server.client();

  it('drain - 500 publishes issued, then drain(): 500 acks, 500 stored, the live subscription completed, later calls fail CLIENT_CLOSED', async () => {
    const stream = uniqueName('drain');
    const client = new LiftbridgeClient(server.brokers);
    await lastValueFrom(client.createStream(stream));
    const events: string[] = [];
    client.status$.subscribe((e: ClientStatus) => {
      if (e.type === 'draining' || e.type === 'closed') events.push(e.type);
    });
    const live = ending(client.subscribe(stream, { startPosition: StartPosition.EARLIEST }));
    const acks = Array.from({ length: 500 }, (_, i) =>
      lastValueFrom(client.publish(`m${i}`, { stream })),
    );

    const drained = client.drain();
    assert.equal(client.drain(), drained, 'drain() twice: the same promise');
    // New work is refused at once, while the accepted publishes are still in flight.
    assert.equal(await code(lastValueFrom(client.publish('late', { stream }))), 'CLIENT_CLOSED');
    assert.equal(
      await code(lastValueFrom(client.subscribe(stream, { startPosition: 'EARLIEST' }))),
      'CLIENT_CLOSED',
    );
    assert.equal(await code(lastValueFrom(client.fetchMetadata())), 'CLIENT_CLOSED');
    await drained;

    const settled = await Promise.allSettled(acks);
    const offsets = settled.map((s) => (s.status === 'fulfilled' ? s.value.offset : s.reason));
    assert.deepEqual(
      settled.filter((s) => s.status === 'rejected').map((s) => String(s.reason)),
      [],
      'every publish issued before drain was acked',
    );
    assert.equal(new Set(offsets.map(String)).size, 500, '500 distinct offsets');
    assert.equal(live(), 'completed', 'the live subscription completed');
    assert.equal(client.closed, true);
    assert.deepEqual(events, ['draining', 'closed']);
    assert.equal(await code(lastValueFrom(client.publish('after', { stream }))), 'CLIENT_CLOSED');

    const stored = await readAll(server.brokers, stream);
    assert.equal(stored.length, 500, '500 stored (read back by a second client)');
    assert.deepEqual(
      new Set(stored.map(text)),
      new Set(Array.from({ length: 500 }, (_, i) => `m${i}`)),
    );
  });

  it('drain - publishBulk mid-stream: every request in flight is acked, those still waiting fail CLIENT_CLOSED, the source is let go, the bulk completes', async () => {
    const stream = uniqueName('drain-bulk');
    const client = new LiftbridgeClient(server.brokers);
    await lastValueFrom(client.createStream(stream));
    const source = new Subject<PublishRequest>();
    const outcomes = lastValueFrom(
      source.pipe(publishBulkSettled(client, { concurrency: 64 }), toArray()),
    );
    for (let i = 0; i < 100; i++) source.next(client.getPublishRequest(`b${i}`, { stream }));
    await client.drain();
    assert.equal(source.observed, false, 'the bulk let its source go');
    const seen = await outcomes; // completed, without the source completing
    const kinds = (type: string, c?: string) =>
      seen.filter(
        (o: PublishOutcome) =>
          o.type === type && (!c || (o.type === 'error' && o.error.code === c)),
      );
    assert.equal(kinds('ack').length, 64, 'the 64 requests in flight were acked');
    assert.equal(
      kinds('error', ErrorCode.Closed).length,
      36,
      'the 36 never sent failed CLIENT_CLOSED',
    );
    assert.equal(seen.length, 100);
    const stored = await readAll(server.brokers, stream);
    assert.deepEqual(
      stored.map(text).sort(),
      kinds('ack')
        .map((o) => Buffer.from(o.request.value).toString())
        .sort(),
      'exactly the acked requests are stored',
    );
  });

  it('drain - a consumer group stores its checkpoint (cursor), completes and leaves', async () => {
    const stream = uniqueName('drain-grp');
    const group = uniqueName('g');
    await lastValueFrom(admin.createStream(stream));
    for (let i = 0; i < 20; i++) await lastValueFrom(admin.publish(`g${i}`, { stream }));
    const client = new LiftbridgeClient(server.brokers);
    const received: bigint[] = [];
    let state = 'open';
    // No periodic checkpoint within the test: only drain's can store the cursor.
    client.consumerGroup(group, stream, { autoCheckpoint: 3_600_000 }).subscribe({
      next: (m) => received.push(m.offset),
      complete: () => {
        state = 'completed';
      },
      error: (err: unknown) => {
        state = String(err);
      },
    });
    await waitFor(() => received.length >= 20, 30_000, '20 messages');
    assert.equal(await cursorOf(admin, stream, 0, group), -1n, 'no checkpoint before drain');
    await client.drain();
    assert.equal(state, 'completed', 'the group completed');
    assert.equal(await cursorOf(admin, stream, 0, group), 19n, 'drain stored the checkpoint');
    await eventually(async () => ((await groupGone(admin, group)) ? true : 'the group is live'));
  });

  it('drain - started inside a for-await body and a consume() handler without waiting, then leaving: it ends at once, not at its timeout', async () => {
    const stream = uniqueName('drain-inside');
    const setup = new LiftbridgeClient(server.brokers);
    await lastValueFrom(setup.createStream(stream, { waitForStream: true }));
    for (let i = 0; i < 20; i++) await lastValueFrom(setup.publish(`m${i}`, { stream }));
    await setup.close();
    // A drain that waited out its timeout would outlast the spec's own timeout.
    const loop = new LiftbridgeClient(server.brokers, { drainTimeout: 600_000 });
    let drained: Promise<void> | undefined;
    const seen: string[] = [];
    for await (const m of loop.messages(stream, { startPosition: 'EARLIEST' })) {
      seen.push(text(m));
      if (seen.length === 5) {
        drained = loop.drain();
        break;
      }
    }
    await drained;
    assert.equal(loop.closed, true);
    assert.deepEqual(seen, ['m0', 'm1', 'm2', 'm3', 'm4']);
    const handler = new LiftbridgeClient(server.brokers, { drainTimeout: 600_000 });
    let fromHandler: Promise<void> | undefined;
    const handled = await lastValueFrom(
      handler
        .consume(
          stream,
          (m) => {
            if (text(m) === 'm3') fromHandler = handler.drain();
            return [text(m)];
          },
          { startPosition: 'EARLIEST', prefetch: 4 },
        )
        .pipe(toArray()),
    );
    await fromHandler;
    assert.equal(handler.closed, true);
    // What was received by then is handled, in order, then consume() completes.
    assert.ok(handled.length >= 4, handled.join(','));
    assert.deepEqual(
      handled,
      Array.from({ length: handled.length }, (_, i) => `m${i}`),
    );
  });

  it('drain - the timeout bounds it: a publish the broker never acks then fails CLIENT_CLOSED, as close() fails it', async () => {
    const broker = await startFakeBroker({ publish: () => undefined }); // never acks
    const client = new LiftbridgeClient([broker.address], {
      metadataRefreshInterval: 0,
      ackTimeout: 600_000,
      drainTimeout: 600_000,
    });
    try {
      const publish = lastValueFrom(client.publish('x', { stream: 'wire' }));
      await waitFor(() => broker.publishes.length === 1, 10_000, 'the publish reached the broker');
      assert.throws(() => client.drain({ timeout: -1 }), { code: ErrorCode.InvalidArgument });
      await client.drain({ timeout: 200 });
      assert.equal(await code(publish), 'CLIENT_CLOSED');
      assert.equal(client.closed, true);
    } finally {
      await client.close();
      await broker.close();
    }
  });

  it('drain - close() during a drain closes at once; the drain resolves with it', async () => {
    const broker = await startFakeBroker({ publish: () => undefined }); // never acks
    const client = new LiftbridgeClient([broker.address], {
      metadataRefreshInterval: 0,
      ackTimeout: 600_000,
      drainTimeout: 600_000,
    });
    try {
      const publish = lastValueFrom(client.publish('x', { stream: 'wire' }));
      await waitFor(() => broker.publishes.length === 1, 10_000, 'the publish reached the broker');
      const drained = client.drain();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(client.closed, false, 'still draining: the publish holds it open');
      await client.close();
      await drained;
      assert.equal(await code(publish), 'CLIENT_CLOSED');
      assert.equal(client.drain(), drained, 'drain after: the same promise');
    } finally {
      await client.close();
      await broker.close();
    }
  });

  it('drain - after close(), drain() resolves at once (close()s promise)', async () => {
    const client = new LiftbridgeClient(server.brokers);
    await lastValueFrom(client.fetchMetadata().pipe(map(() => undefined)));
    const closed = client.close();
    assert.equal(await code(client.drain()), 'ok');
    await closed;
  });
});
