/**
 * The logger and the diagnostics channels through a leader failure on a
 * real 3-node cluster: the leader move is logged and published, the live
 * subscription resubscribes at the new leader (from last + 1) and reports it.
 */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { lastValueFrom, type Subscription } from 'rxjs';
import {
  AckPolicy,
  DIAGNOSTICS_CHANNELS as C,
  type LeaderMoveEvent,
  LiftbridgeClient,
  type Logger,
  type Message,
  type ResubscribeEvent,
  StartPosition,
} from '../../lib/index.js';
import { leaderOf, publishEach } from '../helpers/oracle.js';
import { uniqueName, useCluster } from '../helpers/server.js';
import { until } from '../helpers/until.js';

describe('observability through a leader failure', { timeout: 300_000 }, async () => {
  const cluster = await useCluster();

  it('logger and channels - a killed leader: the move is logged and published, the subscription resubscribes from last + 1', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (m) => lines.push(`debug: ${m}`),
      info: (m) => lines.push(`info: ${m}`),
      warn: (m) => lines.push(`warn: ${m}`),
      error: (m) => lines.push(`error: ${m}`),
    };
    const moves: LeaderMoveEvent[] = [];
    const resubscribes: ResubscribeEvent[] = [];
    const onMove = (m: unknown) => moves.push(m as LeaderMoveEvent);
    const onResubscribe = (m: unknown) => resubscribes.push(m as ResubscribeEvent);
    diagnostics.subscribe(C.leaderMove, onMove);
    diagnostics.subscribe(C.resubscribe, onResubscribe);
    const client = new LiftbridgeClient(cluster.brokers, {
      logger,
      metadataRefreshInterval: 1_000,
    });
    const name = uniqueName('lb-move');
    let reading: Subscription | undefined;
    try {
      await lastValueFrom(
        client.createStream(name, { replicationFactor: 3, minIsr: 2, waitForStream: true }),
      );
      const got: Message[] = [];
      reading = client
        .subscribe(name, { startPosition: StartPosition.EARLIEST })
        .subscribe((m) => got.push(m));
      await lastValueFrom(client.publish('before', { stream: name, ackPolicy: AckPolicy.ALL }));
      await until(() => got.length === 1, 'the first message');
      const before = await leaderOf(client, name);
      await cluster.node(before).kill();
      const after = await leaderOf(client, name, before);
      // A publish that reaches the new leader before it listens on the
      // partition's subject is never acked (ACK_TIMEOUT): publishEach sends
      // it again, so 'after' may be stored twice.
      await publishEach(client, name, 'after', 0, 1);
      await until(() => got.length >= 2, 'the message published after the move', 120_000);
      reading.unsubscribe();
      const texts = got.map((m) => Buffer.from(m.value).toString());
      assert.equal(texts[0], 'before');
      assert.ok(
        texts.slice(1).every((t) => t === 'after0'),
        texts.join(),
      );
      assert.deepEqual(
        got.map((m) => m.offset),
        got.map((_, i) => BigInt(i)),
        'contiguous offsets across the move',
      );
      const move = moves.find((m) => m.stream === name && m.partition === 0);
      assert.ok(move, 'a leader-move event');
      assert.equal(move.previous, before);
      assert.ok(
        lines.some(
          (l) =>
            l ===
            `info: liftbridge: leader of ${name}/0 moved: ${before} -> ${move.leader ?? 'none'}`,
        ),
        lines.join('\n'),
      );
      assert.ok(moves.some((m) => m.stream === name && m.leader === after));
      const again = resubscribes.filter((r) => r.stream === name);
      assert.ok(again.length >= 1, 'a resubscribe event');
      assert.equal(again[0]?.fromOffset, 1n, 'from last + 1');
      assert.ok(
        lines.some((l) => /^warn: liftbridge: .* stopped answering/.test(l)),
        'a reconnect line',
      );
    } finally {
      reading?.unsubscribe();
      diagnostics.unsubscribe(C.leaderMove, onMove);
      diagnostics.unsubscribe(C.resubscribe, onResubscribe);
      await client.close();
    }
  });
});
