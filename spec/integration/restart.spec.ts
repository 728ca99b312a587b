/**
 * A single node killed (kill -9) and restarted on its data dir: the client
 * reconnects by itself; publishing and a live subscription continue; a
 * RESUME (cursor) subscription started while the broker still loads waits
 * for it (the cursor lookup's NOT_FOUND is retried) and resumes from the cursor.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { firstValueFrom, lastValueFrom, timer } from 'rxjs';
import { NUDGE_CURSOR_PREFIX, nudgeCursorId } from '../../lib/admin/cursors.js';
import {
  type ClientStatus,
  CURSORS_STREAM,
  cursorPartition,
  LiftbridgeClient,
  StartPosition,
} from '../../lib/index.js';
import { LiftbridgeNode } from '../../scripts/testbed/node.js';
import { publishEach, readAll, record, text, waitFor } from '../helpers/oracle.js';
import { uniqueName } from '../helpers/server.js';

const pause = (ms: number) => firstValueFrom(timer(ms));

describe('restart', { timeout: 180_000 }, async () => {
  // Its own node: it gets killed (never a shared LIFTBRIDGE_BROKERS server).
  const node = await LiftbridgeNode.start();
  after(() => node.stop());

  it('restart - a single node killed and restarted on its data dir: the client reconnects; publishing and a live subscription continue', async () => {
    const client = new LiftbridgeClient([node.address], {
      ackTimeout: 3_000,
      requestTimeout: 3_000,
      retryTimeout: 60_000,
    });
    const events: ClientStatus[] = [];
    client.status$.subscribe((e) => events.push(e));
    const stream = uniqueName('restart');
    await lastValueFrom(client.createStream(stream));
    const live = record(client.subscribe(stream, { startPosition: 'EARLIEST' }));
    const received = live.received;
    await publishEach(client, stream, 'r', 0, 10);
    await waitFor(() => received.length >= 10, 30_000, 'the first 10 messages');
    await node.kill();
    await node.restart();
    await publishEach(client, stream, 'r', 10, 10);
    const log = await readAll([node.address], stream);
    await waitFor(() => received.length >= log.length, 60_000, 'the subscriber to catch up');
    live.stop();
    assert.equal(live.error(), undefined, 'the live subscription never failed');
    assert.deepEqual(
      new Set(log.map(text)),
      new Set(Array.from({ length: 20 }, (_, i) => `r${i}`)),
      'every message before and after the restart is stored',
    );
    assert.deepEqual(
      received.map((m) => m.offset),
      log.map((m) => m.offset),
      'the live subscriber saw every offset once, in order',
    );
    const mine = events.filter((e) => 'broker' in e && e.broker === node.address);
    // A node coming back may drop the first connection again while it
    // starts (seen under load): connected/reconnecting alternate, at least
    // one round, and the last word is connected.
    const types = mine.map((e) => e.type).join(' ');
    assert.match(
      types,
      /^connected( reconnecting connected)+$/,
      'status$: connected, reconnecting while down, connected again',
    );
    await client.close();
  });
  it('restart - RESUME (cursor) subscriptions, one live through the restart and one started while the broker still loads, continue from the cursor without gap or duplicate', async () => {
    const client = new LiftbridgeClient([node.address], {
      ackTimeout: 3_000,
      requestTimeout: 3_000,
      retryTimeout: 60_000,
    });
    try {
      const stream = uniqueName('restart-resume');
      await lastValueFrom(client.createStream(stream));
      await publishEach(client, stream, 'c', 0, 5);
      // Both cursors say offsets 0-2 were handled: RESUME starts at 3.
      await lastValueFrom(client.setCursor(stream, 0, 'live', 2));
      await lastValueFrom(client.setCursor(stream, 0, 'late', 2));
      const resume = (cursorId: string) =>
        record(client.subscribe(stream, { startPosition: StartPosition.RESUME, cursorId }));
      const live = resume('live');
      await waitFor(() => live.received.length >= 2, 30_000, 'the live subscription to read 3-4');
      // v1.9.0 checkpoints high watermarks every 5 s: killed before that, a
      // single node comes back with its partitions' high watermark at -1
      // (until a new write), and FetchCursor answers -1 for every cursor.
      await pause(6_000);
      await node.kill();
      await node.restart();
      // At once: the restarted broker lists neither the stream nor
      // __cursors until it has loaded them (cursor lookup answers NOT_FOUND).
      const late = resume('late');
      await publishEach(client, stream, 'c', 5, 5);
      const offsets = (from: number) =>
        Array.from({ length: 10 - from }, (_, i) => BigInt(from + i));
      for (const [name, sub] of [
        ['live', live],
        ['late', late],
      ] as const) {
        await waitFor(
          () => sub.received.length >= 7 || sub.error() !== undefined,
          60_000,
          `the ${name} subscription to read up to offset 9`,
        );
        sub.stop();
        assert.equal(sub.error(), undefined, `the ${name} subscription never failed`);
        assert.deepEqual(
          sub.received.map((m) => m.offset),
          offsets(3),
          `the ${name} subscription read 3-9 once each, in order`,
        );
      }
    } finally {
      await client.close();
    }
  });
  it('restart - killed before its high-watermark checkpoint, the broker would answer cursors older than stored (-1 for new ones): fetchCursor stores a cursor of its own in that partition (moving its high watermark over the log) and reads the true cursor, never -1', async () => {
    const client = new LiftbridgeClient([node.address], {
      ackTimeout: 3_000,
      requestTimeout: 3_000,
      retryTimeout: 60_000,
    });
    try {
      const stream = uniqueName('restart-hw');
      await lastValueFrom(client.createStream(stream));
      await publishEach(client, stream, 'h', 0, 5);
      const md = await lastValueFrom(client.fetchMetadata([CURSORS_STREAM]));
      const count = md.streams.get(CURSORS_STREAM)?.partitions.size ?? 0;
      const home = cursorPartition('kept', stream, 0, count);
      // Another cursor kept in the same __cursors partition.
      let other = 0;
      while (cursorPartition(`other${other}`, stream, 0, count) !== home) other += 1;
      // A client that knows the partitions (so it waits for them while the broker loads).
      const impatient = new LiftbridgeClient([node.address], { retryTimeout: 30_000 });
      await lastValueFrom(impatient.fetchMetadata([stream, CURSORS_STREAM]));
      // The kill follows the write at once, before the broker's periodic
      // high-watermark checkpoint can store it.
      await lastValueFrom(client.setCursor(stream, 0, 'kept', 2));
      await node.kill();
      await node.restart();
      try {
        assert.equal(await lastValueFrom(impatient.fetchCursor(stream, 0, 'kept')), 2n);
        // Its own cursor is in the same partition, under the reserved prefix.
        const nudge = nudgeCursorId(stream, 0, home, count);
        assert.ok(nudge.startsWith(NUDGE_CURSOR_PREFIX));
        assert.equal(cursorPartition(nudge, stream, 0, count), home);
        // It was stored (the high watermark was behind: without that, no cursor of its own).
        assert.equal(await lastValueFrom(impatient.fetchCursor(stream, 0, nudge)), 0n);
      } finally {
        await impatient.close();
      }
      // Other cursors of that partition read true too.
      await lastValueFrom(client.setCursor(stream, 0, `other${other}`, 0));
      assert.equal(await lastValueFrom(client.fetchCursor(stream, 0, 'kept')), 2n);
      assert.equal(await lastValueFrom(client.fetchCursor(stream, 0, `other${other}`)), 0n);
    } finally {
      await client.close();
    }
  });
});
