/**
 * sendSse over node:http (the response Express and Fastify's reply.raw hand
 * over), reading the testing kit's fake client: every partition interleaved
 * with ids that resume each partition after its own offset; `new` and
 * `latest` readers get a position to resume from before any message; the
 * lastEventId query parameter; refusals before the stream starts.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ErrorCode, isLiftbridgeError, type Message } from '../../lib/index.js';
import { type SseMessage, type SseOptions, type SseStart, sendSse } from '../../lib/sse/index.js';
import { FakeLiftbridgeClient } from '../../lib/testing/index.js';
import { type ReadEvent, readSse } from '../helpers/sse.js';

const fake = new FakeLiftbridgeClient({ streams: { three: 3, one: 1, fresh: 2 } });

/** GET /<stream>?partition=…&start=… served by sendSse. */
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const partition = url.searchParams.get('partition');
  const options: SseOptions = { heartbeatMs: 0 };
  if (partition !== null) options.partition = partition === 'all' ? 'all' : Number(partition);
  options.start = (url.searchParams.get('start') ?? 'earliest') as SseStart;
  void sendSse(fake, req, res, url.pathname.slice(1), options);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const messages = (events: ReadEvent[]) =>
  events.filter((e) => e.event === undefined).map((e) => JSON.parse(e.data) as SseMessage);
const pairs = (events: ReadEvent[]) => messages(events).map((m) => `${m.partition}:${m.offset}`);
const count = (n: number) => (events: ReadEvent[]) => messages(events).length >= n;

describe('sendSse', () => {
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("partition 'all' - interleaved; each id holds every partition's offset; a reconnect with it misses nothing and repeats nothing", async () => {
    for (const p of [0, 1, 2]) fake.emit('three', p, ['a', 'b', 'c']);
    const first = await readSse(`${base}/three?partition=all`, count(5));
    assert.equal(first.status, 200);
    const seen = pairs(first.events).slice(0, 5);
    const last = first.events.filter((e) => e.event === undefined)[4]?.id ?? '';
    // The id of the 5th event names each partition it has read so far.
    const upTo = new Map<string, string>();
    for (const pair of seen) upTo.set(pair.split(':')[0] ?? '', pair);
    assert.equal(last, [...upTo.values()].sort().join(','));
    for (const p of [0, 1, 2]) fake.emit('three', p, ['d', 'e']);
    const rest = await readSse(`${base}/three?partition=all`, count(10), { 'last-event-id': last });
    const all = [...seen, ...pairs(rest.events).slice(0, 10)];
    const expected = [0, 1, 2].flatMap((p) => [0, 1, 2, 3, 4].map((o) => `${p}:${o}`));
    assert.deepEqual([...all].sort(), expected, 'each message once');
    for (const p of [0, 1, 2]) {
      const offsets = all.filter((x) => x.startsWith(`${p}:`));
      assert.deepEqual(offsets, [...offsets].sort(), `partition ${p} in order`);
    }
  });

  it("start 'new' - a position event first; resuming from it delivers what was published after the first request, on every partition", async () => {
    fake.emit('fresh', 0, ['old']);
    const first = await readSse(`${base}/fresh?partition=all&start=new`, (e) => e.length >= 1);
    assert.deepEqual(first.events, [{ event: 'position', id: '0:0,1:-1', data: '' }]);
    const published: Message[] = [
      ...fake.emit('fresh', 0, ['while away 0']),
      ...fake.emit('fresh', 1, ['while away 1']),
    ];
    const resumed = await readSse(`${base}/fresh?partition=all&start=new`, count(2), {
      'last-event-id': first.events[0]?.id ?? '',
    });
    assert.deepEqual(
      messages(resumed.events)
        .map((m) => m.value)
        .sort(),
      published.map((m) => new TextDecoder().decode(m.value)).sort(),
    );
    assert.equal(resumed.events[0]?.event, undefined, 'a resumed reader needs no position event');
  });

  it("start 'latest' - the newest message first, its position announced before it", async () => {
    fake.emit('one', 0, ['x', 'y', 'z']);
    const read = await readSse(`${base}/one?start=latest`, count(1));
    assert.deepEqual(read.events[0], { event: 'position', id: '0:1', data: '' });
    assert.deepEqual(
      messages(read.events).map((m) => [m.offset, m.value]),
      [['2', 'z']],
    );
    assert.equal(read.events[1]?.id, '0:2');
  });

  it('lastEventId query parameter - resumes as the header does (a reconnect by hand)', async () => {
    const read = await readSse(`${base}/one?start=earliest&lastEventId=0%3A0`, count(2));
    assert.deepEqual(
      messages(read.events).map((m) => m.value),
      ['y', 'z'],
    );
  });

  it('refusals - before the stream starts: 404 unknown stream or partition, 400 a malformed Last-Event-ID (saying why)', async () => {
    const missing = await readSse(`${base}/nope`, () => true);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /stream nope not found/);
    const partition = await readSse(`${base}/one?partition=4`, () => true);
    assert.equal(partition.status, 404);
    assert.match(partition.body, /no partition 4/);
    const bad = await readSse(`${base}/one`, () => true, { 'last-event-id': '0:1,0:2' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /^Last-Event-ID: partition 0 appears twice/);
  });

  it('bad arguments - INVALID_ARGUMENT at the call site, nothing written', () => {
    const res = {
      writeHead: () => assert.fail('nothing written'),
      write: () => assert.fail('nothing written'),
      end: () => assert.fail('nothing written'),
      once: () => undefined,
      off: () => undefined,
      writableEnded: false,
      destroyed: false,
    };
    const req = { headers: {} };
    for (const [stream, options, pattern] of [
      ['', {}, /stream/],
      ['one', { start: 'soon' as SseStart }, /start: expected one of earliest, latest, new/],
      ['one', { partition: -1 }, /partition/],
      ['one', { heartbeatMs: 1.5 }, /heartbeatMs/],
    ] as const) {
      assert.throws(
        () => sendSse(fake, req, res, stream, options),
        (err: unknown) =>
          isLiftbridgeError(err, ErrorCode.InvalidArgument) && pattern.test(err.message),
      );
    }
  });
});
