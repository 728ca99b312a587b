/**
 * LiftbridgeServer, the Nest microservice transport, against a real
 * Liftbridge server: @EventPattern handlers fed by subscriptions, commits
 * (cursor or consumer-group checkpoint) only after a handler's result
 * completes, failure handling, restarts, and start-up errors.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom, Observable } from 'rxjs';
import {
  ErrorCode,
  groupCursorId,
  isLiftbridgeError,
  type LiftbridgeClient,
} from '../../lib/index.js';
import {
  type LiftbridgeCommit,
  LiftbridgeContext,
  type LiftbridgeHandlerOptions,
  LiftbridgeServer,
  type LiftbridgeServerOptions,
} from '../../lib/nestjs/index.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { cursorOf, pause, startMicroservice, until } from './helpers.js';

/** What a handler saw. */
interface Handled {
  data: unknown;
  stream: string;
  partition: number;
  offset: bigint;
}

type Handle = (data: unknown, ctx: LiftbridgeContext) => unknown;

/** A controller with one @EventPattern(stream, extras) handler calling `handle`. */
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

describe('LiftbridgeServer against a real server', async () => {
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

  /** Starts an app with one handler; returns what it handled, its commits and errors. */
  async function start(
    name: string,
    extras: LiftbridgeHandlerOptions,
    handle: Handle = () => undefined,
    options: Partial<LiftbridgeServerOptions> = {},
  ) {
    const handled: Handled[] = [];
    const commits: LiftbridgeCommit[] = [];
    const errors: unknown[] = [];
    const controller = eventController(name, extras, (data, ctx) => {
      handled.push({
        data,
        stream: ctx.getStream(),
        partition: ctx.getPartition(),
        offset: ctx.getOffset(),
      });
      return handle(data, ctx);
    });
    const { app, server: transport } = await startMicroservice([controller], {
      ...options,
      client,
    } as LiftbridgeServerOptions);
    apps.push(app);
    transport.on('commit', (c) => commits.push(c));
    transport.on('error', (err) => errors.push(err));
    return { app, transport, handled, commits, errors };
  }

  it('cursor - each message reaches the handler (JSON parsed, text as a string) with its context; its offset is committed only after the handler’s Observable completes', async () => {
    const name = await stream();
    const release: Array<() => void> = [];
    const run = await start(
      name,
      { cursorId: 'c1' },
      () => new Observable<never>((sub) => void release.push(() => sub.complete())),
    );
    await lastValueFrom(
      client.publish(JSON.stringify({ id: 7, items: ['a'] }), {
        stream: name,
        headers: { 'content-type': 'application/json' },
      }),
    );
    await publish(name, 'plain text');
    await until(() => run.handled.length === 1, 'the first message');
    assert.deepEqual(run.handled[0], {
      data: { id: 7, items: ['a'] },
      stream: name,
      partition: 0,
      offset: 0n,
    });
    // One message at a time per partition, and no commit while the handler runs.
    await pause(300);
    assert.equal(run.handled.length, 1, 'the next message waits for the handler');
    assert.equal(await cursorOf(client, name, 0, 'c1'), -1n, 'nothing committed yet');
    release.shift()?.();
    await until(() => run.commits.length === 1 && run.handled.length === 2, 'commit, then next');
    assert.deepEqual(run.commits[0], {
      stream: name,
      partition: 0,
      offset: 0n,
      cursorId: 'c1',
      group: undefined,
    });
    assert.equal(await cursorOf(client, name, 0, 'c1'), 0n);
    assert.equal(run.handled[1]?.data, 'plain text');
    release.shift()?.();
    await until(async () => (await cursorOf(client, name, 0, 'c1')) === 1n, 'second commit');
  });

  it('cursor - a restarted app resumes after the committed offset (Promise handlers)', async () => {
    const name = await stream();
    for (const v of ['a', 'b', 'c']) await publish(name, v);
    const first = await start(name, { cursorId: 'resume' }, async () => undefined);
    await until(() => first.commits.length === 3, 'three commits');
    await first.app.close();
    for (const v of ['d', 'e']) await publish(name, v);
    const second = await start(name, { cursorId: 'resume' });
    await until(() => second.commits.length === 2, 'two more commits');
    assert.deepEqual(
      second.handled.map((h) => [h.offset, h.data]),
      [
        [3n, 'd'],
        [4n, 'e'],
      ],
    );
    assert.equal(await cursorOf(client, name, 0, 'resume'), 4n);
  });

  it("cursor - a failing handler commits nothing; onError 'stop' (default) stops the partition and a restart handles the failed message again", async () => {
    const name = await stream();
    for (const v of ['ok0', 'bad', 'ok2']) await publish(name, v);
    const failing = await start(name, { cursorId: 'stop' }, (data) => {
      if (data === 'bad') throw new Error('cannot handle bad');
    });
    await until(() => failing.errors.length === 1, 'the handler failure');
    await pause(500);
    assert.deepEqual(
      failing.handled.map((h) => h.data),
      ['ok0', 'bad'],
      'nothing after the failed message',
    );
    assert.equal(await cursorOf(client, name, 0, 'stop'), 0n, 'the failed offset is not committed');
    await failing.app.close();
    const fixed = await start(name, { cursorId: 'stop' });
    await until(() => fixed.commits.length === 2, 'two commits after the restart');
    assert.deepEqual(
      fixed.handled.map((h) => h.data),
      ['bad', 'ok2'],
    );
    assert.equal(await cursorOf(client, name, 0, 'stop'), 2n);
  });

  it("cursor - onError 'skip' reports the failure and goes on; the next commit passes over it", async () => {
    const name = await stream();
    for (const v of ['ok0', 'bad', 'ok2']) await publish(name, v);
    const run = await start(name, { cursorId: 'skip', onError: 'skip' }, (data) => {
      if (data === 'bad')
        return new Observable((sub) => sub.error(new Error('bad in an Observable')));
      return undefined;
    });
    await until(() => run.commits.length === 2, 'two commits');
    assert.deepEqual(
      run.commits.map((c) => c.offset),
      [0n, 2n],
    );
    assert.equal(run.errors.length, 1);
    assert.equal(await cursorOf(client, name, 0, 'skip'), 2n);
  });

  it('plain - without cursor or group, messages published after listen() are handled (none from before) and nothing is committed', async () => {
    const name = await stream();
    await publish(name, 'before');
    const run = await start(name, {});
    await publish(name, 'after');
    await until(() => run.handled.length === 1, 'the new message');
    await pause(300);
    assert.deepEqual(
      run.handled.map((h) => [h.offset, h.data]),
      [[1n, 'after']],
    );
    assert.equal(run.commits.length, 0);
  });

  it('plain - startPosition EARLIEST reads from the beginning; server options are defaults a handler overrides', async () => {
    const name = await stream();
    await publish(name, 'first');
    const run = await start(name, { startPosition: 'EARLIEST' }, undefined, {
      startPosition: 'LATEST',
    });
    await until(() => run.handled.length === 1, 'the stored message');
    assert.equal(run.handled[0]?.data, 'first');
  });

  it('partitions - every partition is read by default, or only those listed', async () => {
    const name = await stream(3);
    const all = await start(name, { cursorId: 'all' });
    const one = await start(name, { cursorId: 'one', partitions: [1] });
    for (const p of [0, 1, 2]) await publish(name, `p${p}`, p);
    await until(() => all.commits.length === 3 && one.commits.length === 1, 'commits');
    assert.deepEqual(all.handled.map((h) => h.partition).sort(), [0, 1, 2]);
    assert.deepEqual(
      one.handled.map((h) => [h.partition, h.data]),
      [[1, 'p1']],
    );
    for (const p of [0, 1, 2]) assert.equal(await cursorOf(client, name, p, 'all'), 0n);
  });

  it('group - members of one consumer group share the partitions; every message is handled and checkpointed; a new member resumes after the checkpoints', async () => {
    const name = await stream(2);
    const group = uniqueName('g');
    const extras = { group, fetchAssignmentsInterval: 300 };
    const a = await start(name, extras);
    const b = await start(name, extras);
    // Publish until both members have handled something: the group split the partitions.
    let sent = 0;
    await until(
      async () => {
        await publish(name, `m${sent}`, sent % 2);
        sent++;
        return a.handled.length > 0 && b.handled.length > 0;
      },
      'both members to handle messages',
      60_000,
    );
    // Message i went to partition i % 2.
    const lastOffsets = [BigInt(Math.ceil(sent / 2) - 1), BigInt(Math.floor(sent / 2) - 1)];
    const checkpoint = (p: number) => cursorOf(client, name, p, groupCursorId(group));
    await until(
      async () =>
        (await checkpoint(0)) === lastOffsets[0] && (await checkpoint(1)) === lastOffsets[1],
      'checkpoints at the last offsets',
    );
    const seen = new Set([...a.handled, ...b.handled].map((h) => `${h.partition}:${h.offset}`));
    assert.equal(seen.size, sent, 'every message reached the group');
    assert.ok(
      [...a.commits, ...b.commits].every(
        (c) => c.group === group && c.cursorId === groupCursorId(group),
      ),
    );
    await a.app.close();
    await b.app.close();
    await publish(name, 'late', 0);
    const c = await start(name, extras);
    await until(() => c.handled.length === 1, 'the new message');
    await pause(300);
    assert.deepEqual(
      c.handled.map((h) => h.data),
      ['late'],
    );
  });

  it('listen - cursorId with group fails INVALID_ARGUMENT (a missing stream is waited for: handlers.spec)', async () => {
    const name = await stream();
    await assert.rejects(start(name, { cursorId: 'x', group: 'y' }), (err: unknown) => {
      assert.ok(isLiftbridgeError(err, ErrorCode.InvalidArgument), String(err));
      assert.match((err as Error).message, /cursorId or group/);
      return true;
    });
    assert.throws(
      () => new LiftbridgeServer({ client, onError: 'explode' } as never),
      (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
    );
  });

  it('close - app.close() unsubscribes: nothing more is handled, and a shared client stays open', async () => {
    const name = await stream();
    const run = await start(name, { cursorId: 'closing' });
    await publish(name, 'one');
    await until(() => run.commits.length === 1, 'the first commit');
    await run.app.close();
    assert.equal(client.closed, false, 'the shared client is not the server’s to close');
    await publish(name, 'two');
    await pause(500);
    assert.equal(run.handled.length, 1);
    assert.equal(await cursorOf(client, name, 0, 'closing'), 0n);
  });

  it('close - a server made from brokers closes its own client', async () => {
    const name = await stream();
    const { app, server: transport } = await startMicroservice(
      [eventController(name, {}, () => undefined)],
      { brokers: server.brokers },
    );
    const own = transport.unwrap<LiftbridgeClient>();
    assert.equal(own.closed, false);
    await app.close();
    assert.equal(own.closed, true);
  });
});
