/**
 * The test bed, proven through the project's own gRPC layer: a real
 * Liftbridge node on loopback, metadata, a stream with a leader, a message
 * read back with its empty server headers and lossless int64 fields.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { lastValueFrom, retry, toArray } from 'rxjs';
import { type Ack, LiftbridgeClient, StartPosition, StopPosition } from '../../lib/index.js';
import { LiftbridgeNode } from '../../scripts/testbed/node.js';
import { freePort, isBindRace } from '../../scripts/testbed/ports.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { listeningAddresses } from '../helpers/sockets.js';

describe('test bed', async () => {
  const server = await useServer();
  const client = server.client();

  it('test bed - FetchMetadata returns the broker at its 127.0.0.1 address', async () => {
    const md = await lastValueFrom(client.fetchMetadata());
    const brokers = [...md.brokers.values()];
    assert.ok(brokers.length >= 1);
    for (const b of brokers) assert.equal(b.host, '127.0.0.1');
    assert.ok(brokers.some((b) => server.brokers.includes(b.address)));
  });

  it('test bed - CreateStream then FetchMetadata shows the stream with a leader', async () => {
    const name = uniqueName();
    await lastValueFrom(client.createStream(name, { partitions: 2 }));
    const md = await lastValueFrom(client.fetchMetadata([name]));
    const stream = md.streams.get(name);
    assert.ok(stream, 'stream in metadata');
    assert.equal(stream.partitions.size, 2);
    for (const p of stream.partitions.values()) {
      assert.ok(p.leader && md.brokers.has(p.leader), `partition ${p.id} has a known leader`);
    }
  });

  it('test bed - a message read back keeps empty header values and lossless int64 fields', async () => {
    const name = uniqueName();
    await lastValueFrom(client.createStream(name));
    const acks: Ack[] = [];
    for (let i = 0; i < 5; i++) {
      acks.push(
        await lastValueFrom(
          client.publish(`v${i}`, { stream: name, headers: { empty: '', x: 'y' } }),
        ),
      );
    }
    const messages = await lastValueFrom(
      client
        .subscribe(name, {
          startPosition: StartPosition.EARLIEST,
          stopPosition: StopPosition.LATEST,
        })
        .pipe(toArray()),
    );
    assert.equal(messages.length, 5);
    messages.forEach((m, i) => {
      assert.equal(m.offset, BigInt(i));
      assert.equal(typeof m.offset, 'bigint');
      assert.deepEqual(m.headers.get('empty'), new Uint8Array(0));
      assert.ok(m.headers.get('empty') instanceof Uint8Array);
      assert.ok(m.headers.has('reply'), 'server-added reply header');
      assert.equal(Buffer.from(m.headers.get('x') ?? []).toString(), 'y');
      // Nanosecond timestamps exceed 2^53: equal to the ack's to the last digit.
      assert.ok(m.timestamp > 2n ** 53n);
      assert.equal(m.timestamp, acks[i]?.receptionTimestamp);
    });
    // A lossy double conversion would round every timestamp to a multiple of 256.
    assert.ok(messages.some((m) => m.timestamp % 256n !== 0n));
  });

  it('test bed - the node listens on loopback only', { skip: !server.node }, () => {
    const pid = server.node?.pid;
    assert.ok(pid);
    const addresses = listeningAddresses(pid);
    assert.ok(addresses.length >= 2, `gRPC and NATS listeners: ${addresses.join(', ')}`);
    for (const a of addresses) assert.match(a, /^127\.0\.0\.1:/);
  });

  it('test bed - a node killed with SIGKILL restarts on its data dir; SIGSTOP/SIGCONT pause it', async () => {
    const node = await LiftbridgeNode.start();
    try {
      const c = new LiftbridgeClient([node.address], { retryTimeout: 20_000 });
      const name = uniqueName();
      await lastValueFrom(c.createStream(name));
      await lastValueFrom(c.publish('kept', { stream: name }));
      await node.kill();
      assert.equal(node.running, false);
      await node.restart();
      // The restarted node reloads the stream from its data dir (NOT_FOUND
      // until then); its high watermark comes back with the next commit.
      await lastValueFrom(
        c.publish('after', { stream: name }).pipe(retry({ count: 100, delay: 100 })),
      );
      const read = await lastValueFrom(
        c.subscribe(name, { startPosition: 'EARLIEST', stopPosition: 'LATEST' }).pipe(toArray()),
      );
      // A retry after an ACK_TIMEOUT may store 'after' twice.
      const values = read.map((m) => Buffer.from(m.value).toString());
      assert.equal(values[0], 'kept');
      assert.ok(values.length >= 2 && values.slice(1).every((v) => v === 'after'), values.join());
      await node.pause();
      const frozen = new LiftbridgeClient([node.address], { requestTimeout: 300, retryTimeout: 0 });
      await assert.rejects(lastValueFrom(frozen.fetchMetadata()), { code: 'TIMEOUT' });
      node.resume();
      // Answering again once resumed (c: the frozen client gives up at 300 ms).
      assert.ok((await lastValueFrom(c.fetchMetadata())).brokers.size === 1);
      await frozen.close();
      await c.close();
    } finally {
      await node.stop();
    }
  });

  it('test bed - server ports lie below the ephemeral range; a port taken under the server means new ports, not a failed start', async () => {
    const [lo] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/);
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      assert.ok(port >= 10_000 && port < Number(lo), `port ${port} below ${lo}`);
    }
    assert.equal(isBindRace('listen tcp 127.0.0.1:4222: bind: address already in use'), true);
    assert.equal(isBindRace('server exited during start-up: bad config'), false);
    // The first port handed out is already bound by someone else (as when
    // another process binds it between the check and the server's start).
    // It hangs up on whoever connects (the start-up probe does), so no socket outlives the spec.
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const address = squatter.address();
    const taken = typeof address === 'object' && address ? address.port : 0;
    const handedOut: number[] = [];
    const node = await LiftbridgeNode.start({
      portSource: async () => {
        const port = handedOut.length === 0 ? taken : await freePort();
        handedOut.push(port);
        return port;
      },
    });
    try {
      assert.equal(handedOut[0], taken);
      assert.ok(handedOut.length >= 4, `a second pair of ports: ${handedOut.join(', ')}`);
      assert.notEqual(node.port, taken);
      assert.ok(node.running);
    } finally {
      await node.stop();
      squatter.close();
    }
  });

  it('test bed - stop() ends the process and removes the data dir', async () => {
    const node = await LiftbridgeNode.start();
    const pid = node.pid;
    assert.ok(pid);
    await node.stop();
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync(node.workDir), false);
  });
});
