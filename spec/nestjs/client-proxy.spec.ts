/**
 * LiftbridgeClientProxy against a real server: emit() publishes and
 * completes with the Ack; send() is request/response with a
 * LiftbridgeServer @MessagePattern handler over a reply stream.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { firstValueFrom, from, lastValueFrom, type Observable, take, timeout, toArray } from 'rxjs';
import { type Ack, ErrorCode, isLiftbridgeError, StopPosition } from '../../lib/index.js';
import { LiftbridgeClientProxy, LiftbridgeRecord } from '../../lib/nestjs/index.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { startMicroservice, text, until } from './helpers.js';

describe('LiftbridgeClientProxy against a real server', async () => {
  const server = await useServer();
  const client = server.client();
  const replies = uniqueName('replies');
  const proxy = new LiftbridgeClientProxy({ client, replyStream: replies });
  const apps: INestMicroservice[] = [];
  after(async () => {
    await proxy.close();
    await Promise.all(apps.map((a) => a.close()));
  });

  async function stream(partitions = 1): Promise<string> {
    const name = uniqueName('nestp');
    await lastValueFrom(client.createStream(name, { partitions }));
    return name;
  }

  const readAll = (name: string, partition = 0) =>
    lastValueFrom(
      client
        .subscribe(name, {
          partition,
          startPosition: 'EARLIEST',
          stopPosition: StopPosition.LATEST,
        })
        .pipe(toArray()),
    );

  describe('emit', () => {
    it('emit - publishes and emits the Ack once acked, then completes; objects as JSON (marked by content-type), strings and bytes as they are', async () => {
      const name = await stream();
      const payloads = [{ id: 1, tags: ['x'] }, 'text', new Uint8Array([1, 2, 3])];
      const acks = await Promise.all(
        payloads.map((data) => lastValueFrom(proxy.emit<Ack>(name, data))),
      );
      assert.deepEqual(
        acks.map((a) => [a.stream, a.partition]),
        [
          [name, 0],
          [name, 0],
          [name, 0],
        ],
      );
      assert.deepEqual(new Set(acks.map((a) => a.offset)), new Set([0n, 1n, 2n]));
      const stored = (await readAll(name)).sort((a, b) => Number(a.offset - b.offset));
      const byOffset = new Map(stored.map((m) => [m.offset, m]));
      const json = byOffset.get(acks[0]?.offset ?? -1n);
      assert.deepEqual(JSON.parse(text(json!)), { id: 1, tags: ['x'] });
      assert.equal(
        Buffer.from(json!.headers.get('content-type') ?? []).toString(),
        'application/json',
      );
      const plain = byOffset.get(acks[1]?.offset ?? -1n);
      assert.equal(text(plain!), 'text');
      assert.equal(plain!.headers.has('content-type'), false);
      assert.deepEqual([...(byOffset.get(acks[2]?.offset ?? -1n)?.value ?? [])], [1, 2, 3]);
    });

    it('emit - is hot like Nest’s: published without a subscriber', async () => {
      const name = await stream();
      proxy.emit(name, 'unobserved');
      let stored: string[] = [];
      await until(async () => {
        stored = (await readAll(name)).map(text);
        return stored.length > 0;
      }, 'the message');
      assert.deepEqual(stored, ['unobserved']);
    });

    it('emit - a LiftbridgeRecord carries key, headers and partition (or a partitioner)', async () => {
      const name = await stream(3);
      const ack = await firstValueFrom(
        proxy.emit<Ack>(
          name,
          new LiftbridgeRecord({ n: 1 }, { key: 'k1', headers: { trace: 't-1' }, partition: 2 }),
        ),
      );
      assert.equal(ack.partition, 2);
      const [m] = await readAll(name, 2);
      assert.equal(Buffer.from(m?.key ?? []).toString(), 'k1');
      assert.equal(Buffer.from(m?.headers.get('trace') ?? []).toString(), 't-1');
      assert.deepEqual(JSON.parse(text(m!)), { n: 1 });
      const keyed = await firstValueFrom(
        proxy.emit<Ack>(name, new LiftbridgeRecord('v', { key: 'k1', partitioner: 'key' })),
      );
      assert.ok(keyed.partition >= 0 && keyed.partition < 3);
    });

    it('emit - a missing stream fails with NOT_FOUND; a bad stream name throws INVALID_ARGUMENT at the call site', async () => {
      await assert.rejects(
        firstValueFrom(proxy.emit(uniqueName('missing'), 'x')),
        (err: unknown) => {
          assert.ok(isLiftbridgeError(err, ErrorCode.NotFound), String(err));
          return true;
        },
      );
      assert.throws(
        () => proxy.emit('bad name', 'x'),
        (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
      );
    });

    it('close - a proxy made from brokers closes its own client; one given a client leaves it open', async () => {
      const own = new LiftbridgeClientProxy({ brokers: server.brokers });
      const name = await stream();
      await firstValueFrom(own.emit(name, 'x'));
      await own.close();
      assert.equal(own.unwrap<typeof client>().closed, true);
      const shared = new LiftbridgeClientProxy({ client });
      await shared.close();
      assert.equal(client.closed, false);
    });
  });

  describe('send (MessagePattern)', async () => {
    const sums = await stream();
    const squares = await stream();
    const failing = await stream();
    @Controller()
    class MathController {
      @MessagePattern(sums)
      sum(@Payload() numbers: number[]): number {
        return numbers.reduce((a, b) => a + b, 0);
      }

      @MessagePattern(squares)
      squares(@Payload() n: number): Observable<number> {
        return from(Array.from({ length: n }, (_, i) => (i + 1) ** 2));
      }

      @MessagePattern(failing)
      fail(@Payload() reason: string): never {
        throw new RpcException({ status: 'error', message: reason });
      }
    }
    const { app } = await startMicroservice([MathController], { client, cursorId: 'math' });
    apps.push(app);

    it('send - the handler’s value comes back on the reply stream', async () => {
      const sum = await lastValueFrom(proxy.send<number>(sums, [1, 2, 3, 4]).pipe(timeout(15_000)));
      assert.equal(sum, 10);
    });

    it('send - an Observable handler’s values come back in order, then the reply completes', async () => {
      const values = await lastValueFrom(
        proxy.send<number>(squares, 4).pipe(toArray(), timeout(15_000)),
      );
      assert.deepEqual(values, [1, 4, 9, 16]);
    });

    it('send - concurrent requests each get their own reply', async () => {
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((n) =>
          lastValueFrom(proxy.send<number>(sums, [n, n]).pipe(timeout(15_000))),
        ),
      );
      assert.deepEqual(results, [2, 4, 6, 8, 10]);
    });

    it('send - a handler error comes back as the error', async () => {
      await assert.rejects(
        lastValueFrom(proxy.send(failing, 'no way').pipe(timeout(15_000))),
        (err: unknown) => {
          assert.deepEqual(err, { status: 'error', message: 'no way' });
          return true;
        },
      );
    });

    it('send - without a reply stream fails INVALID_ARGUMENT; to a missing stream NOT_FOUND', async () => {
      const noReplies = new LiftbridgeClientProxy({ client });
      await assert.rejects(lastValueFrom(noReplies.send(sums, [1])), (err: unknown) =>
        isLiftbridgeError(err, ErrorCode.InvalidArgument),
      );
      await assert.rejects(
        lastValueFrom(proxy.send(uniqueName('missing'), [1]).pipe(timeout(15_000))),
        (err: unknown) => isLiftbridgeError(err, ErrorCode.NotFound),
      );
    });

    it('send - requests are messages of the handler’s stream; replies name their request', async () => {
      const before = (await readAll(replies)).length;
      await lastValueFrom(proxy.send<number>(sums, [5]).pipe(timeout(15_000)));
      const requests = await readAll(sums);
      const last = requests[requests.length - 1];
      assert.equal(Buffer.from(last?.headers.get('nest-reply-to') ?? []).toString(), replies);
      const id = Buffer.from(last?.headers.get('nest-request-id') ?? []).toString();
      const answers = (await readAll(replies)).slice(before);
      assert.deepEqual(
        answers.map((m) => [
          Buffer.from(m.headers.get('nest-request-id') ?? []).toString(),
          JSON.parse(text(m)),
        ]),
        [
          [id, { response: 5 }],
          [id, { isDisposed: true }],
        ],
      );
    });

    it('send - unsubscribing before the last reply forgets the request (nothing left waiting)', async () => {
      const first = await lastValueFrom(
        proxy.send<number>(squares, 3).pipe(take(1), timeout(15_000)),
      );
      assert.equal(first, 1);
      const waiting = (proxy as unknown as { routingMap: Map<string, unknown> }).routingMap;
      assert.equal(waiting.size, 0, 'no request left waiting for replies');
    });
  });
});
