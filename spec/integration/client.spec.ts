/**
 * Every public method and option of LiftbridgeClient against a real
 * Liftbridge server (started by the test bed, or LIFTBRIDGE_BROKERS).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstValueFrom, from, lastValueFrom, map, take, timeout, timer, toArray } from 'rxjs';
import {
  type Ack,
  AckPolicy,
  ErrorCode,
  LiftbridgeError,
  type Message,
  PublishBulkError,
  publishBulk,
  publishBulkSettled,
  StopPosition,
} from '../../lib/index.js';
import { readPartition } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

const text = (m: Message) => Buffer.from(m.value).toString();

describe('client against a real server', async () => {
  const server = await useServer();
  const client = server.client();

  async function stream(options: Parameters<typeof client.createStream>[1] = {}): Promise<string> {
    const name = uniqueName();
    await lastValueFrom(client.createStream(name, options));
    return name;
  }

  async function publishAll(name: string, values: string[], partition = 0): Promise<Ack[]> {
    return lastValueFrom(
      from(values).pipe(
        map((v) => client.getPublishRequest(v, { stream: name, partition })),
        publishBulk(client),
        toArray(),
      ),
    );
  }

  const readAll = (name: string, partition = 0) => readPartition(client, name, partition);

  describe('streams', () => {
    it('createStream - subject defaults to the name; partitions and a leader each', async () => {
      const name = await stream({ partitions: 3 });
      const info = (await lastValueFrom(client.fetchMetadata([name]))).streams.get(name);
      assert.equal(info?.subject, name);
      assert.equal(info?.partitions.size, 3);
      assert.ok(info && [...info.partitions.values()].every((p) => p.leader));
      assert.ok((info?.creationTimestamp ?? 0n) > 0n);
    });

    it('createStream - accepts every setting (sent only when set)', async () => {
      const name = uniqueName();
      await lastValueFrom(
        client.createStream(name, {
          subject: `${name}.subject`,
          group: 'g1',
          partitions: 2,
          replicationFactor: 'all',
          minIsr: 1,
          retentionMaxBytes: 1n << 40n,
          retentionMaxMessages: 1_000_000,
          retentionMaxAge: 3_600_000,
          cleanerInterval: 60_000,
          segmentMaxBytes: 1 << 24,
          segmentMaxAge: 600_000,
          compactEnabled: true,
          compactMaxGoroutines: 2,
          autoPauseTime: 0,
          autoPauseDisableIfSubscribers: true,
          optimisticConcurrencyControl: false,
          encryption: false,
        }),
      );
      const info = (await lastValueFrom(client.fetchMetadata([name]))).streams.get(name);
      assert.equal(info?.subject, `${name}.subject`);
      assert.equal(info?.partitions.get(0)?.replicas.length, 1, 'all brokers of a 1-node cluster');
    });

    it('createStream - an existing name is STREAM_EXISTS', async () => {
      const name = await stream();
      await assert.rejects(lastValueFrom(client.createStream(name)), {
        code: ErrorCode.StreamExists,
      });
    });

    it('createStream - waitForStream: false completes without waiting for leaders', async () => {
      const name = uniqueName();
      const done = await lastValueFrom(
        client.createStream(name, { waitForStream: false }).pipe(toArray()),
      );
      assert.deepEqual(done, [undefined]);
    });

    it('createStream - is cold: nothing is created until subscription', async () => {
      const name = uniqueName();
      const op = client.createStream(name);
      const before = await lastValueFrom(client.fetchMetadata([name]));
      assert.equal(before.streams.has(name), false);
      await lastValueFrom(op);
      assert.equal((await lastValueFrom(client.fetchMetadata([name]))).streams.has(name), true);
    });

    it('deleteStream - removes it; a missing stream is NOT_FOUND', async () => {
      const name = await stream();
      await lastValueFrom(client.deleteStream(name));
      assert.equal((await lastValueFrom(client.fetchMetadata([name]))).streams.has(name), false);
      await assert.rejects(lastValueFrom(client.deleteStream(name)), { code: ErrorCode.NotFound });
    });

    it('pauseStream - pauses chosen partitions; a publish to one is stored', async () => {
      const name = await stream({ partitions: 2 });
      await lastValueFrom(client.pauseStream(name, { partitions: [1] }));
      assert.equal((await lastValueFrom(client.fetchPartitionMetadata(name, 1))).paused, true);
      assert.equal(
        (await lastValueFrom(client.fetchMetadata([name]))).streams.get(name)?.partitions.has(0),
        true,
      );
      const ack = await lastValueFrom(client.publish('wake', { stream: name, partition: 1 }));
      assert.equal(ack.partition, 1);
      // v1.9.0 keeps reporting paused: true after a publish resumed the
      // partition; what counts is that the message is stored and readable.
      assert.deepEqual((await readAll(name, 1)).map(text), ['wake']);
    });

    it('pauseStream - resumeAll; subscribe with resume reads a paused partition', async () => {
      const name = await stream({ partitions: 2 });
      await publishAll(name, ['a', 'b']);
      await lastValueFrom(client.pauseStream(name, { resumeAll: true }));
      const messages = await lastValueFrom(
        client
          .subscribe(name, { resume: true, startPosition: 'EARLIEST', stopPosition: 'LATEST' })
          .pipe(toArray()),
      );
      assert.deepEqual(messages.map(text), ['a', 'b']);
      const md = await lastValueFrom(client.fetchMetadata([name]));
      assert.ok(md.streams.has(name));
    });

    it('pauseStream - a missing stream is NOT_FOUND', async () => {
      await assert.rejects(lastValueFrom(client.pauseStream(uniqueName())), {
        code: ErrorCode.NotFound,
      });
    });

    it('setStreamReadonly - publishes fail with READONLY; clearing it allows them again', async () => {
      const name = await stream();
      await lastValueFrom(client.setStreamReadonly(name));
      assert.equal((await lastValueFrom(client.fetchPartitionMetadata(name, 0))).readonly, true);
      await assert.rejects(lastValueFrom(client.publish('x', { stream: name })), {
        code: ErrorCode.Readonly,
      });
      await lastValueFrom(client.setStreamReadonly(name, { readonly: false }));
      const ack = await lastValueFrom(client.publish('y', { stream: name }));
      assert.equal(ack.offset, 0n);
    });

    it('subscribe - the end of a readonly partition: READONLY, or completion with a stop position', async () => {
      const name = await stream();
      await publishAll(name, ['a', 'b']);
      await lastValueFrom(client.setStreamReadonly(name, { partitions: [0] }));
      const seen: string[] = [];
      await assert.rejects(
        lastValueFrom(
          client
            .subscribe(name, { startPosition: 'EARLIEST' })
            .pipe(map((m) => seen.push(text(m)))),
        ),
        { code: ErrorCode.Readonly },
      );
      assert.deepEqual(seen, ['a', 'b']);
      assert.deepEqual((await readAll(name)).map(text), ['a', 'b']);
    });

    const terminal = [
      {
        what: 'set readonly',
        code: ErrorCode.Readonly,
        change: (name: string) => client.setStreamReadonly(name),
      },
      {
        what: 'paused',
        code: ErrorCode.PartitionPaused,
        change: (name: string) => client.pauseStream(name),
      },
    ];
    for (const { what, code, change } of terminal) {
      it(`subscribe - a partition ${what} under a live subscription: ${code} after the last message, no retry loop`, async () => {
        const name = await stream();
        const seen: string[] = [];
        const live = assert.rejects(
          lastValueFrom(
            client.subscribe(name, { startPosition: 'EARLIEST' }).pipe(
              map((m) => seen.push(text(m))),
              timeout(20_000),
            ),
          ),
          { code },
        );
        await publishAll(name, ['a', 'b']);
        await until(() => seen.length === 2, 'the subscription to read both');
        await lastValueFrom(change(name));
        await live;
        assert.deepEqual(seen, ['a', 'b']);
      });
    }
  });

  describe('metadata', () => {
    it('fetchMetadata - updates metadata$; unknown streams are absent', async () => {
      const name = await stream();
      const missing = uniqueName();
      const md = await lastValueFrom(client.fetchMetadata([name, missing]));
      assert.ok(md.streams.has(name));
      assert.equal(md.streams.has(missing), false);
      const current = await firstValueFrom(client.metadata$);
      assert.ok(current.streams.has(name));
      assert.ok(current.brokers.size >= 1);
    });

    it('fetchPartitionMetadata - offsets, timestamps; a missing partition is NOT_FOUND', async () => {
      const name = await stream();
      await publishAll(name, ['a', 'b', 'c']);
      const p = await lastValueFrom(client.fetchPartitionMetadata(name, 0));
      assert.equal(p.newestOffset, 2n);
      assert.equal(p.highWatermark, 2n);
      assert.ok(
        p.messagesReceived.latest >= p.messagesReceived.first && p.messagesReceived.first > 0n,
      );
      assert.equal(p.paused, false);
      await assert.rejects(lastValueFrom(client.fetchPartitionMetadata(name, 5)), {
        code: ErrorCode.NotFound,
      });
      await assert.rejects(lastValueFrom(client.fetchPartitionMetadata(uniqueName(), 0)), {
        code: ErrorCode.NotFound,
      });
    });
  });

  describe('publish', () => {
    it('publish - waits for the real ack: offset, stream, partition, policy', async () => {
      const name = await stream({ partitions: 2 });
      const ack = await lastValueFrom(
        client.publish('v', { stream: name, partition: 1, ackPolicy: AckPolicy.ALL }),
      );
      assert.equal(ack.stream, name);
      assert.equal(ack.partition, 1);
      assert.equal(ack.offset, 0n);
      assert.equal(ack.ackPolicy, 'ALL');
      assert.ok(ack.commitTimestamp >= ack.receptionTimestamp);
    });

    it('publish - key, headers and correlation id reach the subscriber', async () => {
      const name = await stream();
      const ack = await lastValueFrom(
        client.publish(new Uint8Array([1, 2, 3]), {
          stream: name,
          key: 'k1',
          headers: new Map([['h', 'v']]),
          correlationId: 'my-id-1',
        }),
      );
      assert.equal(ack.correlationId, 'my-id-1');
      const [m] = await readAll(name);
      assert.deepEqual([...(m?.value ?? [])], [1, 2, 3]);
      assert.equal(Buffer.from(m?.key ?? []).toString(), 'k1');
      assert.equal(Buffer.from(m?.headers.get('h') ?? []).toString(), 'v');
    });

    it('publish - a correlation id still in flight is refused (INVALID_ARGUMENT); once acked it may be used again', async () => {
      const name = await stream();
      const ids = Array.from({ length: 3000 }, (_, i) => `dup-${i}`);
      // Many named ids settle first, so the in-flight set is rebuilt (named-ids.ts) under way.
      const acks = await lastValueFrom(
        from(
          ids.map((id) => client.getPublishRequest(id, { stream: name, correlationId: id })),
        ).pipe(publishBulk(client, { concurrency: 64 }), toArray()),
      );
      assert.deepEqual(
        acks.map((a) => a.correlationId),
        ids,
      );
      const first = lastValueFrom(client.publish('one', { stream: name, correlationId: 'dup-7' }));
      await assert.rejects(
        lastValueFrom(client.publish('two', { stream: name, correlationId: 'dup-7' })),
        (err: unknown) =>
          err instanceof LiftbridgeError &&
          err.code === ErrorCode.InvalidArgument &&
          /already in flight/.test(err.message),
      );
      assert.equal((await first).correlationId, 'dup-7');
      const again = await lastValueFrom(
        client.publish('three', { stream: name, correlationId: 'dup-7' }),
      );
      assert.equal(again.correlationId, 'dup-7');
      const stored = (await readAll(name)).slice(-2).map(text);
      assert.deepEqual(stored, ['one', 'three']);
    });

    it('publish - AckPolicy NONE completes without an ack, and the message is stored', async () => {
      const name = await stream();
      const out = await lastValueFrom(
        client.publish('fire', { stream: name, ackPolicy: 'NONE' }).pipe(toArray()),
      );
      assert.deepEqual(out, []);
      const [m] = await lastValueFrom(
        client.subscribe(name, { startPosition: 'EARLIEST' }).pipe(take(1), toArray()),
      );
      assert.equal(m && text(m), 'fire');
    });

    it('publish - expectedOffset: optimistic concurrency accepts the right offset, refuses a wrong one', async () => {
      const name = await stream({ optimisticConcurrencyControl: true });
      const first = await lastValueFrom(client.publish('a', { stream: name, expectedOffset: 0 }));
      assert.equal(first.offset, 0n);
      await assert.rejects(
        lastValueFrom(client.publish('b', { stream: name, expectedOffset: 5 })),
        {
          code: ErrorCode.IncorrectOffset,
        },
      );
      const second = await lastValueFrom(client.publish('c', { stream: name, expectedOffset: 1 }));
      assert.equal(second.offset, 1n);
    });

    it('publish - without expectedOffset publishing works on an OCC stream (sent as -1)', async () => {
      const name = await stream({ optimisticConcurrencyControl: true });
      await lastValueFrom(client.publish('a', { stream: name }));
      const ack = await lastValueFrom(client.publish('b', { stream: name }));
      assert.equal(ack.offset, 1n);
    });

    it('publish - an unknown stream or partition is NOT_FOUND', async () => {
      await assert.rejects(lastValueFrom(client.publish('x', { stream: uniqueName() })), {
        code: ErrorCode.NotFound,
      });
      const name = await stream();
      await assert.rejects(lastValueFrom(client.publish('x', { stream: name, partition: 7 })), {
        code: ErrorCode.NotFound,
      });
    });

    it('publish - a value over the server limit or the 4 MiB gRPC limit is MESSAGE_TOO_LARGE', async () => {
      const name = await stream();
      await assert.rejects(
        lastValueFrom(client.publish(new Uint8Array(2 * 1024 * 1024), { stream: name })),
        {
          code: ErrorCode.MessageTooLarge,
        },
      );
      await assert.rejects(
        lastValueFrom(client.publish(new Uint8Array(5 * 1024 * 1024), { stream: name })),
        {
          code: ErrorCode.MessageTooLarge,
        },
      );
      const ack = await lastValueFrom(client.publish('still fine', { stream: name }));
      assert.equal(ack.offset, 0n);
    });

    it('publish - is cold: nothing is sent until subscription', async () => {
      const name = await stream();
      const op = client.publish('later', { stream: name });
      await lastValueFrom(timer(50));
      assert.equal((await lastValueFrom(client.fetchPartitionMetadata(name, 0))).newestOffset, -1n);
      await lastValueFrom(op);
      assert.equal((await lastValueFrom(client.fetchPartitionMetadata(name, 0))).newestOffset, 0n);
    });
  });

  describe('publish transports', () => {
    it("transport - 'http2' (default) and 'grpc-js' store the same messages in order with the same acks; a bad value is INVALID_ARGUMENT", async () => {
      const name = await stream();
      for (const transport of ['http2', 'grpc-js'] as const) {
        const c = server.client({ transport });
        const acks = await lastValueFrom(
          from(['a', 'b', 'c']).pipe(
            map((v) =>
              c.getPublishRequest(`${transport}-${v}`, {
                stream: name,
                key: 'k',
                headers: { h: 'v' },
              }),
            ),
            publishBulk(c),
            toArray(),
          ),
        );
        assert.deepEqual(
          acks.map((a) => a.stream),
          [name, name, name],
          transport,
        );
        assert.ok(acks.every((a) => a.commitTimestamp > 1_600_000_000_000_000_000n));
        await c.close();
      }
      const stored = await readAll(name);
      assert.deepEqual(stored.map(text), [
        'http2-a',
        'http2-b',
        'http2-c',
        'grpc-js-a',
        'grpc-js-b',
        'grpc-js-c',
      ]);
      assert.deepEqual(
        stored.map((m) => m.offset),
        [0n, 1n, 2n, 3n, 4n, 5n],
      );
      assert.ok(stored.every((m) => Buffer.from(m.headers.get('h') ?? []).toString() === 'v'));
      assert.throws(() => server.client({ transport: 'h3' as 'http2' }), {
        code: ErrorCode.InvalidArgument,
      });
    });
  });

  describe('publishBulk', () => {
    it('publishBulk - 10 requests, 10 acks, offsets 0..9', async () => {
      const name = await stream();
      const acks = await publishAll(
        name,
        Array.from({ length: 10 }, (_, i) => `msg${i}`),
      );
      assert.equal(acks.length, 10);
      assert.deepEqual(
        acks.map((a) => a.offset).sort((a, b) => Number(a - b)),
        Array.from({ length: 10 }, (_, i) => BigInt(i)),
      );
      assert.deepEqual(
        (await readAll(name)).map(text),
        Array.from({ length: 10 }, (_, i) => `msg${i}`),
      );
    });

    it('publishBulk - different streams and partitions in one bulk; acks name their partition', async () => {
      const a = await stream({ partitions: 2 });
      const b = await stream();
      const requests = [
        client.getPublishRequest('a0', { stream: a, partition: 0 }),
        client.getPublishRequest('a1', { stream: a, partition: 1 }),
        client.getPublishRequest('b0', { stream: b }),
      ];
      const acks = await lastValueFrom(
        from(requests).pipe(publishBulk(client, { concurrency: 2 }), toArray()),
      );
      const where = acks.map((ack) => `${ack.stream === a ? 'a' : 'b'}${ack.partition}`).sort();
      assert.deepEqual(where, ['a0', 'a1', 'b0']);
    });

    it('publishBulk - a failing request fails alone; the rest of the bulk is acked', async () => {
      const name = await stream();
      const requests = [
        client.getPublishRequest('ok1', { stream: name }),
        client.getPublishRequest('lost', { stream: uniqueName() }),
        client.getPublishRequest(new Uint8Array(2 * 1024 * 1024), { stream: name }),
        client.getPublishRequest(new Uint8Array(5 * 1024 * 1024), { stream: name }),
        client.getPublishRequest('ok2', { stream: name }),
      ];
      const acks: Ack[] = [];
      await assert.rejects(
        lastValueFrom(
          from(requests).pipe(
            publishBulk(client),
            map((ack) => acks.push(ack)),
          ),
        ),
        (err: unknown) => {
          assert.ok(err instanceof PublishBulkError);
          assert.deepEqual(
            err.failures.map((f) => f.error.code).sort(),
            [ErrorCode.MessageTooLarge, ErrorCode.MessageTooLarge, ErrorCode.NotFound].sort(),
          );
          return true;
        },
      );
      assert.equal(acks.length, 2);
      assert.deepEqual((await readAll(name)).map(text), ['ok1', 'ok2']);
    });

    it('publishBulkSettled - one outcome per request, AckPolicy NONE reported as sent', async () => {
      const name = await stream();
      const outcomes = await lastValueFrom(
        from([
          client.getPublishRequest('a', { stream: name }),
          client.getPublishRequest('b', { stream: name, ackPolicy: 'NONE' }),
          client.getPublishRequest('c', { stream: uniqueName() }),
        ]).pipe(publishBulkSettled(client), toArray()),
      );
      assert.deepEqual(outcomes.map((o) => o.type).sort(), ['ack', 'error', 'sent']);
    });

    it('publishBulk - wait: false completes once everything is written; all of it is stored', async () => {
      const name = await stream();
      const values = Array.from({ length: 500 }, (_, i) => `w${i}`);
      await lastValueFrom(
        from(values).pipe(
          map((v) => client.getPublishRequest(v, { stream: name })),
          publishBulk(client, { wait: false }),
          toArray(),
        ),
      );
      const stored = await lastValueFrom(
        client.subscribe(name, { startPosition: 'EARLIEST' }).pipe(take(values.length), toArray()),
      );
      assert.deepEqual(stored.map(text), values);
    });

    it('publishBulk - keeps order within a partition and the in-flight window bounded', async () => {
      const name = await stream();
      let maxInFlight = 0;
      const values = Array.from({ length: 2000 }, (_, i) => `o${i}`);
      await lastValueFrom(
        from(values).pipe(
          map((v) => {
            maxInFlight = Math.max(maxInFlight, client.publishesInFlight);
            return client.getPublishRequest(v, { stream: name });
          }),
          publishBulk(client, { concurrency: 64 }),
          toArray(),
        ),
      );
      assert.ok(maxInFlight <= 64, `in flight ${maxInFlight}`);
      assert.deepEqual((await readAll(name)).map(text), values);
    });
  });

  describe('subscribe', () => {
    it('subscribe - NEW_ONLY (default) sees only messages published after it started', async () => {
      const name = await stream();
      await publishAll(name, ['old']);
      const got = firstValueFrom(client.subscribe(name));
      let arrived = false;
      void got.then(() => {
        arrived = true;
      });
      // Until it has started (one published before that is, rightly, not seen).
      for (let i = 0; i < 100 && !arrived; i++) {
        await publishAll(name, ['new']);
        await lastValueFrom(timer(200));
      }
      assert.equal(text(await got), 'new');
    });

    it('subscribe - EARLIEST, LATEST, OFFSET, TIMESTAMP start positions', async () => {
      const name = await stream();
      const acks = await publishAll(name, ['m0', 'm1', 'm2', 'm3']);
      const upTo = { stopPosition: StopPosition.LATEST } as const;
      const read = (o: Parameters<typeof client.subscribe>[1]) =>
        lastValueFrom(client.subscribe(name, o).pipe(map(text), toArray()));
      assert.deepEqual(await read({ startPosition: 'EARLIEST', ...upTo }), [
        'm0',
        'm1',
        'm2',
        'm3',
      ]);
      assert.deepEqual(await read({ startPosition: 'LATEST', ...upTo }), ['m3']);
      assert.deepEqual(await read({ startPosition: 'OFFSET', startOffset: 2n, ...upTo }), [
        'm2',
        'm3',
      ]);
      const ts = acks[1]?.receptionTimestamp ?? 0n;
      assert.deepEqual(await read({ startPosition: 'TIMESTAMP', startTimestamp: ts, ...upTo }), [
        'm1',
        'm2',
        'm3',
      ]);
    });

    it('subscribe - stop OFFSET and stop TIMESTAMP complete the Observable', async () => {
      const name = await stream();
      const acks = await publishAll(name, ['m0', 'm1', 'm2', 'm3']);
      const byOffset = await lastValueFrom(
        client
          .subscribe(name, { startPosition: 'EARLIEST', stopPosition: 'OFFSET', stopOffset: 1 })
          .pipe(map(text), toArray()),
      );
      assert.deepEqual(byOffset, ['m0', 'm1']);
      const byTime = await lastValueFrom(
        client
          .subscribe(name, {
            startPosition: 'EARLIEST',
            stopPosition: 'TIMESTAMP',
            stopTimestamp: acks[2]?.receptionTimestamp ?? 0n,
          })
          .pipe(map(text), toArray()),
      );
      assert.deepEqual(byTime, ['m0', 'm1', 'm2']);
    });

    it('subscribe - stop LATEST on an empty partition completes empty', async () => {
      const name = await stream();
      const none = await lastValueFrom(
        client
          .subscribe(name, { startPosition: 'EARLIEST', stopPosition: 'LATEST' })
          .pipe(toArray()),
      );
      assert.deepEqual(none, []);
    });

    it('subscribe - readIsrReplica reads from an in-sync replica', async () => {
      const name = await stream();
      await publishAll(name, ['r0', 'r1']);
      const got = await lastValueFrom(
        client
          .subscribe(name, {
            readIsrReplica: true,
            startPosition: 'EARLIEST',
            stopPosition: 'LATEST',
          })
          .pipe(map(text), toArray()),
      );
      assert.deepEqual(got, ['r0', 'r1']);
    });

    it('subscribe - an unknown stream or partition is NOT_FOUND', async () => {
      await assert.rejects(lastValueFrom(client.subscribe(uniqueName())), {
        code: ErrorCode.NotFound,
      });
      const name = await stream();
      await assert.rejects(lastValueFrom(client.subscribe(name, { partition: 3 })), {
        code: ErrorCode.NotFound,
      });
    });

    it('subscribe - a stream deleted under a live subscription ends it with STREAM_DELETED', async () => {
      const name = await stream();
      await publishAll(name, ['x']);
      let read = 0;
      const live = assert.rejects(
        lastValueFrom(
          client.subscribe(name, { startPosition: 'EARLIEST' }).pipe(map(() => (read += 1))),
        ),
        {
          code: ErrorCode.StreamDeleted,
        },
      );
      await until(() => read === 1, 'the subscription to read x');
      await lastValueFrom(client.deleteStream(name));
      await live;
    });

    it('subscribe - one gRPC stream per subscriber: two subscribers each get everything', async () => {
      const name = await stream();
      await publishAll(name, ['a', 'b']);
      const sub = client
        .subscribe(name, { startPosition: 'EARLIEST', stopPosition: 'LATEST' })
        .pipe(map(text), toArray());
      const [one, two] = await Promise.all([lastValueFrom(sub), lastValueFrom(sub)]);
      assert.deepEqual(one, ['a', 'b']);
      assert.deepEqual(two, ['a', 'b']);
    });

    it('subscribe - unsubscribing early cancels without an error, and the client stays usable', async () => {
      const name = await stream();
      await publishAll(name, ['a', 'b', 'c']);
      const first = await lastValueFrom(
        client.subscribe(name, { startPosition: 'EARLIEST' }).pipe(take(1), map(text)),
      );
      assert.equal(first, 'a');
      assert.equal((await readAll(name)).length, 3);
    });
  });

  describe('cursors', () => {
    it('setCursor / fetchCursor - store the last processed offset; none reads as -1', async () => {
      const name = await stream({ partitions: 2 });
      assert.equal(await lastValueFrom(client.fetchCursor(name, 0, 'c1')), -1n);
      await lastValueFrom(client.setCursor(name, 0, 'c1', 41n));
      await lastValueFrom(client.setCursor(name, 1, 'c1', 7));
      assert.equal(await lastValueFrom(client.fetchCursor(name, 0, 'c1')), 41n);
      assert.equal(await lastValueFrom(client.fetchCursor(name, 1, 'c1')), 7n);
    });

    it('cursors - many cursor ids land on every __cursors partition and all round-trip', async () => {
      const name = await stream();
      const ids = Array.from({ length: 12 }, (_, i) => `cursor-${i}`);
      for (const [i, id] of ids.entries()) await lastValueFrom(client.setCursor(name, 0, id, i));
      for (const [i, id] of ids.entries())
        assert.equal(await lastValueFrom(client.fetchCursor(name, 0, id)), BigInt(i));
    });

    it('subscribe RESUME - starts at cursor + 1, or EARLIEST without a cursor', async () => {
      const name = await stream();
      await publishAll(name, ['m0', 'm1', 'm2', 'm3']);
      const resume = () =>
        lastValueFrom(
          client
            .subscribe(name, {
              startPosition: 'RESUME',
              cursorId: 'reader',
              stopPosition: 'LATEST',
            })
            .pipe(map(text), toArray()),
        );
      assert.deepEqual(await resume(), ['m0', 'm1', 'm2', 'm3']);
      await lastValueFrom(client.setCursor(name, 0, 'reader', 1n));
      assert.deepEqual(await resume(), ['m2', 'm3']);
    });

    it('cursors - a negative offset and an empty cursor id are rejected at the call site', () => {
      assert.throws(() => client.setCursor('s', 0, 'c', -2), { code: ErrorCode.InvalidArgument });
      assert.throws(() => client.fetchCursor('s', 0, ''), { code: ErrorCode.InvalidArgument });
    });
  });

  describe('compression', () => {
    for (const method of ['zlib', 'lzma'] as const) {
      it(`compression ${method} - compressed on the wire, decompressed for subscribers`, async () => {
        const name = await stream();
        const zipped = server.client({ compression: method, compressionThreshold: 10 });
        const big = 'compress me '.repeat(200);
        await lastValueFrom(zipped.publish(big, { stream: name, compress: true }));
        await lastValueFrom(zipped.publish('tiny', { stream: name, compress: true }));
        await lastValueFrom(zipped.publish(big, { stream: name }));
        const [a, b, c] = await readAll(name);
        assert.equal(a && text(a), big);
        assert.equal(a?.headers.has('X-Msg-Encoding'), false, 'header consumed by decoding');
        assert.equal(b && text(b), 'tiny');
        assert.equal(c && text(c), big);
        const stored = await lastValueFrom(
          server
            .client({ encodingHeader: 'X-Not-This' })
            .subscribe(name, { startPosition: 'EARLIEST', stopPosition: 'OFFSET', stopOffset: 0 }),
        );
        assert.ok(stored.value.byteLength < big.length / 4, 'stored compressed');
        assert.equal(Buffer.from(stored.headers.get('X-Msg-Encoding') ?? []).toString(), method);
      });
    }
  });

  describe('lifecycle', () => {
    it('close - a live subscription ends with CLIENT_CLOSED; in-flight publishes fail', async () => {
      const name = await stream();
      const c = server.client();
      const live = assert.rejects(
        lastValueFrom(c.subscribe(name)),
        (err: unknown) => err instanceof LiftbridgeError && err.code === ErrorCode.Closed,
      );
      await lastValueFrom(timer(100));
      await c.close();
      await live;
      await assert.rejects(lastValueFrom(c.publish('x', { stream: name })), {
        code: ErrorCode.Closed,
      });
    });
  });
});
