/**
 * Interop with the official Go client, go-liftbridge v2.3.0 (through the Go
 * peer, bench/peers/go). Cursors written by one client must be found by the
 * other: both pick the `__cursors` partition by crc32("<id>,<stream>,<p>") % N
 * and the test server has N = 3, so a mismatch shows up as a missing cursor.
 * Keys: Go's PartitionByKey must agree with crc32(key) % partitions.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import {
  AckPolicy,
  crc32,
  cursorPartition,
  decodeEnvelope,
  encodeAckEnvelope,
  publishBulk,
} from '../../lib/index.js';
import { goPeerBinary, runGoPeer } from '../../scripts/testbed/go-peer.js';
import { sampleAck } from '../helpers/ack.js';
import { readPartition } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';

const CURSOR_PARTITIONS = 3;
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
const lines = (out: string) => out.split('\n').filter((line) => line !== '');

/** `count` cursor ids whose cursors for (stream, partition) cover every `__cursors` partition. */
function spreadCursorIds(prefix: string, stream: string, partition: number, count: number) {
  const ids: string[] = [];
  const homes = new Set<number>();
  for (let i = 0; ids.length < count || homes.size < CURSOR_PARTITIONS; i++) {
    const id = `${prefix}-${i}`;
    const home = cursorPartition(id, stream, partition, CURSOR_PARTITIONS);
    // Take ids that add a new home first, then any, up to `count`.
    if (!homes.has(home) || homes.size === CURSOR_PARTITIONS) {
      homes.add(home);
      ids.push(id);
    }
  }
  return ids;
}

describe('go-liftbridge interop', { timeout: 600_000 }, async () => {
  const server = await useServer();
  const client = server.client();
  const brokers = server.brokers.join(',');
  const go = (subcommand: string, ...args: string[]) =>
    runGoPeer([subcommand, '--brokers', brokers, ...args]);

  // The first run builds the peer (a few minutes with a cold module cache).
  before(() => void goPeerBinary(), { timeout: 600_000 });

  async function stream(partitions = 1): Promise<string> {
    const name = uniqueName('interop');
    await lastValueFrom(client.createStream(name, { partitions }));
    return name;
  }

  async function publishValues(name: string, partition: number, values: string[]) {
    await lastValueFrom(
      from(values).pipe(
        map((v) => client.getPublishRequest(v, { stream: name, partition })),
        publishBulk(client),
        toArray(),
      ),
    );
  }

  const readAll = (name: string, partition: number) => readPartition(client, name, partition);

  const values = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
  /** "offset value" lines of the messages after `cursor` (-1: all). */
  const after = (cursor: number) =>
    values.map((v, offset) => `${offset} ${v}`).filter((_, offset) => offset > cursor);

  it('go interop - cursors set by liftbridge-rx are fetched and resumed by Go', async () => {
    const name = await stream(2);
    const partition = 1; // not 0: the partition is part of the cursor key
    await publishValues(name, partition, values);
    const ids = spreadCursorIds('rx-cursor', name, partition, 6);
    const offsets = ids.map((_, i) => i % values.length); // 0 .. 5 (5: nothing left)
    for (const [i, id] of ids.entries()) {
      await lastValueFrom(client.setCursor(name, partition, id, offsets[i] as number));
    }
    const common = ['--stream', name, '--partition', String(partition)];
    for (const [i, id] of ids.entries()) {
      const offset = offsets[i] as number;
      const fetched = await go('fetchcursor', ...common, '--cursor', id);
      assert.equal(fetched.trim(), String(offset), `Go fetchcursor ${id}`);
      const resumed = await go('resume', ...common, '--cursor', id);
      assert.deepEqual(lines(resumed), after(offset), `Go resume ${id} after ${offset}`);
    }
    // No cursor: -1, and resume reads from the earliest message.
    assert.equal((await go('fetchcursor', ...common, '--cursor', 'never-set')).trim(), '-1');
    assert.deepEqual(lines(await go('resume', ...common, '--cursor', 'never-set')), after(-1));
  });

  it('go interop - cursors set by Go are fetched and resumed by liftbridge-rx', async () => {
    const name = await stream(2);
    const partition = 1;
    await publishValues(name, partition, values);
    const ids = spreadCursorIds('go-cursor', name, partition, 6);
    const offsets = ids.map((_, i) => (i * 2) % values.length); // 0, 2, 4, 0, ...
    offsets[offsets.length - 1] = values.length - 1; // one cursor with nothing after it
    const common = ['--stream', name, '--partition', String(partition)];
    for (const [i, id] of ids.entries()) {
      await go('setcursor', ...common, '--cursor', id, '--offset', String(offsets[i]));
    }
    for (const [i, id] of ids.entries()) {
      const offset = offsets[i] as number;
      assert.equal(
        await lastValueFrom(client.fetchCursor(name, partition, id)),
        BigInt(offset),
        `rx fetchCursor ${id}`,
      );
      const resumed = await lastValueFrom(
        client
          .subscribe(name, {
            partition,
            startPosition: 'RESUME',
            cursorId: id,
            stopPosition: 'LATEST',
          })
          .pipe(
            map((m) => `${m.offset} ${text(m.value)}`),
            toArray(),
          ),
      );
      assert.deepEqual(resumed, after(offset), `rx resume ${id} after ${offset}`);
    }
    // A cursor moved by rx is seen by Go, and the other way round.
    const [first] = ids as [string];
    await lastValueFrom(client.setCursor(name, partition, first, 3));
    assert.equal((await go('fetchcursor', ...common, '--cursor', first)).trim(), '3');
    await go('setcursor', ...common, '--cursor', first, '--offset', '4');
    assert.equal(await lastValueFrom(client.fetchCursor(name, partition, first)), 4n);
  });

  it('go interop - keys land on crc32(key) % partitions, with Go and with liftbridge-rx', async () => {
    const partitions = 3;
    const name = await stream(partitions);
    const keys = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'ключ', 'キー'];
    const expected = new Map(keys.map((k) => [k, crc32(Buffer.from(k)) % partitions]));
    assert.equal(new Set(expected.values()).size, partitions, 'the keys cover every partition');

    // Go: PartitionByKey; the peer reports where each message was stored.
    const placed = new Map(
      lines(await go('publishkeys', '--stream', name, '--keys', keys.join(','))).map((line) => {
        const [key, partition] = line.split(' ') as [string, string];
        return [key, Number(partition)];
      }),
    );
    assert.deepEqual(placed, expected, 'Go PartitionByKey placement');

    // liftbridge-rx: partitioner 'key' (the partition count comes from metadata).
    for (const key of keys) {
      await lastValueFrom(
        client.publish(`rx:${key}`, { stream: name, key, partitioner: 'key', ackTimeout: 10_000 }),
      );
    }

    // Read back with rx: each key's Go and rx messages share one partition.
    const found = new Map<string, { partitions: Set<number>; values: string[] }>();
    for (let p = 0; p < partitions; p++) {
      for (const m of await readAll(name, p)) {
        const key = text(m.key);
        const entry = found.get(key) ?? { partitions: new Set(), values: [] };
        entry.partitions.add(p);
        entry.values.push(text(m.value));
        found.set(key, entry);
      }
    }
    assert.deepEqual([...found.keys()].sort(), [...keys].sort());
    for (const key of keys) {
      const entry = found.get(key);
      assert.deepEqual(entry?.partitions, new Set([expected.get(key)]), `partition of ${key}`);
      assert.deepEqual(entry?.values, [key, `rx:${key}`], `messages of ${key}`);
    }
  });

  it('go interop - envelopes: Go NewMessage bytes decode here; an ack envelope made here decodes with Go UnmarshalAck', async () => {
    const goBytes = Buffer.from((await runGoPeer(['envelope'])).trim(), 'hex');
    const decoded = decodeEnvelope(goBytes);
    assert.equal(decoded.type, 'publish');
    if (decoded.type !== 'publish') return;
    const m = decoded.message;
    assert.equal(text(m.value), 'hello envelope');
    assert.equal(text(m.key), 'key-1');
    assert.equal(m.ackInbox, 'acks.inbox');
    assert.equal(m.correlationId, 'corr-1');
    assert.equal(m.ackPolicy, AckPolicy.ALL);
    assert.equal(text(m.headers.get('h') ?? new Uint8Array()), 'v');
    assert.equal(m.expectedOffset, -1n);
    // Ours, without and with the CRC-32C (Go checks it when the flag is set).
    for (const crc of [false, true]) {
      const ours = encodeAckEnvelope(sampleAck, { crc });
      const read = lines(await runGoPeer(['readack', '--hex', Buffer.from(ours).toString('hex')]));
      const a = sampleAck;
      assert.deepEqual(read, [
        `stream ${a.stream}`,
        `offset ${a.offset}`,
        `correlationId ${a.correlationId}`,
        `ackInbox ${a.ackInbox}`,
        `msgSubject ${a.msgSubject}`,
        `partitionSubject ${a.partitionSubject}`,
        'ackPolicy 1',
      ]);
    }
  });
});
