/**
 * LiftbridgeServer's reading is flow-controlled (through client.consume()
 * and client.consumeGroup()): a 20K backlog read by a slow handler keeps
 * the messages received and not yet handled within the transport's
 * `prefetch` plus one HTTP/2 window, in cursor, group and batch modes;
 * every message is handled once, in order; commits are as before (the
 * cursor or checkpoint is the last message handled, and a restart resumes
 * right after it).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom, map, range, toArray } from 'rxjs';
import { DEFAULT_PREFETCH, groupCursorId, publishBulk, StartPosition } from '../../lib/index.js';
import {
  type LiftbridgeContext,
  type LiftbridgeHandlerOptions,
  LiftbridgeServer,
  type LiftbridgeServerOptions,
} from '../../lib/nestjs/index.js';
import { planHandler } from '../../lib/nestjs/plan.js';
import { type Credit, flowProbe } from '../../lib/observables/flow-control.js';
import { GROUP_TIMEOUTS } from '../helpers/groups.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { cursorOf, startMicroservice, until } from './helpers.js';

const SIZE = 256;
const BACKLOG = 20_000;
/** A Subscribe call's receive window (raw-call.ts) and a readable buffer, in messages of SIZE bytes. */
const WINDOW_MESSAGES = Math.ceil((1024 * 1024 + 64 * 1024) / SIZE);

/** A controller whose handler records each unit's offsets and is slow (1 ms every 20 messages). */
function slowController(stream: string, extras: LiftbridgeHandlerOptions, seen: bigint[][]) {
  @Controller()
  class SlowController {
    @EventPattern<string>(stream, extras)
    async on(@Payload() _data: unknown, @Ctx() ctx: LiftbridgeContext): Promise<void> {
      const unit = ctx.getMessages().map((m) => m.offset);
      seen.push(unit);
      if (seen.length % 20 === 0) await sleep(1);
    }
  }
  return SlowController;
}

describe('LiftbridgeServer flow control against a real server', { timeout: 240_000 }, async () => {
  const server = await useServer({ extraConfig: GROUP_TIMEOUTS });
  const client = server.client();
  const apps: INestMicroservice[] = [];
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    flowProbe.created = undefined;
  });

  const value = Buffer.alloc(SIZE, 'x');
  const stream = uniqueName('nest-flow');
  await lastValueFrom(client.createStream(stream));
  await lastValueFrom(
    range(0, BACKLOG).pipe(
      map(() => client.getPublishRequest(value, { stream })),
      publishBulk(client),
      toArray(),
    ),
  );

  /** Runs an app with the slow handler until it handled `count` messages, then closes it. */
  async function run(extras: LiftbridgeHandlerOptions, count: number, options = {}) {
    const credits: Credit[] = [];
    flowProbe.created = (c) => credits.push(c);
    const units: bigint[][] = [];
    const { app } = await startMicroservice([slowController(stream, extras, units)], {
      client,
      ...options,
    } as LiftbridgeServerOptions);
    apps.push(app);
    await until(() => units.flat().length >= count, `${count} messages handled`, 60_000);
    await app.close();
    flowProbe.created = undefined;
    const peak = Math.max(...credits.map((c) => c.peak));
    return { units, handled: units.flat(), peak, credits: credits.length };
  }

  const inOrder = (handled: bigint[], from = 0n) =>
    assert.deepEqual(
      handled,
      Array.from({ length: handled.length }, (_, i) => from + BigInt(i)),
    );

  it('prefetch - a transport option and a handler extra; default 256; at least the batch size; bad values fail INVALID_ARGUMENT', () => {
    assert.equal(planHandler({}, 's', {}, true).prefetch, DEFAULT_PREFETCH);
    assert.equal(planHandler({ prefetch: 10 }, 's', {}, true).prefetch, 10);
    assert.equal(planHandler({ prefetch: 10 }, 's', { prefetch: 20 }, true).prefetch, 20);
    assert.equal(planHandler({ prefetch: 10 }, 's', { batch: { size: 50 } }, true).prefetch, 50);
    assert.throws(() => new LiftbridgeServer({ client, prefetch: 0 }), /prefetch/);
  });

  it('cursor - a slow handler of a 20K backlog: at most prefetch + one window unhandled, each message once and in order, the cursor is the last handled; a restart resumes right after it', async () => {
    const cursorId = uniqueName('c');
    const first = await run({ cursorId }, 2_000, { prefetch: 50 });
    assert.equal(first.credits, 1, 'one flow-controlled read (one partition)');
    assert.ok(first.peak <= 50 + WINDOW_MESSAGES, `peak unhandled ${first.peak}`);
    inOrder(first.handled);
    const last = first.handled[first.handled.length - 1] as bigint;
    assert.equal(await cursorOf(client, stream, 0, cursorId), last);
    const second = await run({ cursorId }, 100, { prefetch: 50 });
    inOrder(second.handled, last + 1n);
  });

  it('group - a slow handler of a 20K backlog: at most prefetch + one window unhandled, each message once and in order; a restarted member resumes right after the checkpoint', async () => {
    const group = uniqueName('g');
    const first = await run({ group, prefetch: 50 }, 2_000);
    assert.equal(first.credits, 1, 'one flow-controlled member');
    assert.ok(first.peak <= 50 + WINDOW_MESSAGES, `peak unhandled ${first.peak}`);
    inOrder(first.handled);
    const last = first.handled[first.handled.length - 1] as bigint;
    assert.equal(await cursorOf(client, stream, 0, groupCursorId(group)), last);
    const second = await run({ group, prefetch: 50 }, 100);
    inOrder(second.handled, last + 1n);
  });

  it('batch - batches of up to 100 under a prefetch of 100 (the batch size; 40 asked): bounded, in order, whole batches', async () => {
    const result = await run(
      {
        startPosition: StartPosition.EARLIEST,
        batch: { size: 100, time: 20 },
        prefetch: 40,
      },
      3_000,
    );
    assert.ok(result.peak <= 100 + WINDOW_MESSAGES, `peak unhandled ${result.peak}`);
    assert.ok(
      result.units.every((u) => u.length >= 1 && u.length <= 100),
      'batches of 1 to 100',
    );
    inOrder(result.handled);
  });
});
