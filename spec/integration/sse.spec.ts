/**
 * liftbridge-rx/sse against a real Liftbridge: readers starting at `new`
 * and `latest` stand at the high watermark of each partition (an empty one
 * too), and resuming from a position event or a message's id delivers
 * exactly what followed, on every partition.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { type SseMessage, type SseStart, sendSse } from '../../lib/sse/index.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { type ReadEvent, readSse } from '../helpers/sse.js';

describe('sendSse against a real server', async () => {
  const liftbridge = await useServer();
  const client = liftbridge.client();
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const start = (url.searchParams.get('start') ?? 'earliest') as SseStart;
    void sendSse(client, req, res, url.pathname.slice(1), { partition: 'all', start });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  after(() => {
    http.closeAllConnections();
    http.close();
  });

  const values = (events: ReadEvent[]) =>
    events
      .filter((e) => e.event === undefined)
      .map((e) => JSON.parse(e.data) as SseMessage)
      .map((m) => `${m.partition}:${m.offset}:${m.value}`);
  const publish = (stream: string, partition: number, value: string) =>
    lastValueFrom(client.publish(value, { stream, partition }));

  it("start 'new' - a position at each partition's high watermark (-1 when empty); resuming from it, then from a message id, misses and repeats nothing", async () => {
    const stream = uniqueName('sse-new');
    await lastValueFrom(client.createStream(stream, { partitions: 2 }));
    await publish(stream, 0, 'before');
    const first = await readSse(`${base}/${stream}?start=new`, (e) => e.length >= 1);
    assert.deepEqual(first.events, [{ event: 'position', id: '0:0,1:-1', data: '' }]);
    // Published while nobody reads: a fresh `new` reader would miss these.
    await publish(stream, 0, 'a');
    await publish(stream, 1, 'b');
    const second = await readSse(`${base}/${stream}?start=new`, (e) => values(e).length >= 2, {
      'last-event-id': first.events[0]?.id ?? '',
    });
    assert.deepEqual(values(second.events).sort(), ['0:1:a', '1:0:b']);
    const lastId = second.events.at(-1)?.id ?? '';
    assert.equal(lastId, '0:1,1:0');
    await publish(stream, 1, 'c');
    await publish(stream, 0, 'd');
    const third = await readSse(`${base}/${stream}?start=new`, (e) => values(e).length >= 2, {
      'last-event-id': lastId,
    });
    assert.deepEqual(values(third.events).sort(), ['0:2:d', '1:1:c']);
  });

  it("start 'latest' - each partition from its newest message; an empty one from its first", async () => {
    const stream = uniqueName('sse-latest');
    await lastValueFrom(client.createStream(stream, { partitions: 2 }));
    for (const v of ['x', 'y']) await publish(stream, 0, v);
    const read = readSse(`${base}/${stream}?start=latest`, (e) => values(e).length >= 2);
    await publish(stream, 1, 'z');
    const { events } = await read;
    assert.deepEqual(events[0], { event: 'position', id: '0:0,1:-1', data: '' });
    assert.deepEqual(values(events).sort(), ['0:1:y', '1:0:z']);
  });
});
