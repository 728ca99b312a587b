/**
 * `subscribe(stream, { partition: 'all' })` against a real server (every
 * partition merged, stops, cursors) and on a real 3-node cluster (kill -9
 * the leader of one partition while reading all of them).
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
  ErrorCode,
  isLiftbridgeError,
  LiftbridgeClient,
  type Message,
  publishBulk,
  StartPosition,
  StopPosition,
} from '../../lib/index.js';
import { publishEach, text, waitFor } from '../helpers/oracle.js';
import { uniqueName, useCluster, useServer } from '../helpers/server.js';

/** The offsets read per partition, in arrival order. */
function byPartition(messages: readonly Message[]): Map<number, bigint[]> {
  const out = new Map<number, bigint[]>();
  for (const m of messages) {
    const list = out.get(m.partition) ?? [];
    list.push(m.offset);
    out.set(m.partition, list);
  }
  return out;
}

const range = (from: number, to: number): bigint[] =>
  Array.from({ length: to - from }, (_, i) => BigInt(from + i));

describe("subscribe partition: 'all' against a real server", { timeout: 120_000 }, async () => {
  const server = await useServer();
  const client = server.client();

  /** A 3-partition stream with 100 messages in each partition (explicit partitions). */
  async function filled(): Promise<string> {
    const stream = uniqueName('all');
    await lastValueFrom(client.createStream(stream, { partitions: 3 }));
    await lastValueFrom(
      from(Array.from({ length: 300 }, (_, i) => i)).pipe(
        map((i) =>
          client.getPublishRequest(`p${i % 3}-${Math.floor(i / 3)}`, { stream, partition: i % 3 }),
        ),
        publishBulk(client),
        toArray(),
      ),
    );
    return stream;
  }

  const readAll = (stream: string, options: Parameters<LiftbridgeClient['subscribe']>[1]) =>
    lastValueFrom(
      client
        .subscribe(stream, { partition: 'all', stopPosition: StopPosition.LATEST, ...options })
        .pipe(toArray(), timeout(30_000)),
    );

  it('subscribe all - 300 messages over 3 partitions: one subscription, stop LATEST, each partition in order', async () => {
    const stream = await filled();
    const messages = await readAll(stream, { startPosition: StartPosition.EARLIEST });
    assert.equal(messages.length, 300);
    const pairs = new Set(messages.map((m) => `${m.partition}/${m.offset}`));
    assert.equal(pairs.size, 300, '300 distinct (partition, offset) pairs');
    const offsets = byPartition(messages);
    assert.deepEqual([...offsets.keys()].sort(), [0, 1, 2]);
    for (const p of [0, 1, 2]) {
      assert.deepEqual(offsets.get(p), range(0, 100), `partition ${p} in order, no gap`);
    }
    for (const m of messages) {
      assert.equal(m.stream, stream);
      assert.match(
        text(m),
        new RegExp(`^p${m.partition}-${m.offset}$`),
        'the value of its partition',
      );
    }
  });

  it('subscribe all - RESUME reads each partition after its own cursor', async () => {
    const stream = await filled();
    const cursorId = 'reader';
    await lastValueFrom(client.setCursor(stream, 0, cursorId, 49));
    await lastValueFrom(client.setCursor(stream, 2, cursorId, 98));
    // Partition 1 has no cursor: from its earliest message.
    const messages = await readAll(stream, { startPosition: StartPosition.RESUME, cursorId });
    const offsets = byPartition(messages);
    assert.deepEqual(offsets.get(0), range(50, 100));
    assert.deepEqual(offsets.get(1), range(0, 100));
    assert.deepEqual(offsets.get(2), [99n]);
    assert.equal(messages.length, 50 + 100 + 1);
  });

  it('subscribe all - stop LATEST completes with an empty partition; an unknown stream is NOT_FOUND', async () => {
    const stream = uniqueName('all-gaps');
    await lastValueFrom(client.createStream(stream, { partitions: 3 }));
    await lastValueFrom(client.publish('only', { stream, partition: 2 }));
    const messages = await readAll(stream, { startPosition: StartPosition.EARLIEST });
    assert.deepEqual(
      messages.map((m) => [m.partition, m.offset, text(m)]),
      [[2, 0n, 'only']],
    );
    await assert.rejects(
      lastValueFrom(client.subscribe(uniqueName('missing'), { partition: 'all' })),
      (err: unknown) => isLiftbridgeError(err) && err.code === ErrorCode.NotFound,
    );
  });
});

describe("subscribe partition: 'all' on a 3-node cluster", { timeout: 300_000 }, async () => {
  const cluster = await useCluster();

  /** The leader of `stream/partition` once there is one other than `not` (fresh metadata, polled). */
  const leaderOf = (client: LiftbridgeClient, stream: string, partition: number, not?: string) =>
    firstValueFrom(
      timer(0, 250).pipe(
        switchMap(() => client.fetchMetadata([stream]).pipe(retry({ count: 3, delay: 200 }))),
        map((md) => md.streams.get(stream)?.partitions.get(partition)?.leader),
        filter((leader): leader is string => leader !== undefined && leader !== not),
        take(1),
        timeout(60_000),
      ),
    );

  it('subscribe all - kill -9 the leader of one partition while reading all: it continues without gap or duplicate, the others keep flowing', async () => {
    const client = new LiftbridgeClient(cluster.brokers, { retryTimeout: 60_000 });
    const stream = uniqueName('all-fo');
    await lastValueFrom(
      client.createStream(stream, {
        partitions: 3,
        replicationFactor: 3,
        minIsr: 2,
        waitForStream: true,
      }),
    );
    // Liftbridge gives one broker the lead of every partition of a new
    // stream (and re-elects them together): then all three fail over, and
    // "the others keep flowing" is checked only for partitions led elsewhere.
    const leaders = await Promise.all([0, 1, 2].map((p) => leaderOf(client, stream, p)));
    const perPartition = 30;
    const total = 3 * perPartition;
    const received: Message[] = [];
    const seen = new Set<string>();
    // Until every value published is read (publishEach may store one twice).
    const done = lastValueFrom(
      client.subscribe(stream, { partition: 'all', startPosition: StartPosition.EARLIEST }).pipe(
        takeWhile((m) => {
          received.push(m);
          seen.add(text(m));
          return seen.size < total;
        }, true),
        timeout(120_000),
      ),
    );
    const half = perPartition / 2;
    for (const p of [0, 1, 2]) await publishEach(client, stream, `p${p}-`, 0, half, p);
    const victim = leaders[1] as string;
    await cluster.node(victim).kill();
    // Partitions led elsewhere keep flowing while partition 1 fails over.
    const others = [0, 2].filter((p) => leaders[p] !== victim);
    const readOf = (p: number) => [...seen].filter((v) => v.startsWith(`p${p}-`)).length;
    for (const p of others) await publishEach(client, stream, `p${p}-`, half, half, p);
    await waitFor(
      () => others.every((p) => readOf(p) === perPartition),
      60_000,
      'the partitions led by other brokers',
    );
    const next = await leaderOf(client, stream, 1, victim);
    assert.notEqual(next, victim);
    for (const p of [0, 1, 2].filter((p) => !others.includes(p)))
      await publishEach(client, stream, `p${p}-`, half, half, p);
    await done;
    console.log(
      `all partitions under failover: killed ${victim} (leader of ${leaders
        .flatMap((l, p) => (l === victim ? [p] : []))
        .join(', ')}); ${others.length} partition(s) flowed meanwhile; ${received.length} read`,
    );
    const offsets = byPartition(received);
    for (const p of [0, 1, 2]) {
      const mine = received.filter((m) => m.partition === p);
      // publishEach may publish a message again after an ack lost in the
      // failover: what matters is that the reader saw the log, once, in order.
      assert.deepEqual(
        offsets.get(p),
        range(0, mine.length),
        `partition ${p}: no gap, no duplicate`,
      );
      const values = new Set(mine.map(text));
      for (let i = 0; i < perPartition; i++) assert.ok(values.has(`p${p}-${i}`), `p${p}-${i} read`);
    }
    await client.close();
    await cluster.node(victim).restart();
  });
});
