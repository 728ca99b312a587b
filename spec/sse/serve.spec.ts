/**
 * serveSse: heartbeats and the pause on a full socket in virtual time (a
 * scripted response), then over real sockets (node:http, as Express and
 * Fastify's reply.raw hand it over): a client that stops reading pauses the
 * source (unsubscribed, so a subscription's gRPC call is cancelled), the
 * buffer stays bounded, and on 'drain' the source resumes after the last
 * message written: every offset once, in order. A client that leaves
 * unsubscribes the source; a failing source ends with a stream-error event.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { finalize, NEVER, Observable } from 'rxjs';
import { ErrorCode, LiftbridgeError, type Message } from '../../lib/index.js';
import { type SsePosition, type SseResponse, serveSse } from '../../lib/sse/index.js';
import { testScheduler } from '../helpers/marbles.js';
import { until } from '../helpers/until.js';

/** A message of partition `partition` at `offset` (value: `v<offset>`, or `value`). */
export function message(partition: number, offset: bigint, value = `v${offset}`): Message {
  return {
    stream: 's',
    partition,
    offset,
    timestamp: 1_795_000_000_000_000_000n + offset,
    key: new Uint8Array(0),
    value: new TextEncoder().encode(value),
    subject: 's',
    replySubject: '',
    headers: new Map(),
    correlationId: '',
    ackInbox: '',
    ackPolicy: 'LEADER',
  };
}

/** A response that records what is written, with the time, and is full while `full` is set. */
class ScriptedResponse implements SseResponse {
  writes: { at: number; text: string }[] = [];
  status = 0;
  full = false;
  writableEnded = false;
  destroyed = false;
  private readonly listeners = new Map<string, (() => void)[]>();
  constructor(private readonly now: () => number) {}
  writeHead(status: number): void {
    this.status = status;
  }
  write(text: string): boolean {
    this.writes.push({ at: this.now(), text });
    return !this.full;
  }
  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }
  once(event: string, listener: () => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }
  off(event: string, listener: () => void): void {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
  }
  emit(event: string): void {
    const listeners = this.listeners.get(event) ?? [];
    this.listeners.delete(event);
    for (const l of listeners) l();
  }
  /** What was written, each as `time text` with the text's line breaks shown as |. */
  log(): string[] {
    return this.writes.map((w) => `${w.at} ${w.text.replace(/\n/g, '|')}`);
  }
}

describe('serveSse in virtual time', () => {
  it('heartbeats - a comment every heartbeatMs, stopped when the client leaves; the source is unsubscribed then', async () => {
    const scheduler = testScheduler();
    let done = false;
    scheduler.run(({ cold, expectSubscriptions, flush }) => {
      const res = new ScriptedResponse(() => scheduler.now());
      const source = cold<Message>('5ms a 19ms b', {
        a: message(0, 0n),
        b: message(0, 1n),
      });
      void serveSse(res, () => source, { heartbeatMs: 10, retryMs: 500, scheduler }).then(() => {
        done = true;
      });
      scheduler.schedule(() => res.emit('close'), 45);
      flush();
      scheduler.schedule(() => undefined, 100);
      flush();
      assert.equal(res.status, 200);
      const data = (o: number) =>
        `data: {"stream":"s","partition":0,"offset":"${o}","key":null,"value":"v${o}","timestamp":1795000000000}`;
      assert.deepEqual(res.log(), [
        '0 retry: 500||:||',
        `5 id: 0:0|${data(0)}||`,
        '10 :||',
        '20 :||',
        `25 id: 0:1|${data(1)}||`,
        '30 :||',
        '40 :||',
      ]);
      expectSubscriptions(source.subscriptions).toBe('^ 44ms !');
    });
    await Promise.resolve();
    assert.ok(done, 'the Promise resolves once over');
  });

  it('backpressure - a full socket unsubscribes the source and stops heartbeats; on drain it resumes after the last message written', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const res = new ScriptedResponse(() => scheduler.now());
      const opened: string[] = [];
      const live: boolean[] = [];
      // Offsets from the position on, one every 2 ms.
      const open = (position: SsePosition) =>
        new Observable<Message>((subscriber) => {
          const from = (position.get(0) ?? -1n) + 1n;
          opened.push(`${scheduler.now()}: from ${from}`);
          const index = live.push(true) - 1;
          let next = from;
          const tick = scheduler.schedule(function () {
            subscriber.next(message(0, next++));
            this.schedule(undefined, 2);
          }, 2);
          return () => {
            live[index] = false;
            tick.unsubscribe();
          };
        });
      void serveSse(res, open, { heartbeatMs: 5, scheduler });
      scheduler.schedule(() => {
        res.full = true;
      }, 5); // the write at 6 (offset 2) finds the socket full
      scheduler.schedule(() => {
        res.full = false;
        res.emit('drain');
      }, 20);
      scheduler.schedule(() => res.emit('close'), 25);
      flush();
      assert.deepEqual(opened, ['0: from 0', '20: from 3']);
      assert.deepEqual(live, [false, false]);
      const ids = res.writes.map((w) => `${w.at} ${/id: (\S+)/.exec(w.text)?.[1] ?? 'comment'}`);
      assert.deepEqual(ids, [
        '0 comment',
        '2 0:0',
        '4 0:1',
        '5 comment',
        '6 0:2', // returned false: paused, no heartbeat at 10 and 15
        '20 comment', // drained
        '22 0:3',
        '24 0:4',
      ]);
    });
  });

  it('a failing source - a stream-error event with its code and message, then the response ends', async () => {
    const res = new ScriptedResponse(() => 0);
    const open = () =>
      new Observable<Message>((subscriber) => {
        subscriber.next(message(3, 7n));
        subscriber.error(new LiftbridgeError(ErrorCode.StreamDeleted, 'stream s was deleted'));
      });
    await serveSse(res, open, { heartbeatMs: 0, position: new Map([[1, 4n]]) });
    assert.equal(res.writableEnded, true);
    assert.deepEqual(res.log().slice(1), [
      `0 id: 1:4,3:7|data: {"stream":"s","partition":3,"offset":"7","key":null,"value":"v7","timestamp":1795000000000}||`,
      '0 event: stream-error|data: {"code":"STREAM_DELETED","message":"stream s was deleted"}||',
    ]);
  });

  it('a source that throws when opened - a stream-error event, never a rejected Promise', async () => {
    const res = new ScriptedResponse(() => 0);
    const open = (): Observable<Message> => {
      throw new LiftbridgeError(ErrorCode.InvalidArgument, 'startOffset out of range');
    };
    await serveSse(res, open, { heartbeatMs: 0 });
    assert.equal(res.writableEnded, true);
    assert.deepEqual(res.log().slice(1), [
      '0 event: stream-error|data: {"code":"INVALID_ARGUMENT","message":"startOffset out of range"}||',
    ]);
  });

  it('announce - a position event first, with the id to resume from', async () => {
    const res = new ScriptedResponse(() => 0);
    const position = new Map([
      [0, 9n],
      [1, -1n],
    ]);
    const opened: SsePosition[] = [];
    await serveSse(
      res,
      (p) => {
        opened.push(new Map(p));
        return new Observable<Message>((s) => s.complete());
      },
      { heartbeatMs: 0, position, announce: true },
    );
    assert.deepEqual(res.log(), ['0 event: position|id: 0:9,1:-1|data: ||:||']);
    assert.deepEqual(opened, [position]);
  });

  it('bad options - INVALID_ARGUMENT at the call site', () => {
    const res = new ScriptedResponse(() => 0);
    assert.throws(
      () => serveSse(res, () => NEVER, { heartbeatMs: -1 }),
      (err: unknown) =>
        err instanceof LiftbridgeError &&
        err.code === ErrorCode.InvalidArgument &&
        /heartbeatMs/.test(err.message),
    );
    assert.equal(res.status, 0, 'nothing written');
  });
});

/** A node:http server whose only route serves `open` with serveSse. */
async function serve(
  open: (p: SsePosition) => Observable<Message>,
  onWrite?: (buffered: number, ok: boolean) => void,
): Promise<{ server: Server; port: number; done: Promise<void> }> {
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const server = createServer((_req, res) => {
    if (onWrite) {
      const write = res.write.bind(res) as (chunk: string) => boolean;
      res.write = ((chunk: string) => {
        const ok = write(chunk);
        onWrite(res.writableLength, ok);
        return ok;
      }) as typeof res.write;
    }
    void serveSse(res, open, { heartbeatMs: 0 }).then(resolveDone);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, done };
}

/** A raw HTTP/1.1 GET that does not read until asked to. */
function rawGet(port: number): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.write('GET /sse HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
  return socket;
}

describe('serveSse over node:http', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('backpressure - a client that stops reading pauses the source; the buffer stays under a frame past the high-water mark; every offset arrives once, in order', async () => {
    // 32 MiB: more than the kernel's socket buffers hold.
    const TOTAL = 2000;
    const value = 'x'.repeat(16 * 1024);
    const froms: bigint[] = [];
    let emitted = 0;
    // Emits synchronously until unsubscribed (as a burst from the network would).
    const open = (position: SsePosition) =>
      new Observable<Message>((subscriber) => {
        const from = (position.get(0) ?? -1n) + 1n;
        froms.push(from);
        for (let o = from; o < TOTAL && !subscriber.closed; o++) {
          emitted++;
          subscriber.next(message(0, o, value));
        }
        subscriber.complete();
      });
    let maxBuffered = 0;
    let full = false;
    const { server, port, done } = await serve(open, (b, ok) => {
      maxBuffered = Math.max(maxBuffered, b);
      full ||= !ok;
    });
    servers.push(server);
    const socket = rawGet(port);
    // Drains come while the kernel takes more; then the source stays paused.
    let seen = -1;
    await until(() => {
      const stalled = full && emitted === seen;
      seen = emitted;
      return stalled;
    }, 'the server to stall on a client that does not read');
    assert.ok(emitted < TOTAL, `paused after ${emitted} of ${TOTAL} messages`);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.resume();
    await done;
    await until(() => text.includes(`id: 0:${TOTAL - 1}\n`), 'the last event');
    socket.destroy();
    const ids = [...text.matchAll(/^id: 0:(\d+)$/gm)].map((m) => Number(m[1]));
    assert.equal(ids.length, TOTAL);
    assert.ok(
      ids.every((id, i) => id === i),
      'every offset once, in order',
    );
    assert.ok(froms.length > 1, `the source was paused and resumed (${froms.length} times)`);
    for (let i = 1; i < froms.length; i++) assert.ok((froms[i] ?? 0n) > (froms[i - 1] ?? 0n));
    // Each pause drops at most the one message that arrived as the write failed.
    assert.ok(emitted <= TOTAL + froms.length, `${emitted} emitted`);
    const frame = value.length + 200;
    assert.ok(
      maxBuffered <= 16 * 1024 + frame,
      `buffered at most one frame past the high-water mark: ${maxBuffered}`,
    );
  });

  it('client leaves - the source is unsubscribed and the Promise resolves', async () => {
    let unsubscribed = false;
    const { server, port, done } = await serve(() =>
      NEVER.pipe(
        finalize(() => {
          unsubscribed = true;
        }),
      ),
    );
    servers.push(server);
    const socket = rawGet(port);
    socket.resume();
    await new Promise<void>((r) => socket.once('data', () => r()));
    assert.equal(unsubscribed, false);
    socket.destroy();
    await done;
    assert.equal(unsubscribed, true);
  });
});
