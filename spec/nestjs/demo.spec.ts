/**
 * The NestJS demo against a real server: the stack other demos and tests
 * start (HTTP publish, SSE, the event handler's cursor, static files), and
 * demos/nestjs/main run twice.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { startNestDemo } from '../../demos/nestjs/stack.js';
import { ORDERS, ORDERS_CURSOR } from '../../demos/nestjs/streams.js';
import { projectRoot } from '../../scripts/testbed/paths.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { until } from './helpers.js';

interface SseEvent {
  id: string | undefined;
  data: {
    stream: string;
    partition: number;
    offset: string;
    key: string | null;
    value: string;
    timestamp: number;
  };
}

/** Reads `count` events from an SSE endpoint, then disconnects. */
async function readEvents(
  url: string,
  count: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; events: SseEvent[] }> {
  const abort = new AbortController();
  const killer = setTimeout(() => abort.abort(), 30_000);
  try {
    const res = await fetch(url, { headers, signal: abort.signal });
    const events: SseEvent[] = [];
    if (!res.ok || !res.body) return { status: res.status, type: null, events };
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    while (events.length < count) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffered += chunk.value;
      const blocks = buffered.split('\n\n');
      buffered = blocks.pop() ?? '';
      for (const block of blocks) {
        const lines = block.split('\n');
        const data = lines.find((l) => l.startsWith('data: '));
        // Heartbeats (comments) and named events (position) are not messages.
        if (!data || lines.some((l) => l.startsWith('event:'))) continue;
        const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
        events.push({ id, data: JSON.parse(data.slice(6)) as SseEvent['data'] });
      }
    }
    return { status: res.status, type: res.headers.get('content-type'), events };
  } finally {
    clearTimeout(killer);
    abort.abort();
  }
}

describe('NestJS demo against a real server', async () => {
  const server = await useServer();
  const client = server.client();
  const staticDir = mkdtempSync(join(tmpdir(), 'nest-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<h1>liftbridge demo</h1>');
  const stack = await startNestDemo({ brokers: server.brokers, staticDir });
  after(async () => {
    await stack.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  const post = (stream: string, body: unknown) =>
    fetch(`${stack.url}/messages/${stream}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('stack - listens on 127.0.0.1 and serves staticDir at /', async () => {
    assert.match(stack.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${stack.url}/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '<h1>liftbridge demo</h1>');
  });

  it('POST /messages/:stream - publishes, answers 201 with the ack; a missing stream is 404 (nothing created), a bad body 400', async () => {
    const name = uniqueName('http');
    await lastValueFrom(client.createStream(name));
    const first = await post(name, { value: 'one', key: 'k' });
    assert.equal(first.status, 201);
    assert.deepEqual(await first.json(), { stream: name, partition: 0, offset: '0' });
    const second = await post(name, { value: 'two' });
    assert.deepEqual(await second.json(), { stream: name, partition: 0, offset: '1' });
    const missing = uniqueName('missing');
    assert.equal((await post(missing, { value: 'x' })).status, 404);
    const md = await lastValueFrom(client.fetchMetadata());
    assert.equal(md.streams.has(missing), false, 'the endpoint creates nothing');
    assert.equal((await post(name, { key: 'no value' })).status, 400);
    assert.equal((await post(name, { value: 5 })).status, 400);
  });

  it('GET /sse/:stream - streams the stream as events (JSON data, partition:offset as id); start=new skips what is stored; Last-Event-ID resumes after it', async () => {
    const name = uniqueName('sse');
    await lastValueFrom(client.createStream(name));
    for (const [value, key] of [
      ['a', 'k1'],
      ['b', undefined],
      ['c', 'k3'],
    ] as const) {
      await post(name, key === undefined ? { value } : { value, key });
    }
    const earliest = await readEvents(`${stack.url}/sse/${name}`, 3);
    assert.equal(earliest.status, 200);
    assert.match(earliest.type ?? '', /^text\/event-stream/);
    assert.deepEqual(
      earliest.events.map((e) => [e.id, e.data.offset, e.data.key, e.data.value]),
      [
        ['0:0', '0', 'k1', 'a'],
        ['0:1', '1', null, 'b'],
        ['0:2', '2', 'k3', 'c'],
      ],
    );
    const first = earliest.events[0]?.data;
    assert.equal(first?.stream, name);
    assert.equal(first?.partition, 0);
    assert.ok(Math.abs((first?.timestamp ?? 0) - Date.now()) < 10 * 60_000, 'timestamp in ms');

    const resumed = await readEvents(`${stack.url}/sse/${name}`, 1, { 'last-event-id': '0:1' });
    assert.deepEqual(
      resumed.events.map((e) => e.data.value),
      ['c'],
    );

    // Publish until the new-only subscriber has seen something (its start races the POSTs).
    let done = false;
    const fresh = readEvents(`${stack.url}/sse/${name}?start=new`, 1).finally(() => {
      done = true;
    });
    for (let i = 0; !done && i < 100; i++) {
      await post(name, { value: `new${i}` });
      await until(() => done, 'an event', 100).catch(() => undefined);
    }
    const seen = (await fresh).events[0]?.data.value ?? '';
    assert.match(seen, /^new\d+$/, 'only messages published after it subscribed');
  });

  it('GET /sse/:stream - a bad start is 400, a missing stream 404', async () => {
    assert.equal((await readEvents(`${stack.url}/sse/x?start=sometime`, 1)).status, 400);
    assert.equal((await readEvents(`${stack.url}/sse/${uniqueName('missing')}`, 1)).status, 404);
  });

  it('event handler - consumes what HTTP published and commits its cursor', async () => {
    const res = await post(ORDERS, { value: 'order from the spec' });
    const { offset } = (await res.json()) as { offset: string };
    await until(
      async () =>
        (await lastValueFrom(client.fetchCursor(ORDERS, 0, ORDERS_CURSOR))) === BigInt(offset),
      'the handler to commit the posted offset',
    );
  });

  it('demos/nestjs/main - runs twice; the second run handles only its own orders (the cursor resumes), and every step is printed', () => {
    const runMain = () => {
      const res = spawnSync(
        process.execPath,
        [join(projectRoot, '.build', 'demos', 'nestjs', 'main.js')],
        {
          cwd: projectRoot,
          env: { ...process.env, LIFTBRIDGE_BROKERS: server.brokers.join(',') },
          encoding: 'utf8',
          timeout: 90_000,
        },
      );
      assert.equal(res.status, 0, `main failed: ${res.stderr}`);
      return res.stdout;
    };
    for (let run = 0; run < 2; run++) {
      const out = runMain();
      const posted = [...out.matchAll(/^POST \/messages\/nest-orders -> 201 offset (\d+)$/gm)].map(
        (m) => m[1],
      );
      assert.equal(posted.length, 3, out);
      const handled = [...out.matchAll(/^handler: (order #\d) at offset (\d+)$/gm)].map((m) => [
        m[1],
        m[2],
      ]);
      assert.deepEqual(
        handled,
        ['order #1', 'order #2', 'order #3'].map((o, i) => [o, posted[i]]),
        'exactly this run’s orders: the handler resumed after the cursor',
      );
      for (const offset of posted)
        assert.match(
          out,
          new RegExp(`^committed nest-orders/0 offset ${offset} \\(cursor nest-demo\\)$`, 'm'),
        );
      assert.match(out, /^GET \/sse\/nest-orders -> 200 text\/event-stream/m);
      for (const [i, offset] of posted.entries())
        assert.match(out, new RegExp(`^sse: ${offset} customer-7 order #${i + 1}$`, 'm'));
      assert.match(out, /^send\(nest-sums, \[1, 2, 3\]\) -> 6$/m);
      assert.match(out, /^app closed$/m);
    }
  });
});
