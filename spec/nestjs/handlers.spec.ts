/**
 * LiftbridgeServer handler features against a real Liftbridge server:
 * manual commit from the context, batch handlers, dead letters, streams
 * that do not exist yet (waited for, or created), and JSON decoding of
 * values published without a content-type header.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Controller, type INestMicroservice, Injectable, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, RpcException } from '@nestjs/microservices';
import { lastValueFrom, take, toArray } from 'rxjs';
import { ErrorCode, isLiftbridgeError, type Message, StartPosition } from '../../lib/index.js';
import {
  DEAD_LETTER_CODE_HEADER,
  DEAD_LETTER_ERROR_HEADER,
  DEAD_LETTER_ORIGIN_HEADER,
  type LiftbridgeCommit,
  LiftbridgeContext,
  type LiftbridgeHandlerOptions,
  LiftbridgeModule,
  LiftbridgeServer,
} from '../../lib/nestjs/index.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { cursorOf, moduleOf, pause, startMicroservice, text, until } from './helpers.js';

type Handle = (data: unknown, ctx: LiftbridgeContext) => unknown;

function eventController(stream: string, extras: LiftbridgeHandlerOptions, handle: Handle) {
  @Controller()
  class EventsController {
    @EventPattern<string>(stream, extras)
    on(@Payload() data: unknown, @Ctx() ctx: LiftbridgeContext): unknown {
      return handle(data, ctx);
    }
  }
  return EventsController;
}

const header = (m: Message, name: string) => {
  const v = m.headers.get(name);
  return v === undefined ? undefined : Buffer.from(v).toString();
};

describe('LiftbridgeServer handlers against a real server', async () => {
  const server = await useServer();
  const client = server.client();
  const apps: INestMicroservice[] = [];
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  async function stream(partitions = 1): Promise<string> {
    const name = uniqueName('nest');
    await lastValueFrom(client.createStream(name, { partitions }));
    return name;
  }

  const publish = (name: string, value: string, partition = 0) =>
    lastValueFrom(client.publish(value, { stream: name, partition }));

  async function start(name: string, extras: LiftbridgeHandlerOptions, handle: Handle) {
    const commits: LiftbridgeCommit[] = [];
    const errors: unknown[] = [];
    const { app, server: transport } = await startMicroservice(
      [eventController(name, extras, handle)],
      { client },
    );
    apps.push(app);
    transport.on('commit', (c) => commits.push(c));
    transport.on('error', (err) => errors.push(err));
    return { app, commits, errors };
  }

  it('manual commit - nothing is committed until the handler calls ctx.commit(); then that offset', async () => {
    const name = await stream();
    const contexts: LiftbridgeContext[] = [];
    const run = await start(name, { cursorId: 'manual', commit: 'manual' }, (_data, ctx) => {
      contexts.push(ctx);
    });
    for (const v of ['a', 'b', 'c']) await publish(name, v);
    await until(() => contexts.length === 3, 'three messages handled');
    await pause(300);
    assert.equal(run.commits.length, 0, 'no automatic commit');
    assert.equal(await cursorOf(client, name, 0, 'manual'), -1n);
    await contexts[1]?.commit();
    assert.equal(await cursorOf(client, name, 0, 'manual'), 1n);
    assert.deepEqual(
      run.commits.map((c) => c.offset),
      [1n],
    );
    assert.throws(
      () => new LiftbridgeServer({ client, commit: 'later' } as never),
      (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
    );
  });

  it('batch - the handler gets arrays of up to size messages of one partition; the last offset of each is committed after it', async () => {
    const name = await stream();
    // Stored before the handler starts: the first batches fill up at once.
    for (let i = 0; i < 7; i++) await publish(name, JSON.stringify({ n: i }));
    const batches: Array<{ data: unknown; offsets: bigint[]; last: bigint }> = [];
    const run = await start(
      name,
      { cursorId: 'batch', startPosition: StartPosition.EARLIEST, batch: { size: 3, time: 200 } },
      (data, ctx) => {
        batches.push({
          data,
          offsets: ctx.getMessages().map((m) => m.offset),
          last: ctx.getOffset(),
        });
      },
    );
    await until(() => run.commits.some((c) => c.offset === 6n), 'offset 6 committed');
    const all = batches.flatMap((b) => b.offsets);
    assert.deepEqual(all, [0n, 1n, 2n, 3n, 4n, 5n, 6n], 'every message once, in order');
    for (const b of batches) {
      assert.ok(b.offsets.length >= 1 && b.offsets.length <= 3, `batch of ${b.offsets.length}`);
      assert.ok(Array.isArray(b.data));
      assert.deepEqual(
        b.data,
        b.offsets.map((o) => ({ n: Number(o) })),
        'JSON without a content-type header is parsed',
      );
      assert.equal(b.last, b.offsets[b.offsets.length - 1]);
    }
    assert.deepEqual(
      run.commits.map((c) => c.offset),
      batches.map((b) => b.last),
      'one commit per batch, at its last offset',
    );
    assert.equal(await cursorOf(client, name, 0, 'batch'), 6n);
  });

  it('dead letter - a failed message lands in the dead-letter stream with its error in headers, and is committed; the partition goes on', async () => {
    const name = await stream();
    const dlq = await stream();
    const handled: string[] = [];
    const run = await start(name, { cursorId: 'dl', deadLetter: dlq }, (data, ctx) => {
      if (data === 'poison')
        throw new RpcException({ message: 'cannot digest poison', code: 'POISON' });
      handled.push(`${String(data)}@${ctx.getOffset()}`);
    });
    await lastValueFrom(client.publish('good', { stream: name, key: 'k1' }));
    await lastValueFrom(
      client.publish('poison', { stream: name, key: 'k2', headers: { trace: 't-1' } }),
    );
    await publish(name, 'after');
    await until(() => run.commits.some((c) => c.offset === 2n), 'offset 2 committed');
    assert.deepEqual(handled, ['good@0', 'after@2']);
    assert.deepEqual(
      run.commits.map((c) => c.offset),
      [0n, 1n, 2n],
      'the dead-lettered message is committed too',
    );
    assert.equal(run.errors.length, 1, 'the failure is still reported');
    const [letter] = await lastValueFrom(
      client.subscribe(dlq, { startPosition: StartPosition.EARLIEST }).pipe(take(1), toArray()),
    );
    assert.ok(letter);
    assert.equal(text(letter), 'poison');
    assert.equal(Buffer.from(letter.key).toString(), 'k2');
    assert.equal(header(letter, 'trace'), 't-1', 'the original headers are kept');
    assert.equal(header(letter, DEAD_LETTER_ERROR_HEADER), 'cannot digest poison');
    assert.equal(header(letter, DEAD_LETTER_CODE_HEADER), 'POISON');
    assert.equal(header(letter, DEAD_LETTER_ORIGIN_HEADER), `${name}/0/1`);
  });

  it('missing stream - the transport waits for it (listen resolves), and reads it once created', async () => {
    const name = uniqueName('later');
    const handled: unknown[] = [];
    const run = await start(name, { cursorId: 'later' }, (data) => {
      handled.push(data);
    });
    assert.equal(run.errors.length, 0);
    await lastValueFrom(client.createStream(name));
    await publish(name, '{"late":true}');
    await until(() => handled.length === 1, 'the message of the late stream');
    assert.deepEqual(handled, [{ late: true }]);
  });

  it('missing stream - createStreams: true creates it at listen', async () => {
    const name = uniqueName('created');
    const handled: unknown[] = [];
    await start(name, { cursorId: 'created', createStreams: { partitions: 2 } }, (data) => {
      handled.push(data);
    });
    const metadata = await lastValueFrom(client.fetchPartitionMetadata(name, 1));
    assert.equal(metadata.id, 1, 'created with the options given');
    await publish(name, 'x', 1);
    await until(() => handled.length === 1, 'the message');
    assert.deepEqual(handled, ['x']);
  });

  it('hybrid - a stream created in onModuleInit (which runs after startAllMicroservices) is read', async () => {
    const name = uniqueName('hybrid');
    const handled: unknown[] = [];
    @Injectable()
    class CreatesStream implements OnModuleInit {
      async onModuleInit() {
        await lastValueFrom(client.createStream(name));
      }
    }
    const app = await NestFactory.create(
      moduleOf(
        [eventController(name, { cursorId: 'hybrid' }, (d) => void handled.push(d))],
        [LiftbridgeModule.forRoot({ brokers: server.brokers })],
        [CreatesStream],
      ),
      { logger: false, abortOnError: false },
    );
    try {
      app.connectMicroservice({ strategy: new LiftbridgeServer({ client }) });
      await app.startAllMicroservices();
      await app.init();
      await publish(name, '42');
      await until(() => handled.length === 1, 'the message');
      assert.deepEqual(handled, [42]);
    } finally {
      await app.close();
    }
  });

  it('logs - a handler without cursor or group warns that it reads NEW_ONLY; a missing stream warns that it is waited for', async () => {
    const warnings: string[] = [];
    const logger = {
      log: () => undefined,
      error: () => undefined,
      warn: (message: unknown) => void warnings.push(String(message)),
    };
    const missing = uniqueName('absent');
    const app = await NestFactory.createMicroservice(
      moduleOf([eventController(missing, {}, () => undefined)]),
      { strategy: new LiftbridgeServer({ client }), logger, abortOnError: false },
    );
    apps.push(app);
    await app.listen();
    assert.ok(
      warnings.some(
        (w) => w.includes(`@EventPattern('${missing}')`) && /NEW_ONLY.*cursorId or group/.test(w),
      ),
      warnings.join('\n'),
    );
    assert.ok(
      warnings.some((w) => w.includes(`no stream "${missing}"`) && w.includes('createStreams')),
      warnings.join('\n'),
    );
  });

  it('options - batch and deadLetter are for event handlers; manual commit needs a cursor or group', async () => {
    const name = await stream();
    await assert.rejects(
      start(name, { commit: 'manual' }, () => undefined),
      (err: unknown) => {
        assert.ok(isLiftbridgeError(err, ErrorCode.InvalidArgument), String(err));
        assert.match((err as Error).message, /manual/);
        return true;
      },
    );
    await assert.rejects(
      start(name, { cursorId: 'x', batch: { size: 0 } }, () => undefined),
      (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
    );
    await assert.rejects(
      start(name, { cursorId: 'x', deadLetter: 'bad name!' }, () => undefined),
      (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
    );
  });
});
