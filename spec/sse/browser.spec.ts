/**
 * liftbridge-rx/sse/browser: fromEventSource over a scripted EventSource, in
 * virtual time: parsing, the last id it keeps, reconnecting by hand with
 * ?lastEventId once the browser gives up (not while it reconnects itself),
 * errors, teardown. And the built module loads nothing but rxjs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import {
  type EventSourceLike,
  fromEventSource,
  SseConnectionError,
  type SseMessageEvent,
  SseStreamError,
} from '../../lib/sse/browser.js';
import { projectRoot } from '../../scripts/testbed/paths.js';
import { testScheduler } from '../helpers/marbles.js';

/** An EventSource the test drives. */
class ScriptedSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private readonly listeners = new Map<string, ((e: SseMessageEvent) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (e: SseMessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.readyState = 2;
    this.closed = true;
  }
  emit(type: string, data = '', lastEventId = ''): void {
    for (const l of this.listeners.get(type) ?? []) l({ data, lastEventId });
  }
  /** The browser gave up (an HTTP error status): CLOSED, then an error event. */
  giveUp(): void {
    this.readyState = 2;
    this.emit('error');
  }
}

function scripted() {
  const made: ScriptedSource[] = [];
  const eventSource = (url: string) => {
    const s = new ScriptedSource(url);
    made.push(s);
    return s;
  };
  return { made, eventSource };
}

const msg = (offset: number) => JSON.stringify({ partition: 0, offset: String(offset) });

describe('fromEventSource', () => {
  it('messages - parsed JSON; after the browser gives up, reconnects by hand after the last id (?lastEventId), waiting longer each time in a row', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const { made, eventSource } = scripted();
      const got: string[] = [];
      const sub = fromEventSource<{ offset: string }>('/sse/s?start=earliest', {
        eventSource,
        scheduler,
      }).subscribe((m) => got.push(m.offset));
      const first = made[0];
      assert.equal(first?.url, '/sse/s?start=earliest');
      first?.emit('message', msg(0), '0:0');
      first?.emit('message', msg(1), '0:1');
      // Reconnecting by itself (CONNECTING): nothing to do, the browser sends Last-Event-ID.
      first?.emit('error');
      assert.equal(made.length, 1);
      first?.giveUp();
      assert.equal(first?.closed, true);
      scheduler.schedule(() => assert.equal(made.length, 1), 999);
      flush();
      assert.equal(made.length, 2, 'reconnected after 1000 ms');
      assert.equal(made[1]?.url, '/sse/s?start=earliest&lastEventId=0%3A1');
      made[1]?.giveUp();
      scheduler.schedule(() => assert.equal(made.length, 2), 1999);
      flush();
      assert.equal(made.length, 3, 'the second attempt in a row waits 2000 ms');
      made[2]?.emit('message', msg(2), '0:2');
      assert.deepEqual(got, ['0', '1', '2']);
      sub.unsubscribe();
      assert.equal(made[2]?.closed, true, 'unsubscribing closes the EventSource');
    });
  });

  it('position events - their id is where a reconnect by hand resumes; lastEventId option resumes the first connection', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const { made, eventSource } = scripted();
      fromEventSource('/sse/s#top', { eventSource, scheduler, lastEventId: '0:4' }).subscribe();
      assert.equal(made[0]?.url, '/sse/s?lastEventId=0%3A4#top');
      made[0]?.emit('position', '', '0:9,1:-1');
      made[0]?.giveUp();
      flush();
      assert.equal(made[1]?.url, '/sse/s?lastEventId=0%3A9%2C1%3A-1#top');
    });
  });

  it('errors - stream-error is an SseStreamError with its code; too many reconnections or bad data an SseConnectionError', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const { made, eventSource } = scripted();
      const errors: unknown[] = [];
      fromEventSource('/a', { eventSource, scheduler }).subscribe({ error: (e) => errors.push(e) });
      made[0]?.emit('stream-error', '{"code":"STREAM_DELETED","message":"gone"}');
      assert.ok(errors[0] instanceof SseStreamError);
      assert.equal(errors[0].code, 'STREAM_DELETED');
      assert.equal(errors[0].message, 'gone');
      assert.equal(made[0]?.closed, true);

      fromEventSource('/b', {
        eventSource,
        scheduler,
        maxReconnects: 2,
        reconnectDelayMs: 10,
      }).subscribe({ error: (e) => errors.push(e) });
      for (let i = 0; i < 3; i++) {
        made.at(-1)?.giveUp();
        flush();
      }
      assert.equal(made.filter((s) => s.url === '/b').length, 3);
      assert.ok(errors[1] instanceof SseConnectionError);
      assert.match(errors[1].message, /no connection after 2 reconnections/);

      fromEventSource('/c', { eventSource, scheduler }).subscribe({ error: (e) => errors.push(e) });
      made.at(-1)?.emit('message', 'not json', '0:0');
      assert.ok(errors[2] instanceof SseConnectionError);
      assert.match(errors[2].message, /unreadable event data/);
      assert.equal(made.at(-1)?.closed, true);
    });
  });

  it('teardown - unsubscribing while a reconnection waits cancels it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const { made, eventSource } = scripted();
      const sub = fromEventSource('/s', { eventSource, scheduler }).subscribe();
      made[0]?.giveUp();
      sub.unsubscribe();
      flush();
      assert.equal(made.length, 1);
    });
  });

  it('cold - nothing opens until subscribed, each subscriber its own EventSource', () => {
    const { made, eventSource } = scripted();
    const messages = fromEventSource('/s', { eventSource });
    assert.equal(made.length, 0);
    const a = messages.subscribe();
    const b = messages.subscribe();
    assert.equal(made.length, 2);
    a.unsubscribe();
    b.unsubscribe();
    assert.ok(made.every((s) => s.closed));
  });
});

describe('liftbridge-rx/sse/browser in a bundle', () => {
  /** The files `entry` reaches through relative imports (under dist/esm/sse), and the packages it imports. */
  function reach(entry: string): { files: string[]; packages: string[] } {
    const dir = join(projectRoot, 'dist', 'esm', 'sse');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const imports = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
      for (const { fileName } of imports) {
        if (!fileName.startsWith('.')) packages.add(fileName);
        else if (file.endsWith('.d.ts'))
          visit(join(dirname(file), fileName.replace(/\.js$/, '.d.ts')));
        else visit(join(dirname(file), fileName));
      }
    };
    visit(join(dir, entry));
    return { files: [...seen].map((f) => f.slice(dir.length + 1)).sort(), packages: [...packages] };
  }

  it('the built ESM module and what it loads import nothing but rxjs', () => {
    assert.deepEqual(reach('browser.js'), {
      files: ['browser.js', 'params.js'],
      packages: ['rxjs'],
    });
  });

  it('its types reach nothing of the Node side (a browser build type-checks without Node types)', () => {
    assert.deepEqual(reach('browser.d.ts'), {
      files: ['browser.d.ts', 'params.d.ts', 'sse-message.d.ts'],
      packages: ['rxjs'],
    });
  });
});
