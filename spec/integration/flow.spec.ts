/**
 * Flow control against a real server: messages() and consume() over a
 * backlog with a slow consumer pause the gRPC call (what the client holds
 * stays within the water mark plus one HTTP/2 window), `break` cancels the
 * call, `partition: 'all'`, typed errors; subscribe().pipe(concatMap()) is
 * the control that holds the whole backlog.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { concatMap, from, lastValueFrom, take, tap, toArray } from 'rxjs';
import { ErrorCode, isLiftbridgeError, StartPosition, StopPosition } from '../../lib/index.js';
import type { Credit } from '../../lib/observables/flow-control.js';
import {
  captureCredits,
  backlog as fillBacklog,
  SIZE,
  WINDOW_MESSAGES,
} from '../helpers/backlog.js';
import { childScript, runChild } from '../helpers/exit/index.js';

const breaker = childScript('flow-break');

import { uniqueName, useServer } from '../helpers/server.js';
import { until, untilSteady } from '../helpers/until.js';

const BACKLOG = 20_000;

describe('flow control against a real server', { timeout: 180_000 }, async () => {
  const server = await useServer();
  const client = server.client();

  /** A stream with `count` messages of SIZE bytes in each of `partitions` partitions. */
  const backlog = (count: number, partitions = 1) =>
    fillBacklog(client, 'flow', count, { partitions, size: SIZE });

  const stream = await backlog(BACKLOG);

  it('messages - a slow consumer of a 20K backlog: the call is paused, the client holds at most the high water mark + one window', async () => {
    const { credits, stop } = captureCredits();
    try {
      const offsets: bigint[] = [];
      for await (const msg of client.messages(stream, {
        startPosition: StartPosition.EARLIEST,
        highWaterMark: 100,
      })) {
        offsets.push(msg.offset);
        if (offsets.length % 20 === 0) await sleep(1);
        if (offsets.length === 3_000) break;
      }
      assert.deepEqual(
        offsets,
        Array.from({ length: 3_000 }, (_, i) => BigInt(i)),
      );
      const peak = credits[0]?.peak ?? Number.POSITIVE_INFINITY;
      assert.ok(peak <= 100 + WINDOW_MESSAGES, `peak buffered ${peak}`);
    } finally {
      stop();
    }
  });

  it('messages - paused: while the loop waits, what the client received stops growing far below the backlog', async () => {
    const { credits, stop } = captureCredits();
    try {
      const iterator = client
        .messages(stream, { startPosition: StartPosition.EARLIEST, highWaterMark: 50 })
        [Symbol.asyncIterator]();
      await iterator.next();
      const credit = credits[0] as Credit;
      // The loop stops pulling: the buffer fills to the mark, then the call is paused.
      await until(() => credit.outstanding >= 50, 'the buffer to reach the high water mark');
      await untilSteady(() => credit.outstanding, 'the buffer to stop growing');
      assert.ok(
        credit.outstanding <= 50 + WINDOW_MESSAGES,
        `buffered ${credit.outstanding} of a ${BACKLOG} backlog`,
      );
      // Pulling again resumes the call: the next messages come in order.
      const next = await iterator.next();
      assert.equal(next.value?.offset, 1n);
      await iterator.return?.();
    } finally {
      stop();
    }
  });

  it('messages - a paused call does not hold up another call to the same broker (HTTP/2 connection window)', async () => {
    const shared = server.client();
    const paused = shared
      .messages(stream, { startPosition: StartPosition.EARLIEST, highWaterMark: 10 })
      [Symbol.asyncIterator]();
    await paused.next(); // then left paused, its stream window full
    await sleep(200);
    let read = 0;
    for await (const msg of shared.messages(stream, { startPosition: StartPosition.EARLIEST })) {
      assert.equal(msg.offset, BigInt(read));
      read += 1;
      if (read === BACKLOG) break;
    }
    assert.equal(read, BACKLOG);
    await paused.return?.();
  });

  it('control - subscribe().pipe(concatMap(slow handler)) holds the whole backlog', async () => {
    let received = 0;
    let handled = 0;
    const subscription = client
      .subscribe(stream, { startPosition: StartPosition.EARLIEST })
      .pipe(
        tap(() => received++),
        concatMap((m) => from(sleep(1).then(() => m))),
      )
      .subscribe(() => handled++);
    try {
      await until(() => received === BACKLOG, 'the whole backlog to arrive', 60_000);
      assert.ok(
        received - handled > 100 + WINDOW_MESSAGES,
        `received ${received}, handled ${handled}`,
      );
    } finally {
      subscription.unsubscribe();
    }
  });

  it("messages - transport 'grpc-js': the same bound (its call is paused through the stream's own pause)", async () => {
    const { credits, stop } = captureCredits();
    try {
      const viaGrpcJs = server.client({ transport: 'grpc-js' });
      let read = 0;
      for await (const msg of viaGrpcJs.messages(stream, {
        startPosition: StartPosition.EARLIEST,
        highWaterMark: 100,
      })) {
        assert.equal(msg.offset, BigInt(read));
        read += 1;
        if (read % 20 === 0) await sleep(1);
        if (read === 3_000) break;
      }
      const peak = credits[0]?.peak ?? Number.POSITIVE_INFINITY;
      assert.ok(peak <= 100 + WINDOW_MESSAGES, `peak buffered ${peak}`);
    } finally {
      stop();
    }
  });

  it('consume - a slow handler of a 20K backlog: at most prefetch + one window unhandled, results in order', async () => {
    const { credits, stop } = captureCredits();
    try {
      const results = await lastValueFrom(
        client
          .consume(
            stream,
            async (msg) => {
              if (msg.offset % 20n === 0n) await sleep(1);
              return msg.offset;
            },
            { startPosition: StartPosition.EARLIEST, prefetch: 50 },
          )
          .pipe(take(3_000), toArray()),
      );
      assert.deepEqual(
        results,
        Array.from({ length: 3_000 }, (_, i) => BigInt(i)),
      );
      const peak = credits[0]?.peak ?? Number.POSITIVE_INFINITY;
      assert.ok(peak <= 50 + WINDOW_MESSAGES, `peak unhandled ${peak}`);
    } finally {
      stop();
    }
  });

  it("messages - partition 'all': 3 x 2000 messages read with a slow loop, every pair once, bounded", async () => {
    const { credits, stop } = captureCredits();
    try {
      const all = await backlog(2_000, 3);
      const pairs = new Set<string>();
      for await (const msg of client.messages(all, {
        partition: 'all',
        startPosition: StartPosition.EARLIEST,
        stopPosition: StopPosition.LATEST,
        highWaterMark: 30,
      })) {
        pairs.add(`${msg.partition}/${msg.offset}`);
        if (pairs.size % 50 === 0) await sleep(1);
      }
      assert.equal(pairs.size, 6_000);
      const peak = credits[0]?.peak ?? Number.POSITIVE_INFINITY;
      // Each partition's call may hold one window when the loop pauses them all.
      assert.ok(peak <= 30 + 3 * WINDOW_MESSAGES, `peak buffered ${peak}`);
    } finally {
      stop();
    }
  });

  it('messages - errors are typed: INVALID_ARGUMENT at the call site, NOT_FOUND and CLIENT_CLOSED from the loop', async () => {
    assert.throws(
      () => client.messages(stream, { highWaterMark: 0 }),
      (e: unknown) => isLiftbridgeError(e) && e.code === ErrorCode.InvalidArgument,
    );
    assert.throws(
      () => client.consume(stream, (m) => [m], { prefetch: -1 }),
      (e: unknown) => isLiftbridgeError(e) && e.code === ErrorCode.InvalidArgument,
    );
    await assert.rejects(
      (async () => {
        for await (const _ of client.messages(uniqueName('missing'))) break;
      })(),
      (e: unknown) => isLiftbridgeError(e) && e.code === ErrorCode.NotFound,
    );
    const closing = server.client();
    let read = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of closing.messages(stream, { startPosition: StartPosition.EARLIEST })) {
          read += 1;
          if (read === 10) void closing.close();
        }
      })(),
      (e: unknown) => isLiftbridgeError(e) && e.code === ErrorCode.Closed,
    );
    assert.ok(read >= 10);
  });

  it('drain - messages(): the loop gets the messages already received, then ends without an error; drain waits for it', async () => {
    const draining = server.client();
    const events: string[] = [];
    const offsets: bigint[] = [];
    let drained: Promise<void> | undefined;
    for await (const msg of draining.messages(stream, {
      startPosition: StartPosition.EARLIEST,
      highWaterMark: 50,
    })) {
      offsets.push(msg.offset);
      await sleep(2);
      events.push('handled');
      if (offsets.length === 20) {
        drained = draining.drain();
        void drained.then(() => events.push('drained'));
      }
    }
    events.push('loop ended');
    await drained;
    assert.ok(offsets.length >= 20 && offsets.length < BACKLOG, `${offsets.length} read`);
    assert.deepEqual(
      offsets,
      Array.from({ length: offsets.length }, (_, i) => BigInt(i)),
    );
    assert.equal(events.lastIndexOf('handled'), events.indexOf('loop ended') - 1);
    assert.ok(events.indexOf('drained') > events.lastIndexOf('handled'), events.slice(-3).join());
    assert.equal(draining.closed, true);
  });

  it('drain - consume(): stops pulling, lets the handlers finish, then completes', async () => {
    const draining = server.client();
    let started = 0;
    let finished = 0;
    let drained: Promise<void> | undefined;
    const results = await lastValueFrom(
      draining
        .consume(
          stream,
          async (msg) => {
            started += 1;
            await sleep(5);
            finished += 1;
            return msg.offset;
          },
          { startPosition: StartPosition.EARLIEST, prefetch: 20, concurrency: 4 },
        )
        .pipe(
          tap(() => {
            if (finished === 30) drained ??= draining.drain();
          }),
          toArray(),
        ),
    );
    assert.ok(drained, 'drain was called');
    assert.equal(started, finished, 'every handler started has finished');
    assert.ok(results.length >= 30 && results.length < BACKLOG, `${results.length} handled`);
    assert.deepEqual(
      [...results].sort((a, b) => Number(a - b)),
      Array.from({ length: results.length }, (_, i) => BigInt(i)),
    );
    await drained;
    assert.equal(draining.closed, true);
  });

  it('messages - break cancels the call: a process that breaks out exits by itself (control: one that stops pulling stays alive)', async () => {
    const broke = await runChild(breaker, [server.brokers.join(','), stream, 'break'], {
      killAfterMs: 20_000,
    });
    assert.equal(broke.code, 0, `exit code (killed after 20 s if it hung): ${broke.out}`);
    assert.match(broke.out, /done/);
    const abandoned = await runChild(breaker, [server.brokers.join(','), stream, 'abandon'], {
      killAfterMs: 60_000,
      afterDoneMs: 3000,
    });
    assert.match(abandoned.out, /done/);
    assert.equal(abandoned.code, null, 'killed 3 s after its work, still running');
  });
});
