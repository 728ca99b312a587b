/**
 * Flow control on a real 3-node cluster: messages() reading a backlog with
 * a slow loop (its call paused) when the partition leader is killed (-9):
 * the read resubscribes at the new leader and goes on without gap or
 * duplicate, still bounded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  range,
  retry,
  switchMap,
  take,
  timeout,
  timer,
  toArray,
} from 'rxjs';
import { LiftbridgeClient, publishBulk, StartPosition } from '../../lib/index.js';
import { type Credit, flowProbe } from '../../lib/observables/flow-control.js';
import { uniqueName, useCluster } from '../helpers/server.js';

const SIZE = 256;
const WINDOW_MESSAGES = Math.ceil((1024 * 1024 + 64 * 1024) / SIZE);

describe('flow control on a 3-node cluster', { timeout: 300_000 }, async () => {
  const cluster = await useCluster();

  const leaderOf = (client: LiftbridgeClient, stream: string, not?: string) =>
    firstValueFrom(
      timer(0, 250).pipe(
        switchMap(() => client.fetchMetadata([stream]).pipe(retry({ count: 3, delay: 200 }))),
        map((md) => md.streams.get(stream)?.partitions.get(0)?.leader),
        filter((leader): leader is string => leader !== undefined && leader !== not),
        take(1),
        timeout(60_000),
      ),
    );

  it('messages - kill -9 the leader while a slow loop reads a backlog: it goes on at the new leader, no gap, no duplicate, bounded', async () => {
    const credits: Credit[] = [];
    flowProbe.created = (c) => credits.push(c);
    const client = new LiftbridgeClient(cluster.brokers, { retryTimeout: 60_000 });
    try {
      const stream = uniqueName('flow-fo');
      await lastValueFrom(
        client.createStream(stream, { replicationFactor: 3, minIsr: 2, waitForStream: true }),
      );
      const total = 10_000;
      const value = Buffer.alloc(SIZE, 'x');
      await lastValueFrom(
        range(0, total).pipe(
          map(() => client.getPublishRequest(value, { stream, ackPolicy: 'ALL' })),
          publishBulk(client),
          toArray(),
        ),
      );
      const victim = await leaderOf(client, stream);
      const offsets: bigint[] = [];
      for await (const msg of client.messages(stream, {
        startPosition: StartPosition.EARLIEST,
        highWaterMark: 50,
      })) {
        offsets.push(msg.offset);
        if (offsets.length % 20 === 0) await sleep(1);
        // The call is paused with most of the backlog still on the server.
        if (offsets.length === 500) await cluster.node(victim).kill();
        if (offsets.length === total) break;
      }
      assert.deepEqual(
        offsets,
        Array.from({ length: total }, (_, i) => BigInt(i)),
        'every offset once, in order',
      );
      const peak = credits[0]?.peak ?? Number.POSITIVE_INFINITY;
      assert.ok(peak <= 50 + WINDOW_MESSAGES, `peak buffered ${peak}`);
      assert.notEqual(await leaderOf(client, stream, victim), victim);
      await cluster.node(victim).restart();
    } finally {
      flowProbe.created = undefined;
      await client.close();
    }
  });
});
