/** Partitioners against a real server: where messages land, and what fails how. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { crc32, ErrorCode, LiftbridgeClient, type Message, publishBulk } from '../../lib/index.js';
import { readPartition } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';

const text = (m: Message) => Buffer.from(m.value).toString();

describe('partitioners against a real server', async () => {
  const server = await useServer();
  const client = server.client();

  async function stream(partitions: number): Promise<string> {
    const name = uniqueName('part');
    await lastValueFrom(client.createStream(name, { partitions }));
    return name;
  }

  async function partitionsOf(name: string, count: number): Promise<string[][]> {
    const out: string[][] = [];
    for (let partition = 0; partition < count; partition++) {
      out.push((await readPartition(client, name, partition)).map(text));
    }
    return out;
  }

  it("partitioners - 'key' in a bulk: each key's messages share crc32(key) % N, in order; metadata fetched once for the waiting requests", async () => {
    const name = await stream(3);
    // A client that has no metadata yet: every request waits for the same refresh.
    const fresh = server.client();
    let refreshes = 0;
    fresh.status$.subscribe((e) => {
      if (e.type === 'metadataUpdated') refreshes += 1;
    });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const values = Array.from({ length: 60 }, (_, i) => `${keys[i % keys.length]}:${i}`);
    const acks = await lastValueFrom(
      from(values).pipe(
        map((v) =>
          fresh.getPublishRequest(v, { stream: name, key: v.slice(0, 1), partitioner: 'key' }),
        ),
        publishBulk(fresh, { concurrency: 16 }),
        toArray(),
      ),
    );
    assert.equal(acks.length, 60);
    assert.equal(refreshes, 1, 'one metadata refresh served every waiting request');
    const stored = await partitionsOf(name, 3);
    for (const key of keys) {
      const home = crc32(Buffer.from(key)) % 3;
      const mine = values.filter((v) => v.startsWith(`${key}:`));
      assert.deepEqual(
        stored[home]?.filter((v) => v.startsWith(`${key}:`)),
        mine,
        `key ${key} in partition ${home}, in order`,
      );
    }
  });

  it("partitioners - 'roundRobin' as the client default spreads over every partition; an explicit partition wins", async () => {
    const name = await stream(3);
    const rr = server.client({ partitioner: 'roundRobin' });
    const placed: number[] = [];
    for (let i = 0; i < 6; i++) {
      placed.push((await lastValueFrom(rr.publish(`m${i}`, { stream: name }))).partition);
    }
    assert.deepEqual(placed, [0, 1, 2, 0, 1, 2]);
    const pinned = await lastValueFrom(rr.publish('pinned', { stream: name, partition: 2 }));
    assert.equal(pinned.partition, 2);
    assert.deepEqual(
      (await partitionsOf(name, 3)).map((p) => p.length),
      [2, 2, 3],
    );
  });

  it('partitioners - bad choices are typed errors of that request only', async () => {
    const name = await stream(2);
    assert.throws(
      () => client.getPublishRequest('x', { stream: name, partition: 1, partitioner: 'key' }),
      { code: ErrorCode.InvalidArgument },
    );
    assert.throws(
      () => client.getPublishRequest('x', { stream: name, partitioner: 'hash' as never }),
      { code: ErrorCode.InvalidArgument },
    );
    assert.throws(() => new LiftbridgeClient(server.brokers, { partitioner: 42 as never }), {
      code: ErrorCode.InvalidArgument,
    });
    await assert.rejects(
      lastValueFrom(client.publish('x', { stream: name, partitioner: () => 7 })),
      { code: ErrorCode.InvalidArgument },
    );
    await assert.rejects(
      lastValueFrom(client.publish('x', { stream: uniqueName('none'), partitioner: 'key' })),
      { code: ErrorCode.NotFound },
    );
    const ok = await lastValueFrom(client.publish('y', { stream: name, partitioner: () => 1 }));
    assert.equal(ok.partition, 1);
  });
});
