/**
 * The cluster helper: 3 Liftbridge nodes beside one nats-server; a partition
 * leader killed with SIGKILL is replaced by a newly elected one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  switchMap,
  take,
  timeout,
  timer,
  toArray,
} from 'rxjs';
import { AckPolicy, LiftbridgeClient, StartPosition, StopPosition } from '../../lib/index.js';
import { uniqueName, useCluster } from '../helpers/server.js';

describe('cluster test bed', async () => {
  const cluster = await useCluster();
  const client = new LiftbridgeClient(cluster.brokers);

  it('cluster - metadata lists 3 brokers on loopback', async () => {
    const md = await lastValueFrom(client.fetchMetadata());
    assert.equal(md.brokers.size, 3);
    assert.deepEqual([...md.brokers.keys()].sort(), ['node0', 'node1', 'node2']);
    for (const b of md.brokers.values()) assert.equal(b.host, '127.0.0.1');
  });

  it('cluster - every brokerSelection policy works on a real cluster (metadata, create, publish)', async () => {
    for (const brokerSelection of [
      'sticky',
      'random',
      'lowestLatency',
      'lowestWorkload',
    ] as const) {
      const c = new LiftbridgeClient(cluster.brokers, { brokerSelection });
      const md = await lastValueFrom(c.fetchMetadata());
      assert.equal(md.brokers.size, 3, brokerSelection);
      const name = uniqueName(brokerSelection.toLowerCase());
      await lastValueFrom(c.createStream(name, { replicationFactor: 2 }));
      const ack = await lastValueFrom(c.publish('x', { stream: name }));
      assert.equal(ack.offset, 0n, brokerSelection);
      await lastValueFrom(c.deleteStream(name));
      await c.close();
    }
  });

  it('subscribe - readIsrReplica reads the committed messages from a follower while the leader is frozen (SIGSTOP)', async () => {
    const name = uniqueName('isr');
    await lastValueFrom(client.createStream(name, { replicationFactor: 3 }));
    for (let i = 0; i < 5; i++)
      await lastValueFrom(client.publish(`m${i}`, { stream: name, ackPolicy: AckPolicy.ALL }));
    // Followers learn the high watermark on their next fetch from the leader
    // (every 0.5-1 s here; waited for generously, for a slow machine).
    await firstValueFrom(timer(5000));
    const md = await lastValueFrom(client.fetchMetadata([name]));
    const leader = md.streams.get(name)?.partitions.get(0)?.leader;
    assert.ok(leader, 'a leader');
    const reader = new LiftbridgeClient(cluster.brokers, { requestTimeout: 2000 });
    await lastValueFrom(reader.fetchMetadata([name]));
    await cluster.node(leader).pause();
    try {
      const read = await lastValueFrom(
        reader
          .subscribe(name, {
            readIsrReplica: true,
            startPosition: StartPosition.EARLIEST,
            stopPosition: StopPosition.OFFSET,
            stopOffset: 4,
          })
          .pipe(toArray(), timeout(45_000)),
      );
      assert.deepEqual(
        read.map((m) => Buffer.from(m.value).toString()),
        ['m0', 'm1', 'm2', 'm3', 'm4'],
      );
    } finally {
      cluster.node(leader).resume();
      await reader.close();
    }
  });

  it('cluster - a killed partition leader is replaced by a new one', async () => {
    const name = uniqueName();
    await lastValueFrom(client.createStream(name, { replicationFactor: 3 }));
    const md = await lastValueFrom(client.fetchMetadata([name]));
    const before = md.streams.get(name)?.partitions.get(0)?.leader;
    assert.ok(before, 'a leader');
    const killedAt = Date.now();
    await cluster.node(before).kill();
    const after = await firstValueFrom(
      timer(0, 500).pipe(
        switchMap(() => client.fetchMetadata([name])),
        map((m) => m.streams.get(name)?.partitions.get(0)?.leader),
        filter((leader) => leader !== undefined && leader !== before),
        take(1),
        timeout(60_000),
      ),
    );
    assert.notEqual(after, before);
    console.log(
      `new leader ${after} elected ${Date.now() - killedAt} ms after kill -9 of ${before}`,
    );
    await client.close();
  });
});
