/**
 * A single node killed (kill -9) and restarted on its data dir: the client
 * reconnects by itself; publishing and a live subscription continue.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { type ClientStatus, LiftbridgeClient } from '../../lib/index.js';
import { LiftbridgeNode } from '../../scripts/testbed/node.js';
import { publishEach, readAll, record, text, waitFor } from '../helpers/oracle.js';
import { uniqueName } from '../helpers/server.js';

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
});
