/**
 * liftbridge-rx/sse against a real Liftbridge: readers starting at `new`
 * and `latest` stand at the high watermark of each partition (an empty one
 * too), and resuming from a position event or a message's id delivers
 * exactly what followed, on every partition. A reader that stops reading
 * over a backlog stalls the response without a new gRPC call: each
 * partition is subscribed once (the client's subscribe-start channel), and
 * every message arrives once, in order, when it reads again.
 */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createServer, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import {
  DIAGNOSTICS_CHANNELS,
  LiftbridgeClient,
  publishBulk,
  type SubscribeEvent,
} from '../../lib/index.js';
import { type SseMessage, type SseStart, sendSse } from '../../lib/sse/index.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { type ReadEvent, readSse } from '../helpers/sse.js';
import { until } from '../helpers/until.js';

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

  it('backpressure - a reader that stops reading over a backlog: the response stalls on the same gRPC calls (one subscribe per partition), then every message arrives once, in order', async () => {
    const stream = uniqueName('sse-slow');
    const PER_PARTITION = 700;
    // 2 x 700 x 16 KiB = 22 MiB: more than the socket buffers and the reads' buffers hold.
    const value = 'v'.repeat(16 * 1024);
    await lastValueFrom(client.createStream(stream, { partitions: 2 }));
    for (const partition of [0, 1]) {
      await lastValueFrom(
        from(Array.from({ length: PER_PARTITION }, (_, i) => `${i}:${value}`)).pipe(
          map((v) => client.getPublishRequest(v, { stream, partition })),
          publishBulk(client),
          toArray(),
        ),
      );
    }
    const starts: string[] = [];
    const onStart = (e: unknown) => {
      const event = e as SubscribeEvent;
      if (event.stream === stream) starts.push(`${event.partition}`);
    };
    diagnostics.subscribe(DIAGNOSTICS_CHANNELS.subscribeStart, onStart);
    const reader = new LiftbridgeClient(liftbridge.brokers);
    let written = 0;
    let full = false;
    let served: Promise<void> | undefined;
    const slow = createServer((req, res: ServerResponse) => {
      const write = res.write.bind(res) as (chunk: string) => boolean;
      res.write = ((chunk: string) => {
        const ok = write(chunk);
        if (chunk.startsWith('id: ')) written++;
        full ||= !ok;
        return ok;
      }) as typeof res.write;
      served = sendSse(reader, req, res, stream, {
        partition: 'all',
        start: 'earliest',
        heartbeatMs: 0,
      });
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const socket = connect((slow.address() as AddressInfo).port, '127.0.0.1');
      socket.pause();
      socket.write(`GET /${stream} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
      let seen = -1;
      await until(() => {
        const stalled = full && written === seen;
        seen = written;
        return stalled;
      }, 'the response to stall on a reader that does not read');
      assert.ok(written < 2 * PER_PARTITION, `stalled after ${written} events`);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.resume();
      await until(
        () => (text.match(/^id: /gm) ?? []).length >= 2 * PER_PARTITION,
        'every event',
        60_000,
      );
      socket.destroy();
      await served;
      const events = [...text.matchAll(/^id: .*\ndata: (.*)$/gm)].map(
        (m) => JSON.parse(m[1] ?? '') as SseMessage,
      );
      assert.equal(events.length, 2 * PER_PARTITION, 'every message once');
      for (const p of [0, 1]) {
        const mine = events.filter((e) => e.partition === p);
        assert.deepEqual(
          mine.map((e) => `${e.offset}:${e.value.slice(0, e.value.indexOf(':'))}`),
          Array.from({ length: PER_PARTITION }, (_, i) => `${i}:${i}`),
          `partition ${p}: every offset once, in order`,
        );
      }
      assert.deepEqual(
        starts.sort(),
        ['0', '1'],
        'one subscribe call per partition, none after a pause',
      );
    } finally {
      diagnostics.unsubscribe(DIAGNOSTICS_CHANNELS.subscribeStart, onStart);
      slow.closeAllConnections();
      slow.close();
      await reader.close();
    }
  });
});
