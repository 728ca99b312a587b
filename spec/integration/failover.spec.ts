/**
 * Failover on a real 3-node cluster, each scenario checked against an
 * oracle: what a fresh subscriber reads from EARLIEST afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  filter,
  firstValueFrom,
  from,
  lastValueFrom,
  map,
  retry,
  switchMap,
  take,
  takeWhile,
  timeout,
  timer,
  toArray,
} from 'rxjs';
import {
  type Ack,
  AckPolicy,
  LiftbridgeClient,
  type Message,
  publishBulkSettled,
} from '../../lib/index.js';
import type { LiftbridgeCluster } from '../../scripts/testbed/cluster.js';
import { uniqueName, useCluster } from '../helpers/server.js';

const text = (m: Message) => Buffer.from(m.value).toString();

async function leaderOf(client: LiftbridgeClient, stream: string): Promise<string> {
  return firstValueFrom(
    timer(0, 250).pipe(
      switchMap(() => client.fetchMetadata([stream])),
      map((md) => md.streams.get(stream)?.partitions.get(0)?.leader),
      filter((leader): leader is string => leader !== undefined),
      take(1),
      timeout(30_000),
    ),
  );
}

async function newLeader(client: LiftbridgeClient, stream: string, old: string): Promise<string> {
  return firstValueFrom(
    timer(0, 250).pipe(
      switchMap(() => client.fetchMetadata([stream]).pipe(retry({ count: 3, delay: 200 }))),
      map((md) => md.streams.get(stream)?.partitions.get(0)?.leader),
      filter((leader): leader is string => leader !== undefined && leader !== old),
      take(1),
      timeout(60_000),
    ),
  );
}

/** Every message of partition 0, read by a fresh client from a live broker. */
async function readAll(cluster: LiftbridgeCluster, stream: string): Promise<Message[]> {
  const reader = new LiftbridgeClient(cluster.brokers, { retryTimeout: 60_000 });
  try {
    return await lastValueFrom(
      reader
        .subscribe(stream, { startPosition: 'EARLIEST', stopPosition: 'LATEST' })
        .pipe(toArray()),
    );
  } finally {
    await reader.close();
  }
}

describe('failover', { timeout: 300_000 }, async () => {
  const cluster = await useCluster();

  it('failover - kill -9 the leader during a bulk publish: every acked message is readable, every request ends', async () => {
    const client = new LiftbridgeClient(cluster.brokers, {
      ackTimeout: 10_000,
      retryTimeout: 60_000,
    });
    const stream = uniqueName('fo-bulk');
    await lastValueFrom(
      client.createStream(stream, { replicationFactor: 3, minIsr: 2, waitForStream: true }),
    );
    const leader = await leaderOf(client, stream);
    const total = 20_000;
    const acks: Ack[] = [];
    let failed = 0;
    let killed = false;
    const outcomes = from(
      Array.from({ length: total }, (_, i) =>
        client.getPublishRequest(`m${i}`, {
          stream,
          ackPolicy: AckPolicy.ALL,
          correlationId: `m${i}`,
        }),
      ),
    ).pipe(
      publishBulkSettled(client, { concurrency: 256 }),
      map((o) => {
        if (o.type === 'ack') acks.push(o.ack);
        else if (o.type === 'error') {
          failed += 1;
          assert.ok(o.error.code, 'a typed error');
        }
        if (!killed && acks.length >= 2_000) {
          killed = true;
          void cluster.node(leader).kill();
        }
        return o;
      }),
      toArray(),
    );
    const all = await lastValueFrom(outcomes.pipe(timeout(180_000)));
    assert.equal(all.length, total, 'every request ended in an ack or an error');
    assert.ok(killed, 'the leader was killed mid-bulk');
    await newLeader(client, stream, leader);
    const stored = new Set((await readAll(cluster, stream)).map(text));
    const lost = acks.filter((a) => !stored.has(a.correlationId));
    console.log(
      `bulk under failover: ${acks.length} acked, ${failed} failed, ${stored.size} stored`,
    );
    assert.ok(acks.length >= 2_000);
    assert.deepEqual(lost, [], 'no acked message is missing from the log');
    await client.close();
    await cluster.node(leader).restart();
  });

  it('failover - kill -9 the leader under a live subscription: it continues on the new leader, no gap, no duplicate', async () => {
    const client = new LiftbridgeClient(cluster.brokers, { retryTimeout: 60_000 });
    const stream = uniqueName('fo-sub');
    await lastValueFrom(
      client.createStream(stream, { replicationFactor: 3, minIsr: 2, waitForStream: true }),
    );
    // One at a time; a failed publish is retried (it may then be stored twice:
    // the check below compares with the log, not with what was sent).
    const publish = async (first: number, n: number) => {
      for (let i = first; i < first + n; i++) {
        await lastValueFrom(
          client
            .publish(`s${i}`, { stream, ackPolicy: AckPolicy.ALL })
            .pipe(retry({ count: 60, delay: 500 })),
        );
      }
    };
    const received: Message[] = [];
    const done = lastValueFrom(
      client.subscribe(stream, { startPosition: 'EARLIEST' }).pipe(
        takeWhile((m) => {
          received.push(m);
          return received.length < 100;
        }, true),
        timeout(120_000),
      ),
    );
    await publish(0, 50);
    const leader = await leaderOf(client, stream);
    await cluster.node(leader).kill();
    await newLeader(client, stream, leader);
    await publish(50, 50);
    await done;
    const offsets = received.map((m) => m.offset);
    assert.deepEqual(
      offsets,
      Array.from({ length: 100 }, (_, i) => BigInt(i)),
      'contiguous offsets 0..99 across the leader change',
    );
    const log = (await readAll(cluster, stream)).slice(0, 100);
    assert.deepEqual(received.map(text), log.map(text), 'what the live subscriber saw is the log');
    await client.close();
    await cluster.node(leader).restart();
  });
});
