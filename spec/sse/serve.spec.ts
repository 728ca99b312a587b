/**
 * serveSse: heartbeats in virtual time and the pause on a full socket (a
 * scripted response), then over real sockets (node:http, as Express and
 * Fastify's reply.raw hand it over): a client that stops reading stops the
 * pulls, so a flow-controlled source (iterateWithFlowControl, what
 * client.messages() is) pauses, the buffers stay bounded, and on 'drain' the
 * pulls go on from the same source (subscribed once): every offset once, in
 * order. A client that leaves returns the source (unsubscribed); a failing
 * source ends with a stream-error event.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { finalize, NEVER, Observable } from 'rxjs';
import {
  ErrorCode,
  iterateWithFlowControl,
  LiftbridgeError,
  type Message,
  type PausableSource,
  planMessages,
} from '../../lib/index.js';
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

/** What a {@link logSource} did. */
interface SourceLog {
  subscribed: number;
  emitted: number;
  pausedSeen: boolean;
  unsubscribed: number;
}

/**
 * A pausable log of `total` messages of partition 0 from offset 0, emitted
 * synchronously while not paused (as a burst from the network would).
 */
function logSource(total: number, log: SourceLog, value?: string): PausableSource<Message> {
  return (paused) =>
    new Observable<Message>((subscriber) => {
      log.subscribed++;
      let next = 0;
      let isPaused = false;
      let emitting = false;
      const emit = () => {
        if (emitting) return;
        emitting = true;
        while (!isPaused && next < total && !subscriber.closed) {
          log.emitted++;
          subscriber.next(message(0, BigInt(next), value));
          next++;
        }
        emitting = false;
        if (next >= total) subscriber.complete();
      };
      const watch = paused.subscribe((p) => {
        isPaused = p;
        if (p) log.pausedSeen = true;
        else emit();
      });
      return () => {
        log.unsubscribed++;
        watch.unsubscribe();
      };
    });
}

/** A flow-controlled read (as client.messages() is) of a log source. */
function flowRead(source: PausableSource<Message>, highWaterMark = 16): AsyncIterable<Message> {
  return iterateWithFlowControl(source, planMessages({ highWaterMark }).marks);
}

/** Pulls of a source that yields `items`, then throws `error` (if any). */
function pulls(items: Message[], error?: unknown): AsyncIterable<Message> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* items;
      if (error !== undefined) throw error;
    },
  };
}

/** Lets queued promise jobs and I/O callbacks run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

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

describe('serveSse', () => {
  it('heartbeats - a comment every heartbeatMs (virtual time), stopped when the client leaves; the source is returned then', async () => {
    const scheduler = testScheduler();
    const log: SourceLog = { subscribed: 0, emitted: 0, pausedSeen: false, unsubscribed: 0 };
    let done = false;
    const res = new ScriptedResponse(() => scheduler.now());
    scheduler.run(({ flush }) => {
      const never = () => NEVER.pipe(finalize(() => log.unsubscribed++));
      void serveSse(res, () => flowRead(never), {
        heartbeatMs: 10,
        retryMs: 500,
        scheduler,
      }).then(() => {
        done = true;
      });
      scheduler.schedule(() => res.emit('close'), 45);
      flush();
      scheduler.schedule(() => undefined, 100);
      flush();
    });
    await settle();
    assert.equal(res.status, 200);
    assert.deepEqual(res.log(), ['0 retry: 500||:||', '10 :||', '20 :||', '30 :||', '40 :||']);
    assert.equal(log.unsubscribed, 1, 'the source was returned (unsubscribed)');
    assert.ok(done, 'the Promise resolves once over');
  });

  it('backpressure - a full socket stops the pulls (the flow-controlled source pauses) and the heartbeats; on drain the same source goes on: every offset once, in order, one subscription', async () => {
    const res = new ScriptedResponse(() => 0);
    const log: SourceLog = { subscribed: 0, emitted: 0, pausedSeen: false, unsubscribed: 0 };
    let done = false;
    void serveSse(res, () => flowRead(logSource(100, log), 8), { heartbeatMs: 0 }).then(() => {
      done = true;
    });
    // Full from the 5th message on: its write returns false.
    const ids = () => res.writes.map((w) => /id: (\S+)/.exec(w.text)?.[1]).filter(Boolean);
    const write = res.write.bind(res);
    res.write = (text: string) => {
      if (ids().length === 4) res.full = true;
      return write(text);
    };
    await settle();
    assert.deepEqual(
      ids(),
      ['0:0', '0:1', '0:2', '0:3', '0:4'],
      'no pull after the write that returned false',
    );
    assert.equal(log.pausedSeen, true, 'the source was paused');
    assert.ok(
      log.emitted <= 5 + 8,
      `at most the high-water mark past the last write: ${log.emitted}`,
    );
    assert.equal(done, false);
    res.full = false;
    res.emit('drain');
    await settle();
    assert.equal(done, true, 'the source ended: the response ended');
    assert.deepEqual(
      ids(),
      Array.from({ length: 100 }, (_, i) => `0:${i}`),
    );
    assert.equal(log.subscribed, 1, 'one subscription for the whole response');
  });

  it('a failing source - a stream-error event with its code and message, then the response ends', async () => {
    const res = new ScriptedResponse(() => 0);
    const open = () =>
      pulls([message(3, 7n)], new LiftbridgeError(ErrorCode.StreamDeleted, 'stream s was deleted'));
    await serveSse(res, open, { heartbeatMs: 0, position: new Map([[1, 4n]]) });
    assert.equal(res.writableEnded, true);
    assert.deepEqual(res.log().slice(1), [
      `0 id: 1:4,3:7|data: {"stream":"s","partition":3,"offset":"7","key":null,"value":"v7","timestamp":1795000000000}||`,
      '0 event: stream-error|data: {"code":"STREAM_DELETED","message":"stream s was deleted"}||',
    ]);
  });

  it('a source that throws when opened - a stream-error event, never a rejected Promise', async () => {
    const res = new ScriptedResponse(() => 0);
    const open = (): AsyncIterable<Message> => {
      throw new LiftbridgeError(ErrorCode.InvalidArgument, 'startOffset out of range');
    };
    await serveSse(res, open, { heartbeatMs: 0 });
    assert.equal(res.writableEnded, true);
    assert.deepEqual(res.log().slice(1), [
      '0 event: stream-error|data: {"code":"INVALID_ARGUMENT","message":"startOffset out of range"}||',
    ]);
  });

  it('an encode that throws - a stream-error event and the end of the response (the source returned), never a rejected Promise', async () => {
    const res = new ScriptedResponse(() => 0);
    let returned = false;
    const open = (): AsyncIterable<Message> => ({
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: message(0, 1n) }),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    });
    const encode = (): string => {
      throw new Error('cannot encode');
    };
    await serveSse(res, open, { heartbeatMs: 0, encode });
    assert.equal(res.writableEnded, true);
    assert.equal(returned, true, 'the source was returned (its call cancelled)');
    assert.deepEqual(res.log().slice(1), [
      '0 event: stream-error|data: {"code":"UNKNOWN","message":"cannot encode"}||',
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
        return pulls([]);
      },
      { heartbeatMs: 0, position, announce: true },
    );
    assert.deepEqual(res.log(), ['0 event: position|id: 0:9,1:-1|data: ||:||']);
    assert.deepEqual(opened, [position]);
  });

  it('bad options - INVALID_ARGUMENT at the call site', () => {
    const res = new ScriptedResponse(() => 0);
    assert.throws(
      () => serveSse(res, () => pulls([]), { heartbeatMs: -1 }),
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
  open: (p: SsePosition) => AsyncIterable<Message>,
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

  it('backpressure - a client that stops reading stops the pulls and the flow-controlled source pauses; the buffer stays under a frame past the high-water mark; every offset arrives once, in order, from one subscription', async () => {
    // 32 MiB: more than the kernel's socket buffers hold.
    const TOTAL = 2000;
    const value = 'x'.repeat(16 * 1024);
    const log: SourceLog = { subscribed: 0, emitted: 0, pausedSeen: false, unsubscribed: 0 };
    let maxBuffered = 0;
    let full = false;
    const { server, port, done } = await serve(
      () => flowRead(logSource(TOTAL, log, value)),
      (b, ok) => {
        maxBuffered = Math.max(maxBuffered, b);
        full ||= !ok;
      },
    );
    servers.push(server);
    const socket = rawGet(port);
    // Drains come while the kernel takes more; then the source stays paused.
    let seen = -1;
    await until(() => {
      const stalled = full && log.emitted === seen;
      seen = log.emitted;
      return stalled;
    }, 'the server to stall on a client that does not read');
    assert.ok(log.emitted < TOTAL, `paused after ${log.emitted} of ${TOTAL} messages`);
    assert.equal(log.pausedSeen, true, 'the source was paused');
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
    assert.equal(log.subscribed, 1, 'one subscription for the whole response');
    assert.equal(log.emitted, TOTAL, 'each message emitted once');
    const frame = value.length + 200;
    assert.ok(
      maxBuffered <= 16 * 1024 + frame,
      `buffered at most one frame past the high-water mark: ${maxBuffered}`,
    );
  });

  it('client leaves - the source is returned (unsubscribed) and the Promise resolves', async () => {
    let unsubscribed = false;
    const { server, port, done } = await serve(() =>
      flowRead(() =>
        NEVER.pipe(
          finalize(() => {
            unsubscribed = true;
          }),
        ),
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
