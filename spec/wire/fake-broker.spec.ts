/**
 * The streaming calls against a broker that misbehaves on the wire (a fake
 * one, spec/helpers/fake-broker.ts): malformed protobuf, broken framing,
 * compressed frames, odd trailers, RST_STREAM, GOAWAY, silence. Each ends
 * only its own call with a typed LiftbridgeError (or is retried, or is
 * read fine), never crashes the process and never hangs.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  concatWith,
  defer,
  firstValueFrom,
  lastValueFrom,
  switchMap,
  take,
  tap,
  timer,
  toArray,
} from 'rxjs';
import {
  type ClientOptions,
  ErrorCode,
  LiftbridgeClient,
  LiftbridgeError,
  type Message,
  StartPosition,
} from '../../lib/index.js';
import {
  encodeAck,
  encodeAckResponse,
  encodeMessage,
  type FakeBroker,
  type FakeBrokerOptions,
  GRPC,
  groupField,
  grpcFrame,
  gzipFrame,
  HANDSHAKE,
  lenField,
  startFakeBroker,
} from '../helpers/fake-broker.js';
import { until } from '../helpers/until.js';

const STREAM = 'wire';
const FROM_START = { startPosition: StartPosition.EARLIEST };
/** startPosition OFFSET on the wire. */
const WIRE_OFFSET = 1;

// Anything that escapes to the event loop fails the test that was running.
const escaped: unknown[] = [];
const watch = (err: unknown) => escaped.push(err);
process.on('uncaughtException', watch);
process.on('unhandledRejection', watch);
after(() => {
  process.off('uncaughtException', watch);
  process.off('unhandledRejection', watch);
});

/** `promise`, or a failure naming `what` after `ms` (a hang fails the test, not the suite). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let clock: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    clock = setTimeout(() => reject(new Error(`hung: ${what} (no outcome within ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(clock);
  }
}

/** The LiftbridgeError `promise` rejects with (within `ms`); anything else fails. */
async function failure(promise: Promise<unknown>, ms: number, what: string) {
  const outcome = await within(
    promise.then(
      (value) => ({ ok: true as const, value }),
      (err: unknown) => ({ ok: false as const, err }),
    ),
    ms,
    what,
  );
  if (outcome.ok) assert.fail(`${what}: expected an error, got ${inspect(outcome.value)}`);
  const { err } = outcome;
  assert.ok(err instanceof LiftbridgeError, `${what}: not a LiftbridgeError: ${inspect(err)}`);
  return err;
}

/** Every error in the cause chain of `err`. */
function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err; e !== undefined && out.length < 10; e = (e as { cause?: unknown }).cause) {
    out.push(e);
    if (!(e instanceof Error)) break;
  }
  return out;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * Runs `body` against a fresh fake broker and client (no background
 * refresh; short timeouts unless overridden), closes both, and checks that
 * nothing escaped to the event loop and no script failed.
 */
async function withBroker(
  script: FakeBrokerOptions,
  options: ClientOptions,
  body: (client: LiftbridgeClient, broker: FakeBroker) => Promise<void>,
): Promise<void> {
  const seen = escaped.length;
  const broker = await startFakeBroker(script);
  const client = new LiftbridgeClient([broker.address], {
    metadataRefreshInterval: 0,
    connectTimeout: 3000,
    requestTimeout: 3000,
    retryTimeout: 1500,
    ackTimeout: 3000,
    ...options,
  });
  try {
    await body(client, broker);
  } finally {
    await within(client.close(), 5000, 'client.close()');
    await within(broker.close(), 5000, 'broker.close()');
  }
  await settle();
  assert.deepEqual(escaped.slice(seen), [], 'nothing escaped to the event loop');
  assert.deepEqual(broker.scriptErrors, [], 'the broker scripts ran without errors');
}

/** The value of a delivered message as text. */
const text = (m: Message) => Buffer.from(m.value).toString();

describe('wire: a misbehaving broker on the streaming calls', () => {
  it('subscribe - a Message with unknown fields (a string, a group) is delivered', async () => {
    const future = Buffer.concat([
      encodeMessage({ offset: 7n, value: 'hello', stream: STREAM }),
      lenField(20, 'a field from a newer server'),
      groupField(21, Buffer.from([0x08, 0x05, 0x12, 0x01, 0x78])),
    ]);
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          call.send(future);
        },
      },
      {},
      async (client) => {
        const msg = await within(
          firstValueFrom(client.subscribe(STREAM, FROM_START)),
          5000,
          'the message',
        );
        assert.equal(msg.offset, 7n);
        assert.equal(text(msg), 'hello');
        assert.equal(msg.stream, STREAM);
      },
    );
  });

  it('subscribe - a malformed Message is retried from the last offset + 1, then fails INTERNAL', async () => {
    // offset (1) = 5, then a key (2) that claims 127 bytes where 1 is left.
    const malformed = Buffer.from([0x08, 0x05, 0x12, 0x7f, 0x01]);
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          if (call.index === 0) call.send(encodeMessage({ offset: 4n, value: 'good' }));
          call.send(malformed);
        },
      },
      { retryTimeout: 1500 },
      async (client, broker) => {
        const delivered: bigint[] = [];
        const err = await failure(
          lastValueFrom(
            client.subscribe(STREAM, FROM_START).pipe(tap((m) => delivered.push(m.offset))),
          ),
          10_000,
          'the subscription',
        );
        assert.equal(err.code, ErrorCode.Internal, err.message);
        assert.equal(err.retriable, true);
        assert.match(err.message, /malformed message/);
        assert.deepEqual(delivered, [4n]);
        assert.ok(broker.subscribes.length > 1, `${broker.subscribes.length} Subscribe calls`);
        for (const again of broker.subscribes.slice(1)) {
          assert.equal(again.startPosition, WIRE_OFFSET);
          assert.equal(again.startOffset, 5n);
        }
      },
    );
  });

  it('subscribe - a varint cut off (0x88 as the whole message) fails the call, never hangs', async () => {
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          call.send(Buffer.from([0x88]));
        },
      },
      { retryTimeout: 500 },
      async (client, broker) => {
        const err = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START)),
          8000,
          'the subscription',
        );
        assert.equal(err.code, ErrorCode.Internal, err.message);
        assert.match(err.message, /malformed message.*varint cut off/);
        assert.ok(broker.subscribes.length >= 1);
      },
    );
  });

  it('subscribe - a 2 GiB length prefix fails MESSAGE_TOO_LARGE at once, not retried', async () => {
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          call.write(Buffer.from([0x00, 0x80, 0x00, 0x00, 0x00, 0x0a]));
        },
      },
      { retryTimeout: 20_000 },
      async (client, broker) => {
        const started = performance.now();
        const err = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START)),
          5000,
          'the subscription',
        );
        const ms = performance.now() - started;
        assert.equal(err.code, ErrorCode.MessageTooLarge, err.message);
        assert.equal(err.retriable, false);
        assert.match(err.message, /2147483648/);
        assert.equal(broker.subscribes.length, 1);
        assert.ok(ms < 2000, `failed after ${Math.round(ms)} ms`);
      },
    );
  });

  it('subscribe - the receive limit is maxMessageBytes + 64 KiB: a message at it is read, one byte over is refused', async () => {
    const limit = 1024 + 64 * 1024;
    const overhead = encodeMessage({ offset: 1n, value: Buffer.alloc(limit) }).length - limit;
    const atLimit = encodeMessage({ offset: 1n, value: Buffer.alloc(limit - overhead, 7) });
    assert.equal(atLimit.length, limit);
    const over = Buffer.alloc(5);
    over.writeUInt32BE(limit + 1, 1);
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          call.send(atLimit);
          call.write(over);
        },
      },
      { maxMessageBytes: 1024, retryTimeout: 20_000 },
      async (client, broker) => {
        const delivered: Message[] = [];
        const err = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START).pipe(tap((m) => delivered.push(m)))),
          5000,
          'the subscription',
        );
        assert.deepEqual(
          delivered.map((m) => [m.offset, m.value.byteLength]),
          [[1n, limit - overhead]],
        );
        assert.equal(err.code, ErrorCode.MessageTooLarge, err.message);
        assert.match(err.message, new RegExp(`${limit + 1} vs\\. ${limit}`));
        assert.equal(broker.subscribes.length, 1);
      },
    );
  });

  it('subscribe - a compressed frame without grpc-encoding fails INTERNAL', async () => {
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          call.write(gzipFrame(encodeMessage({ offset: 0n, value: 'zipped' })));
        },
      },
      { retryTimeout: 20_000 },
      async (client, broker) => {
        const err = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START)),
          5000,
          'the subscription',
        );
        assert.equal(err.code, ErrorCode.Internal, err.message);
        assert.match(err.message, /compressed message with grpc-encoding \(none\)/);
        assert.equal(broker.subscribes.length, 1, 'not retried');
      },
    );
  });

  it('subscribe - a gzip frame with grpc-encoding gzip is inflated and delivered', async () => {
    await withBroker(
      {
        subscribe: (call) => {
          call.respond({ 'grpc-encoding': 'gzip' });
          call.write(HANDSHAKE);
          call.write(gzipFrame(encodeMessage({ offset: 3n, value: 'zipped', key: 'k' })));
          call.send(encodeMessage({ offset: 4n, value: 'plain' }));
        },
      },
      {},
      async (client) => {
        const got = await within(
          lastValueFrom(client.subscribe(STREAM, FROM_START).pipe(take(2), toArray())),
          5000,
          'two messages',
        );
        assert.deepEqual(
          got.map((m) => [m.offset, text(m)]),
          [
            [3n, 'zipped'],
            [4n, 'plain'],
          ],
        );
        assert.equal(Buffer.from(got[0]?.key ?? []).toString(), 'k');
      },
    );
  });

  it('subscribe - trailers with status 0 while part of a message is held are an error, not completion', async () => {
    const whole = grpcFrame(encodeMessage({ offset: 0n, value: 'cut short by the trailers' }));
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          call.write(whole.subarray(0, 12));
          // Let the partial DATA go out on its own before the trailers.
          setTimeout(() => call.end(GRPC.OK), 20);
        },
      },
      { retryTimeout: 500 },
      async (client, broker) => {
        const err = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START).pipe(toArray())),
          8000,
          'the subscription',
        );
        assert.equal(err.code, ErrorCode.Internal, err.message);
        assert.match(err.message, /call ended inside a message \(12 bytes held\)/);
        assert.ok(broker.subscribes.length >= 1);
      },
    );
  });

  it('subscribe - an unknown flag byte, or a "gzip" frame that is not gzip, fails INTERNAL', async () => {
    await withBroker(
      {
        subscribe: (call) => {
          if (call.index === 0) {
            call.handshake();
            call.write(grpcFrame(encodeMessage({ offset: 0n }), 2));
          } else {
            call.respond({ 'grpc-encoding': 'gzip' });
            call.write(HANDSHAKE);
            call.write(grpcFrame(Buffer.from('not gzip at all'), 1));
          }
        },
      },
      { retryTimeout: 20_000 },
      async (client, broker) => {
        const flag = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START)),
          5000,
          'flag 2',
        );
        assert.equal(flag.code, ErrorCode.Internal, flag.message);
        assert.match(flag.message, /unknown gRPC message flag 2/);
        const gzip = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START)),
          5000,
          'bad gzip',
        );
        assert.equal(gzip.code, ErrorCode.Internal, gzip.message);
        assert.match(gzip.message, /could not gunzip/);
        assert.equal(broker.subscribes.length, 2, 'neither retried');
      },
    );
  });

  it('subscribe - a gzip frame that inflates past the receive limit fails MESSAGE_TOO_LARGE', async () => {
    const bomb = gzipFrame(encodeMessage({ offset: 0n, value: Buffer.alloc(1024 * 1024) }));
    assert.ok(bomb.length < 4096, `${bomb.length} bytes on the wire`);
    await withBroker(
      {
        subscribe: (call) => {
          call.respond({ 'grpc-encoding': 'gzip' });
          call.write(HANDSHAKE);
          call.write(bomb);
        },
      },
      { maxMessageBytes: 1024, retryTimeout: 20_000 },
      async (client, broker) => {
        const err = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START)),
          5000,
          'the subscription',
        );
        assert.equal(err.code, ErrorCode.MessageTooLarge, err.message);
        assert.match(err.message, /once inflated/);
        assert.equal(broker.subscribes.length, 1);
      },
    );
  });

  it('subscribe - unknown groups nested 5000 deep are malformed (INTERNAL), not a stack overflow', async () => {
    let deep: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 5000; i++) deep = groupField(21, deep);
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          call.send(Buffer.concat([encodeMessage({ offset: 0n }), deep]));
        },
      },
      { retryTimeout: 300 },
      async (client) => {
        const err = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START)),
          5000,
          'the subscription',
        );
        assert.equal(err.code, ErrorCode.Internal, err.message);
        assert.match(err.message, /groups nested over 100 deep/);
        for (const e of causes(err)) assert.ok(!(e instanceof RangeError), inspect(e));
      },
    );
  });

  it('subscribe - messages cut into 1-byte DATA frames are put back together', async () => {
    const bytes = Buffer.concat([
      HANDSHAKE,
      grpcFrame(encodeMessage({ offset: 0n, value: 'one' })),
      grpcFrame(encodeMessage({ offset: 1n, value: 'two' })),
    ]);
    await withBroker(
      {
        subscribe: async (call) => {
          for (const b of bytes) {
            call.write(Buffer.from([b]));
            await new Promise((resolve) => setImmediate(resolve));
          }
        },
      },
      {},
      async (client) => {
        const got = await within(
          lastValueFrom(client.subscribe(STREAM, FROM_START).pipe(take(2), toArray())),
          5000,
          'two messages',
        );
        assert.deepEqual(got.map(text), ['one', 'two']);
      },
    );
  });

  it('subscribe - a grpc-message with a broken percent escape is shown leniently, no URIError', async () => {
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          call.end(GRPC.INVALID_ARGUMENT, 'bad%20request%E0%A4%A');
        },
      },
      {},
      async (client, broker) => {
        const err = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START)),
          5000,
          'the subscription',
        );
        assert.equal(err.code, ErrorCode.InvalidArgument, err.message);
        assert.ok(err.message.includes('bad request'), err.message);
        assert.ok(err.message.endsWith('%A'), err.message);
        for (const e of causes(err)) assert.ok(!(e instanceof URIError), inspect(e));
        assert.equal(broker.subscribes.length, 1);
      },
    );
  });

  it('subscribe - RST_STREAM after the handshake resubscribes from the last offset + 1', async () => {
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          if (call.index === 0) {
            call.send(encodeMessage({ offset: 3n, value: 'before' }));
            setTimeout(() => call.rst(), 20);
          } else {
            call.send(encodeMessage({ offset: call.record.startOffset, value: 'after' }));
          }
        },
      },
      {},
      async (client, broker) => {
        const got = await within(
          lastValueFrom(client.subscribe(STREAM, FROM_START).pipe(take(2), toArray())),
          8000,
          'two messages',
        );
        assert.deepEqual(
          got.map((m) => [m.offset, text(m)]),
          [
            [3n, 'before'],
            [4n, 'after'],
          ],
        );
        assert.equal(broker.subscribes.length, 2);
        assert.equal(broker.subscribes[1]?.startPosition, WIRE_OFFSET);
        assert.equal(broker.subscribes[1]?.startOffset, 4n);
      },
    );
  });

  it('subscribe - a call ended with status OK before the handshake is subscribed again, not completed', async () => {
    await withBroker(
      {
        subscribe: (call) => {
          if (call.index === 0) {
            call.endTrailersOnly(0);
            return;
          }
          call.handshake();
          call.send(encodeMessage({ offset: 0n, value: 'first' }));
        },
      },
      {},
      async (client, broker) => {
        const got = await within(
          lastValueFrom(client.subscribe(STREAM, FROM_START).pipe(take(1), toArray())),
          8000,
          'the first message',
        );
        assert.deepEqual(
          got.map((m) => [m.offset, text(m)]),
          [[0n, 'first']],
        );
        assert.equal(broker.subscribes.length, 2);
      },
    );
  });

  it('subscribe - RST_STREAM with retries off is a retriable UNAVAILABLE', async () => {
    await withBroker(
      {
        subscribe: (call) => {
          call.handshake();
          call.send(encodeMessage({ offset: 3n, value: 'before' }));
          setTimeout(() => call.rst(), 20);
        },
      },
      { retryTimeout: 0 },
      async (client, broker) => {
        const delivered: bigint[] = [];
        const err = await failure(
          lastValueFrom(
            client.subscribe(STREAM, FROM_START).pipe(tap((m) => delivered.push(m.offset))),
          ),
          5000,
          'the subscription',
        );
        assert.equal(err.code, ErrorCode.Unavailable, err.message);
        assert.equal(err.retriable, true);
        assert.deepEqual(delivered, [3n]);
        assert.equal(broker.subscribes.length, 1);
      },
    );
  });

  it('subscribe - GOAWAY (NO_ERROR), the call keeps reading, then the connection drops: resubscribed on a new one', async () => {
    const sessions: unknown[] = [];
    await withBroker(
      {
        subscribe: (call) => {
          sessions.push(call.stream.session);
          call.handshake();
          if (call.index === 0) {
            call.send(encodeMessage({ offset: 0n, value: 'first' }));
            setTimeout(() => {
              call.goaway(http2.constants.NGHTTP2_NO_ERROR);
              call.send(encodeMessage({ offset: 1n, value: 'draining' }));
              setTimeout(() => call.disconnect(), 20);
            }, 20);
          } else {
            call.send(encodeMessage({ offset: call.record.startOffset, value: 'again' }));
          }
        },
      },
      {},
      async (client, broker) => {
        const got = await within(
          lastValueFrom(client.subscribe(STREAM, FROM_START).pipe(take(3), toArray())),
          8000,
          'three messages',
        );
        assert.deepEqual(
          got.map((m) => [m.offset, text(m)]),
          [
            [0n, 'first'],
            [1n, 'draining'],
            [2n, 'again'],
          ],
        );
        assert.equal(broker.subscribes.length, 2);
        assert.equal(broker.subscribes[1]?.startOffset, 2n);
        assert.notEqual(sessions[1], sessions[0], 'a new HTTP/2 connection');
      },
    );
  });

  it('subscribe - GOAWAY (ENHANCE_YOUR_CALM) after a message: resubscribed on a new connection', async () => {
    const sessions: unknown[] = [];
    await withBroker(
      {
        subscribe: (call) => {
          sessions.push(call.stream.session);
          call.handshake();
          if (call.index === 0) {
            call.send(encodeMessage({ offset: 0n, value: 'first' }));
            setTimeout(() => call.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM), 20);
          } else {
            call.send(encodeMessage({ offset: call.record.startOffset, value: 'again' }));
          }
        },
      },
      {},
      async (client, broker) => {
        const got = await within(
          lastValueFrom(client.subscribe(STREAM, FROM_START).pipe(take(2), toArray())),
          8000,
          'two messages',
        );
        assert.deepEqual(
          got.map((m) => [m.offset, text(m)]),
          [
            [0n, 'first'],
            [1n, 'again'],
          ],
        );
        assert.equal(broker.subscribes.length, 2);
        assert.equal(broker.subscribes[1]?.startOffset, 1n);
        assert.notEqual(sessions[1], sessions[0], 'a new HTTP/2 connection');
      },
    );
  });

  it('subscribe - after a graceful GOAWAY a new subscription opens a new connection', async () => {
    const sessions: unknown[] = [];
    await withBroker(
      {
        subscribe: (call) => {
          sessions.push(call.stream.session);
          call.handshake();
          // The connection takes no new calls; this one goes on.
          if (call.index === 0) call.goaway();
          call.send(encodeMessage({ offset: BigInt(call.index), value: `call ${call.index}` }));
        },
      },
      {},
      async (client, broker) => {
        const both = await within(
          lastValueFrom(
            client
              .subscribe(STREAM, FROM_START)
              .pipe(
                take(1),
                concatWith(
                  defer(() => timer(50)).pipe(
                    switchMap(() => client.subscribe(STREAM, FROM_START).pipe(take(1))),
                  ),
                ),
                toArray(),
              ),
          ),
          5000,
          'two subscriptions',
        );
        assert.deepEqual(both.map(text), ['call 0', 'call 1']);
        assert.equal(broker.subscribes.length, 2);
        assert.notEqual(sessions[1], sessions[0], 'a new HTTP/2 connection');
      },
    );
  });

  it('subscribe - silence before the handshake fails TIMEOUT within the setup timeout', async () => {
    await withBroker(
      {
        // Nothing at all on even calls, response headers only on odd ones.
        subscribe: (call) => {
          if (call.index % 2 === 1) call.respond();
        },
      },
      { requestTimeout: 300, retryTimeout: 700 },
      async (client, broker) => {
        const started = performance.now();
        const err = await failure(
          lastValueFrom(client.subscribe(STREAM, FROM_START)),
          6000,
          'the subscription',
        );
        const ms = performance.now() - started;
        assert.equal(err.code, ErrorCode.Timeout, err.message);
        assert.match(err.message, /no handshake within 300 ms/);
        assert.ok(broker.subscribes.length >= 2, `${broker.subscribes.length} Subscribe calls`);
        assert.ok(ms >= 300 && ms < 3000, `failed after ${Math.round(ms)} ms`);
      },
    );
  });

  it('publish - a malformed response carrying a correlation id fails that publish INTERNAL; the next is acked', async () => {
    await withBroker(
      {
        publish: (record, call, broker) => {
          if (broker.publishes.length === 1) {
            // correlationId (3), then an ack (1) that claims 127 bytes where 0 are left.
            call.send(
              Buffer.concat([lenField(3, record.correlationId), Buffer.from([0x0a, 0x7f])]),
            );
          } else {
            broker.ack(record, call);
          }
        },
      },
      {},
      async (client, broker) => {
        const err = await failure(
          lastValueFrom(client.publish('one', { stream: STREAM })),
          5000,
          'the first publish',
        );
        assert.equal(err.code, ErrorCode.Internal, err.message);
        assert.equal(err.retriable, false);
        assert.match(err.message, /malformed response/);
        assert.ok(err.message.includes(broker.publishes[0]?.correlationId ?? '?'), err.message);
        const ack = await within(
          lastValueFrom(client.publish('two', { stream: STREAM })),
          5000,
          'the second publish',
        );
        assert.equal(ack.offset, 0n);
        assert.equal(ack.correlationId, broker.publishes[1]?.correlationId);
        assert.equal(broker.publishCalls, 1, 'the stream was kept');
      },
    );
  });

  it('publish - a malformed response without a correlation id fails every written publish UNAVAILABLE; the client keeps working', async () => {
    await withBroker(
      {
        publish: (record, call, broker) => {
          if (record.callIndex > 0) broker.ack(record, call);
          // The second request written: an ack field cut off, no correlation id anywhere.
          else if (broker.publishes.length === 2) call.send(Buffer.from([0x0a, 0x7f]));
        },
      },
      {},
      async (client, broker) => {
        const errors = await Promise.all(
          ['one', 'two'].map((value) =>
            failure(lastValueFrom(client.publish(value, { stream: STREAM })), 5000, value),
          ),
        );
        for (const err of errors) {
          assert.equal(err.code, ErrorCode.Unavailable, err.message);
          assert.equal(err.retriable, true);
          assert.match(err.message, /may or may not be stored/);
          assert.match(err.message, /malformed response/);
        }
        const ack = await within(
          lastValueFrom(client.publish('three', { stream: STREAM })),
          5000,
          'the publish after',
        );
        assert.equal(ack.offset, 0n);
        assert.equal(broker.publishCalls, 2, 'a new stream');
      },
    );
  });

  it('publish - a response with unknown fields (top level and in the Ack) is acked', async () => {
    await withBroker(
      {
        publish: (record, call) => {
          const id = record.correlationId;
          const ack = Buffer.concat([
            encodeAck({ stream: STREAM, offset: 9n, correlationId: id }),
            lenField(20, 'newer ack field'),
            groupField(21, Buffer.from([0x08, 0x01])),
          ]);
          call.send(
            Buffer.concat([
              lenField(1, ack),
              lenField(3, id),
              lenField(22, 'newer response field'),
              groupField(23, lenField(1, 'nested')),
            ]),
          );
        },
      },
      {},
      async (client, broker) => {
        const ack = await within(
          lastValueFrom(client.publish('x', { stream: STREAM })),
          5000,
          'the publish',
        );
        assert.equal(ack.offset, 9n);
        assert.equal(ack.stream, STREAM);
        assert.equal(ack.correlationId, broker.publishes[0]?.correlationId);
      },
    );
  });

  it('publish - a request never acked fails ACK_TIMEOUT within ackTimeout; its broker answers a ping, so the next goes on the same stream', async () => {
    await withBroker(
      {
        publish: (record, call, broker) => {
          if (Buffer.from(record.request.value ?? []).toString() !== 'lost')
            broker.ack(record, call);
        },
      },
      { ackTimeout: 300 },
      async (client, broker) => {
        const started = performance.now();
        const err = await failure(
          lastValueFrom(client.publish('lost', { stream: STREAM })),
          5000,
          'the publish',
        );
        const ms = performance.now() - started;
        assert.equal(err.code, ErrorCode.AckTimeout, err.message);
        assert.ok(ms < 2000, `failed after ${Math.round(ms)} ms`);
        const ack = await within(
          lastValueFrom(client.publish('heard', { stream: STREAM })),
          5000,
          'the publish after',
        );
        assert.equal(ack.offset, 0n);
        assert.equal(broker.publishCalls, 1);
      },
    );
  });

  it('publish - RST_STREAM fails the written publish UNAVAILABLE, retriable; the next is acked', async () => {
    await withBroker(
      {
        publish: (record, call, broker) => {
          if (record.callIndex === 0) call.rst();
          else broker.ack(record, call);
        },
      },
      {},
      async (client, broker) => {
        const err = await failure(
          lastValueFrom(client.publish('one', { stream: STREAM })),
          5000,
          'the publish',
        );
        assert.equal(err.code, ErrorCode.Unavailable, err.message);
        assert.equal(err.retriable, true);
        assert.match(err.message, /may or may not be stored/);
        const ack = await within(
          lastValueFrom(client.publish('two', { stream: STREAM })),
          5000,
          'the publish after',
        );
        assert.equal(ack.offset, 0n);
        assert.equal(broker.publishCalls, 2);
      },
    );
  });

  it('publish - GOAWAY (ENHANCE_YOUR_CALM) fails the written publish UNAVAILABLE; the next is acked', async () => {
    await withBroker(
      {
        publish: (record, call, broker) => {
          if (record.callIndex === 0) call.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
          else broker.ack(record, call);
        },
      },
      {},
      async (client, broker) => {
        const err = await failure(
          lastValueFrom(client.publish('one', { stream: STREAM })),
          5000,
          'the publish',
        );
        assert.equal(err.code, ErrorCode.Unavailable, err.message);
        assert.equal(err.retriable, true);
        const ack = await within(
          lastValueFrom(client.publish('two', { stream: STREAM })),
          5000,
          'the publish after',
        );
        assert.equal(ack.offset, 0n);
        assert.equal(broker.publishCalls, 2);
      },
    );
  });

  it('publish - a malformed response naming a request no longer in flight leaves the others alone', async () => {
    await withBroker(
      {
        publish: (record, call) => {
          // The answer to B names A (cancelled meanwhile) and is malformed; B is then acked.
          if (record.correlationId !== 'B') return;
          call.send(Buffer.concat([lenField(3, 'A'), Buffer.from([0x0a, 0x7f])]));
          call.send(encodeAckResponse({ stream: STREAM, offset: 0n, correlationId: 'B' }));
        },
      },
      {},
      async (client, broker) => {
        const a = client.publish('a', { stream: STREAM, correlationId: 'A' }).subscribe({});
        await until(() => broker.publishes.length === 1, 'A written', 5000);
        a.unsubscribe();
        const ack = await within(
          lastValueFrom(client.publish('b', { stream: STREAM, correlationId: 'B' })),
          5000,
          'B',
        );
        assert.equal(ack.correlationId, 'B');
        assert.equal(broker.publishCalls, 1);
      },
    );
  });

  it('fake broker - FetchMetadata is answered, other unary calls are UNIMPLEMENTED', async () => {
    await withBroker({}, {}, async (client, broker) => {
      const md = await within(lastValueFrom(client.fetchMetadata()), 5000, 'metadata');
      assert.equal(md.streams.get(STREAM)?.partitions.get(0)?.leader, 'fake-1');
      assert.equal(md.brokers.get('fake-1')?.address, broker.address);
      assert.ok(broker.metadataCalls >= 1);
      const err = await failure(
        lastValueFrom(client.createStream('other', { waitForStream: false })),
        5000,
        'CreateStream',
      );
      assert.match(err.message, /unknown method \/proto\.API\/CreateStream/);
    });
  });
});
