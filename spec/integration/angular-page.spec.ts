/**
 * The Angular demo page in headless Chromium, served by the Nest demo over a
 * real Liftbridge: messages published while the page is open appear on it,
 * in order, and after dropped connections it resumes with no gap and no
 * duplicate (liftbridge-rx/sse on both sides). Leaves a screenshot in .build/screenshots (and in docs/ with
 * LIFTBRIDGE_RX_SCREENSHOTS=1, to refresh the picture in docs/angular.md).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { concatMap, lastValueFrom, range } from 'rxjs';
import { startNestDemo } from '../../demos/nestjs/stack.js';
import { angularApp } from '../../scripts/testbed/angular.js';
import { chromiumBinary, launchChromium } from '../../scripts/testbed/chromium.js';
import { MissingToolError } from '../../scripts/testbed/install.js';
import { projectRoot } from '../../scripts/testbed/paths.js';
import { uniqueName, useServer } from '../helpers/server.js';

const WAIT = { timeout: 30_000 };

describe('headless Chromium for the specs', () => {
  it('chromium - CHROMIUM_BIN naming a missing file fails clearly', () => {
    const saved = process.env['CHROMIUM_BIN'];
    process.env['CHROMIUM_BIN'] = '/nowhere/chromium';
    try {
      assert.throws(chromiumBinary, (err: unknown) => {
        assert.ok(err instanceof MissingToolError);
        assert.match(err.message, /CHROMIUM_BIN=\/nowhere\/chromium does not exist/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env['CHROMIUM_BIN'];
      else process.env['CHROMIUM_BIN'] = saved;
    }
  });
});

describe('Angular page in headless Chromium', async () => {
  const server = await useServer();
  const client = server.client();
  const stack = await startNestDemo({ brokers: server.brokers, staticDir: angularApp() });
  const browser = await launchChromium();
  after(async () => {
    await browser.close();
    await stack.close();
  });

  /** Opens the page for `stream`; collects the page's errors. */
  async function open(stream: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 760, height: 360 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(`${stack.url}/?stream=${encodeURIComponent(stream)}`);
    return { page, errors };
  }

  const count = (page: Page, n: number) =>
    page
      .getByTestId('count')
      .filter({ hasText: new RegExp(`^${n}$`) })
      .waitFor(WAIT);

  async function post(stream: string, value: string, key?: string): Promise<string> {
    const res = await fetch(`${stack.url}/messages/${encodeURIComponent(stream)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(key === undefined ? { value } : { value, key }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { offset: string }).offset;
  }

  it('live page - lists messages published while it is open, in order', async () => {
    const stream = uniqueName('orders');
    await lastValueFrom(client.createStream(stream));
    await lastValueFrom(client.publish('order #1 placed', { stream, key: 'customer-7' }));
    const { page, errors } = await open(stream);
    assert.equal(await page.getByTestId('stream').textContent(), stream);
    await count(page, 1);

    // Published while the page is open: through the Nest demo, and with liftbridge-rx.
    assert.equal(await post(stream, 'order #1 paid', 'customer-7'), '1');
    assert.equal(await post(stream, 'order #2 placed', 'customer-9'), '2');
    await lastValueFrom(client.publish('order #1 shipped', { stream, key: 'customer-7' }));
    assert.equal(await post(stream, 'stock check'), '4');
    await count(page, 5);

    assert.deepEqual(await page.getByTestId('offset').allTextContents(), ['0', '1', '2', '3', '4']);
    assert.deepEqual(await page.getByTestId('key').allTextContents(), [
      'customer-7',
      'customer-7',
      'customer-9',
      'customer-7',
      '',
    ]);
    assert.deepEqual(await page.getByTestId('value').allTextContents(), [
      'order #1 placed',
      'order #1 paid',
      'order #2 placed',
      'order #1 shipped',
      'stock check',
    ]);
    assert.deepEqual(errors, [], 'no errors in the page');

    mkdirSync(join(projectRoot, '.build', 'screenshots'), { recursive: true });
    const shot = await page.screenshot({
      path: join(projectRoot, '.build', 'screenshots', 'angular-demo.png'),
    });
    assert.ok(shot.length > 1000, 'a screenshot was taken');
    if (process.env['LIFTBRIDGE_RX_SCREENSHOTS'] === '1') {
      await page.screenshot({ path: join(projectRoot, 'docs', 'angular-demo.png') });
    }
    await page.close();
  });

  it('dropped connection - the page resumes after its last message: no gap, no duplicate (the browser reconnecting with Last-Event-ID, then by hand with ?lastEventId after an HTTP error)', async () => {
    const http = stack.app.getHttpServer() as Server;
    const sockets = new Set<Socket>();
    const requests: { url: string; lastEventId: string | undefined }[] = [];
    const onConnection = (socket: Socket) => sockets.add(socket);
    const onRequest = (req: IncomingMessage) => {
      if (req.url?.startsWith('/sse/')) {
        const header = req.headers['last-event-id'];
        requests.push({
          url: req.url,
          lastEventId: typeof header === 'string' ? header : undefined,
        });
      }
    };
    http.on('connection', onConnection);
    http.on('request', onRequest);
    /** Drops every connection of the page from the server side, as a network failure would. */
    const drop = () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    };
    try {
      const stream = uniqueName('resume');
      await lastValueFrom(client.createStream(stream));
      const publish = (from: number, to: number) =>
        lastValueFrom(
          range(from, to - from).pipe(concatMap((i) => client.publish(`message ${i}`, { stream }))),
        );
      await publish(0, 10);
      const { page, errors } = await open(stream);
      await count(page, 10);

      // Mid-stream: the connection drops, ten more are published while the browser reconnects.
      drop();
      await publish(10, 20);
      await count(page, 20);

      // Again, and the server's next answer is an HTTP error: EventSource gives up,
      // fromEventSource reconnects by hand after its last id.
      await page.route('**/sse/**', (route) => route.fulfill({ status: 503, body: 'down' }), {
        times: 1,
      });
      drop();
      await publish(20, 30);
      await count(page, 30);

      const offsets = await page.getByTestId('offset').allTextContents();
      assert.deepEqual(
        offsets,
        Array.from({ length: 30 }, (_, i) => String(i)),
        'every offset once, in order',
      );
      assert.deepEqual(
        await page.getByTestId('value').allTextContents(),
        Array.from({ length: 30 }, (_, i) => `message ${i}`),
      );
      const path = `/sse/${stream}?start=earliest`;
      assert.equal(requests[0]?.url, path);
      assert.equal(requests[0]?.lastEventId, undefined);
      assert.ok(
        requests.some((r) => r.url === path && r.lastEventId === '0:9'),
        `the browser resumed with Last-Event-ID 0:9: ${JSON.stringify(requests)}`,
      );
      assert.ok(
        requests.some((r) => r.url === `${path}&lastEventId=0%3A19`),
        `the page resumed by hand with ?lastEventId=0:19: ${JSON.stringify(requests)}`,
      );
      // The browser reports the 503 and the dropped connections; nothing else went wrong.
      assert.deepEqual(
        errors.filter((e) => !/503|ERR_|net::/.test(e)),
        [],
      );
      await page.close();
    } finally {
      http.off('connection', onConnection);
      http.off('request', onRequest);
    }
  });

  it('live page - each page shows only the stream named in its address', async () => {
    const [a, b] = [uniqueName('left'), uniqueName('right')];
    await lastValueFrom(client.createStream(a));
    await lastValueFrom(client.createStream(b));
    const left = await open(a);
    const right = await open(b);
    await post(a, 'for the left page');
    await post(b, 'for the right page');
    await post(a, 'left again');
    await count(left.page, 2);
    await count(right.page, 1);
    assert.deepEqual(await left.page.getByTestId('value').allTextContents(), [
      'for the left page',
      'left again',
    ]);
    assert.deepEqual(await right.page.getByTestId('value').allTextContents(), [
      'for the right page',
    ]);
    assert.deepEqual([...left.errors, ...right.errors], []);
    await left.page.close();
    await right.page.close();
  });
});
