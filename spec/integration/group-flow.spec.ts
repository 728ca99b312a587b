/**
 * consumeGroup() against a real server: a slow handler over a backlog
 * keeps what the member received and has not handled within the prefetch
 * bound plus one HTTP/2 window per assigned partition (the partitions'
 * calls are paused), every message is handled once and in order, the
 * checkpoints cover handled messages only, and a drain lets the handlers
 * finish before the last checkpoint, so the next member resumes right
 * after them. The control (consumerGroup().pipe(concatMap())) is in
 * flow.spec.ts's spirit: a plain group holds the whole backlog.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { lastValueFrom, NEVER, type Observable, of, take, tap, toArray } from 'rxjs';
import { ErrorCode, groupCursorId, isLiftbridgeError } from '../../lib/index.js';
import type { Credit } from '../../lib/observables/flow-control.js';
import {
  captureCredits,
  backlog as fillBacklog,
  SIZE,
  WINDOW_MESSAGES,
} from '../helpers/backlog.js';
import { eventually, GROUP_TIMEOUTS } from '../helpers/groups.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { until, untilSteady } from '../helpers/until.js';

const BACKLOG = 20_000;

const offsets = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => BigInt(from + i));

describe('consumeGroup flow control against a real server', { timeout: 240_000 }, async () => {
  const server = await useServer({ extraConfig: GROUP_TIMEOUTS });
  const client = server.client();

  /** A stream with `count` messages of SIZE bytes in each of `partitions` partitions. */
  const backlog = (count: number, partitions = 1) =>
    fillBacklog(client, 'gflow', count, { partitions, size: SIZE });

  const checkpoint = (stream: string, partition: number, group: string) =>
    lastValueFrom(client.fetchCursor(stream, partition, groupCursorId(group)));

  const stream = await backlog(BACKLOG);

  /** A new one-partition stream holding m0, m1, m2. */
  const threeMessages = async (prefix: string) => {
    const name = uniqueName(prefix);
    await lastValueFrom(client.createStream(name, { waitForStream: true }));
    for (let i = 0; i < 3; i++) await lastValueFrom(client.publish(`m${i}`, { stream: name }));
    return name;
  };

  it('consumeGroup - a slow handler of a 20K backlog: at most prefetch + one window unhandled, each message once and in order, the checkpoint is the last handled', async () => {
    const { credits, stop } = captureCredits();
    const group = uniqueName('g');
    try {
      const handled = await lastValueFrom(
        client
          .consumeGroup(
            group,
            stream,
            async (m) => {
              if (m.offset % 20n === 0n) await sleep(1);
              return m.offset;
            },
            { prefetch: 50 },
          )
          .pipe(take(3_000), toArray()),
      );
      assert.deepEqual(handled, offsets(3_000));
      const peak = credits[0]?.peak ?? Number.POSITIVE_INFINITY;
      assert.ok(peak <= 50 + WINDOW_MESSAGES, `peak unhandled ${peak}`);
      // The member checkpoints what it handled as it leaves (in the background).
      await eventually(async () => {
        const at = await checkpoint(stream, 0, group);
        return at === 2_999n || `checkpoint ${at}`;
      });
    } finally {
      stop();
    }
  });

  it('consumeGroup - paused: while the handler hangs, what the member received stops growing far below the backlog; nothing is checkpointed', async () => {
    const { credits, stop } = captureCredits();
    const group = uniqueName('g');
    let started = 0;
    const subscription = client
      .consumeGroup(
        group,
        stream,
        () => {
          started += 1;
          return NEVER;
        },
        { prefetch: 50, autoCheckpoint: 200 },
      )
      .subscribe();
    try {
      await until(() => credits[0] !== undefined, 'the member to start');
      const credit = credits[0] as Credit;
      await until(() => credit.outstanding >= 50, 'the member to receive the prefetch');
      await untilSteady(() => credit.outstanding, 'what it received to stop growing');
      assert.ok(
        credit.outstanding <= 50 + WINDOW_MESSAGES,
        `received ${credit.outstanding} of a ${BACKLOG} backlog`,
      );
      assert.equal(started, 1, 'one handler at a time');
      await sleep(500); // two automatic checkpoints
      assert.equal(
        await checkpoint(stream, 0, group),
        -1n,
        'nothing handled, nothing checkpointed',
      );
    } finally {
      subscription.unsubscribe();
      stop();
    }
  });

  it('consumeGroup - 3 partitions x 2000 with a slow handler, concurrency 4: every message once, bounded, each partition checkpointed at its end', async () => {
    const { credits, stop } = captureCredits();
    const group = uniqueName('g');
    try {
      const all = await backlog(2_000, 3);
      const pairs = await lastValueFrom(
        client
          .consumeGroup(
            group,
            all,
            async (m) => {
              if (m.offset % 50n === 0n) await sleep(1);
              return `${m.partition}/${m.offset}`;
            },
            { prefetch: 30, concurrency: 4 },
          )
          .pipe(take(6_000), toArray()),
      );
      assert.equal(new Set(pairs).size, 6_000);
      const peak = credits[0]?.peak ?? Number.POSITIVE_INFINITY;
      // Each partition's call may hold one window when the member pauses them all.
      assert.ok(peak <= 30 + 3 * WINDOW_MESSAGES, `peak unhandled ${peak}`);
      await eventually(async () => {
        const at = await Promise.all([0, 1, 2].map((p) => checkpoint(all, p, group)));
        return at.every((o) => o === 1_999n) || `checkpoints ${at.join()}`;
      });
    } finally {
      stop();
    }
  });

  it('consumeGroup - drain: stops pulling, the handlers finish, the checkpoint covers them, then it leaves; the next member resumes right after (none lost, none twice)', async () => {
    const group = uniqueName('g');
    const draining = server.client();
    const handled: bigint[] = [];
    let drained: Promise<void> | undefined;
    let running = 0;
    const first = await lastValueFrom(
      draining
        .consumeGroup(
          group,
          stream,
          async (m) => {
            running += 1;
            await sleep(2);
            running -= 1;
            handled.push(m.offset);
            return m.offset;
          },
          { prefetch: 40, concurrency: 4 },
        )
        .pipe(
          tap(() => {
            if (handled.length >= 60) drained ??= draining.drain();
          }),
          toArray(),
        ),
    );
    assert.ok(drained, 'drain was called');
    await drained;
    assert.equal(running, 0, 'every handler started has finished');
    assert.deepEqual(
      [...first].sort((a, b) => Number(a - b)),
      offsets(first.length),
    );
    assert.equal(draining.closed, true);
    const last = BigInt(first.length - 1);
    assert.equal(
      await checkpoint(stream, 0, group),
      last,
      'the checkpoint covers every handled message',
    );
    const next = await lastValueFrom(
      client.consumeGroup(group, stream, (m) => [m.offset]).pipe(take(5), toArray()),
    );
    assert.deepEqual(next, offsets(5, first.length));
  });

  it('consumeGroup - drain with a handler slower than the consumer timeout: the member stays in the group (its assignment poll goes on: no rebalance) until it has finished and taken its last checkpoint', async () => {
    const group = uniqueName('g');
    const name = await threeMessages('gslow');
    const slow = server.client({ drainTimeout: 30_000 });
    let started = false;
    // The first handler runs until released, well past the server's 2 s
    // consumer timeout (GROUP_TIMEOUTS).
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled = lastValueFrom(
      slow
        .consumeGroup(
          group,
          name,
          async (m) => {
            started = true;
            if (m.offset === 0n) await released;
            return m.offset;
          },
          { fetchAssignmentsInterval: 200 },
        )
        .pipe(toArray()),
    );
    try {
      await until(() => started, 'the slow handler to start');
      const epoch = async () => (await lastValueFrom(client.fetchConsumerGroup(group))).epoch;
      const before = await epoch();
      const drained = slow.drain();
      await sleep(3_500); // the handler still runs; a silent member would be dropped by now
      assert.equal(await epoch(), before, 'no rebalance: the member was not dropped');
      release();
      await drained;
      assert.deepEqual(await handled, [0n, 1n, 2n]);
      // A member dropped for silence while its handlers ran could not store it.
      assert.equal(await checkpoint(name, 0, group), 2n, 'the last checkpoint was taken');
    } finally {
      release();
      await slow.close();
    }
  });

  it('consumeGroup - a drain whose time is up with a handler stuck: its signal aborts, the checkpoint covers the messages handled before it, the member leaves, and the client closes without waiting for the handler', async () => {
    const group = uniqueName('g');
    const name = await threeMessages('gstuck');
    const stuck = server.client({ drainTimeout: 300 });
    let signal: AbortSignal | undefined;
    const results: bigint[] = [];
    let ended: unknown;
    stuck
      .consumeGroup(group, name, (m, revoked): Observable<bigint> => {
        if (m.offset < 2n) return of(m.offset);
        signal = revoked;
        return NEVER; // never ends by itself
      })
      .subscribe({
        next: (offset) => results.push(offset),
        error: (err: unknown) => {
          ended = err;
        },
        complete: () => {
          ended = 'completed';
        },
      });
    try {
      await until(() => signal !== undefined, 'the stuck handler to start');
      const before = (await lastValueFrom(client.fetchConsumerGroup(group))).epoch;
      const started = Date.now();
      await stuck.drain();
      const took = Date.now() - started;
      // Without the cut the goodbye waited for the handler until requestTimeout (10 s).
      assert.ok(took < 5_000, `drain and close took ${took} ms`);
      assert.equal(signal?.aborted, true, "the stuck handler's signal aborted");
      assert.ok(isLiftbridgeError(ended, ErrorCode.Closed), `ended with ${String(ended)}`);
      assert.deepEqual(results, [0n, 1n]);
      assert.equal(await checkpoint(name, 0, group), 1n, 'checkpoint after the handled messages');
      // It left: the group moved on (or, with no member left, is gone).
      const after = await lastValueFrom(client.fetchConsumerGroup(group)).then(
        (g) => g.epoch,
        () => undefined,
      );
      assert.notEqual(after, before, 'the member left the group');
    } finally {
      await stuck.close();
    }
  });
});
