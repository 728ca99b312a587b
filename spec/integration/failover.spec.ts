/**
 * Failover on a real 3-node cluster (standalone NATS), each scenario checked
 * against an oracle: what a fresh subscriber reads from EARLIEST afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, lastValueFrom, map, takeWhile, timeout, timer, toArray } from 'rxjs';
import {
  type Ack,
  AckPolicy,
  type ClientStatus,
  ErrorCode,
  LiftbridgeClient,
  type LiftbridgeError,
  type Message,
  publishBulkSettled,
} from '../../lib/index.js';
import { leaderOf, publishEach, readAll, record, text, waitFor } from '../helpers/oracle.js';
import { uniqueName, useCluster } from '../helpers/server.js';

/** Publishes `total` distinct requests through publishBulkSettled, calling `during` on each outcome. */
async function bulk(
  client: LiftbridgeClient,
  stream: string,
  total: number,
  concurrency: number,
  during: (acked: number) => void,
): Promise<{ acks: Ack[]; failures: LiftbridgeError[]; outcomes: number }> {
  const acks: Ack[] = [];
  const failures: LiftbridgeError[] = [];
  const outcomes = await lastValueFrom(
    from(
      Array.from({ length: total }, (_, i) =>
        client.getPublishRequest(`m${i}`, {
          stream,
          ackPolicy: AckPolicy.ALL,
          correlationId: `m${i}`,
        }),
      ),
    ).pipe(
      publishBulkSettled(client, { concurrency }),
      map((o) => {
        if (o.type === 'ack') acks.push(o.ack);
        else if (o.type === 'error') failures.push(o.error);
        during(acks.length);
        return o;
      }),
      toArray(),
      timeout(180_000),
    ),
  );
  return { acks, failures, outcomes: outcomes.length };
}

describe('failover', { timeout: 600_000 }, async () => {
  // Info logs tell which node leads the metadata Raft group.
  const cluster = await useCluster({ logLevel: 'info' });
  const replicated = { replicationFactor: 3, minIsr: 2, waitForStream: true } as const;

  it('failover - kill -9 the leader during a bulk publish: every acked message is readable, every request ends', async () => {
    const client = new LiftbridgeClient(cluster.brokers, {
      ackTimeout: 10_000,
      retryTimeout: 60_000,
    });
    const stream = uniqueName('fo-bulk');
    await lastValueFrom(client.createStream(stream, replicated));
    const leader = await leaderOf(client, stream);
    let killed = false;
    const total = 20_000;
    const { acks, failures, outcomes } = await bulk(client, stream, total, 256, (acked) => {
      if (!killed && acked >= 2_000) {
        killed = true;
        void cluster.node(leader).kill();
      }
    });
    assert.equal(outcomes, total, 'every request ended in an ack or an error');
    assert.ok(killed, 'the leader was killed mid-bulk');
    for (const f of failures) assert.ok(f.code, 'failures are typed');
    await leaderOf(client, stream, leader);
    const stored = new Set((await readAll(cluster.brokers, stream)).map(text));
    const lost = acks.filter((a) => !stored.has(a.correlationId));
    console.log(
      `bulk under failover: ${acks.length} acked, ${failures.length} failed, ${stored.size} stored`,
    );
    assert.ok(acks.length >= 2_000);
    assert.deepEqual(lost, [], 'no acked message is missing from the log');
    await client.close();
    await cluster.node(leader).restart();
  });

  it('failover - kill -9 the leader under a live subscription: it continues on the new leader, no gap, no duplicate; status$ reports it', async () => {
    const client = new LiftbridgeClient(cluster.brokers, { retryTimeout: 60_000 });
    const events: ClientStatus[] = [];
    client.status$.subscribe((e) => events.push(e));
    const stream = uniqueName('fo-sub');
    await lastValueFrom(client.createStream(stream, replicated));
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
    await publishEach(client, stream, 's', 0, 50);
    const leader = await leaderOf(client, stream);
    const leaderAddress = cluster.node(leader).address;
    const killedAt = Date.now();
    await cluster.node(leader).kill();
    const next = await leaderOf(client, stream, leader);
    console.log(`failover time: new leader in metadata ${Date.now() - killedAt} ms after kill -9`);
    await publishEach(client, stream, 's', 50, 50);
    await done;
    assert.deepEqual(
      received.map((m) => m.offset),
      Array.from({ length: 100 }, (_, i) => BigInt(i)),
      'contiguous offsets 0..99 across the leader change',
    );
    const log = (await readAll(cluster.brokers, stream)).slice(0, 100);
    assert.deepEqual(received.map(text), log.map(text), 'what the live subscriber saw is the log');
    assert.ok(
      events.some(
        (e) =>
          e.type === 'leaderChanged' &&
          e.stream === stream &&
          e.previous === leader &&
          (e.leader === undefined || e.leader === next),
      ),
      'status$: leaderChanged for the stream',
    );
    assert.ok(
      events.some((e) => e.type === 'reconnecting' && e.broker === leaderAddress),
      'status$: reconnecting for the killed broker',
    );
    await client.close();
    assert.equal(events.at(-1)?.type, 'closed');
    await cluster.node(leader).restart();
  });

  it('failover - SIGSTOP the leader for 20 s, then SIGCONT: publishing and subscribing recover, nothing hangs', async () => {
    const client = new LiftbridgeClient(cluster.brokers, {
      ackTimeout: 3_000,
      requestTimeout: 3_000,
      retryTimeout: 60_000,
      metadataRefreshInterval: 1_000,
    });
    const stream = uniqueName('fo-stop');
    await lastValueFrom(client.createStream(stream, replicated));
    const live = record(client.subscribe(stream, { startPosition: 'EARLIEST' }));
    const received = live.received;
    await publishEach(client, stream, 'p', 0, 20);
    const leader = await leaderOf(client, stream);
    const frozen = cluster.node(leader);
    await frozen.pause();
    const resumeAt = Date.now() + 20_000;
    try {
      await publishEach(client, stream, 'p', 20, 20);
      await leaderOf(client, stream, leader);
      assert.ok(Date.now() < resumeAt, 'publishing went on while the leader was frozen');
    } finally {
      await waitFor(() => Date.now() >= resumeAt, 60_000, 'the end of the freeze');
      frozen.resume();
    }
    await publishEach(client, stream, 'p', 40, 20);
    const log = await readAll(cluster.brokers, stream);
    await waitFor(() => received.length >= log.length, 60_000, 'the subscriber to catch up');
    live.stop();
    assert.equal(live.error(), undefined, 'the live subscription never failed');
    const sent = new Set(Array.from({ length: 60 }, (_, i) => `p${i}`));
    assert.deepEqual(new Set(log.map(text)), sent, 'every message is in the log');
    assert.deepEqual(
      received.slice(0, log.length).map((m) => m.offset),
      log.map((m) => m.offset),
      'the live subscriber saw every offset once, in order',
    );
    assert.deepEqual(received.slice(0, log.length).map(text), log.map(text));
    await client.close();
  });

  it('failover - kill -9 the broker carrying the publish stream (not the leader): publishing continues elsewhere', async () => {
    const admin = new LiftbridgeClient(cluster.brokers, { retryTimeout: 60_000 });
    const stream = uniqueName('fo-carrier');
    await lastValueFrom(admin.createStream(stream, replicated));
    const leader = await leaderOf(admin, stream);
    const carrier = cluster.nodes.find((n) => n.options.serverId !== leader && n.running);
    assert.ok(carrier);
    // The first seed carries the publish stream (no metadata fetched yet).
    const seeds = [carrier.address, ...cluster.brokers.filter((b) => b !== carrier.address)];
    const client = new LiftbridgeClient(seeds, { ackTimeout: 10_000, retryTimeout: 60_000 });
    const events: ClientStatus[] = [];
    client.status$.subscribe((e) => events.push(e));
    let killed = false;
    let ackedAtKill = 0;
    const total = 6_000;
    const concurrency = 128;
    const { acks, failures, outcomes } = await bulk(client, stream, total, concurrency, (acked) => {
      if (!killed && acked >= 1_000) {
        killed = true;
        ackedAtKill = acked;
        void carrier.kill();
      }
    });
    assert.equal(outcomes, total, 'every request ended');
    assert.ok(killed);
    const connected = events.flatMap((e) => (e.type === 'connected' ? [e.broker] : []));
    assert.equal(connected[0], carrier.address, 'the stream started at the non-leader');
    assert.ok(
      events.some((e) => e.type === 'reconnecting' && e.broker === carrier.address),
      'status$: reconnecting',
    );
    assert.ok(
      connected.slice(1).some((b) => b !== carrier.address),
      'then another broker',
    );
    assert.ok(acks.length > ackedAtKill, 'acks kept coming after the kill');
    assert.ok(
      failures.length <= concurrency,
      `only in-flight requests failed (${failures.length})`,
    );
    for (const f of failures) {
      assert.ok(
        f.code === ErrorCode.Unavailable || f.code === ErrorCode.AckTimeout,
        `a typed failure: ${f.code}`,
      );
    }
    const stored = new Set((await readAll(cluster.brokers, stream)).map(text));
    assert.deepEqual(
      acks.filter((a) => !stored.has(a.correlationId)),
      [],
      'no acked message is lost',
    );
    console.log(
      `carrier killed: ${acks.length} acked (${ackedAtKill} before), ${failures.length} failed`,
    );
    // A broker that metadata lists but that is down does not stop a new client.
    const fresh = new LiftbridgeClient(seeds, { retryTimeout: 60_000 });
    const other = uniqueName('fo-listed-down');
    await lastValueFrom(fresh.createStream(other, { replicationFactor: 2 }));
    const ack = await lastValueFrom(fresh.publish('works', { stream: other }));
    assert.equal(ack.offset, 0n);
    await fresh.close();
    await client.close();
    await admin.close();
    await carrier.restart();
  });

  it('failover - kill -9 the metadata leader during createStream/deleteStream: retried, never a false STREAM_EXISTS or NOT_FOUND', async () => {
    const client = new LiftbridgeClient(cluster.brokers, {
      retryTimeout: 60_000,
      requestTimeout: 5_000,
    });
    const metadataLeader = await waitFor(() => cluster.metadataLeader(), 30_000, 'a leader');
    const names: string[] = [];
    let killed: Promise<void> | undefined;
    for (let i = 0; i < 12; i++) {
      const name = uniqueName('fo-meta');
      names.push(name);
      if (i === 3) killed = metadataLeader.kill();
      await lastValueFrom(client.createStream(name, { replicationFactor: 3 }));
      await lastValueFrom(client.deleteStream(name));
    }
    await killed;
    const successor = await waitFor(() => cluster.metadataLeader(), 30_000, 'a new leader');
    assert.notEqual(successor, metadataLeader);
    // Followers apply the Raft log a moment later: poll until every broker agrees.
    let left: string[] = names;
    for (let i = 0; i < 40 && left.length > 0; i++) {
      const md = await lastValueFrom(client.fetchMetadata());
      left = names.filter((n) => md.streams.has(n));
      if (left.length > 0) await lastValueFrom(timer(250));
    }
    assert.deepEqual(left, [], 'every stream created was deleted');
    await client.close();
    await metadataLeader.restart();
  });
});
