/**
 * The diagnostics channels (DIAGNOSTICS_CHANNELS) and the `logger` option:
 * a subscription's events in virtual time over a fake transport
 * (start, deliver, resubscribe from last + 1, a dropped duplicate, end),
 * then publish, ack, publish failure, admin calls, connects and retries
 * against a real server; publishToSubject's events, and requests refused
 * before sending.
 */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { Logger as NestLogger } from '@nestjs/common';
import {
  defer,
  lastValueFrom,
  NEVER,
  type Observable,
  of,
  Subject,
  take,
  throwError,
  toArray,
} from 'rxjs';
import {
  DIAGNOSTICS_CHANNELS as C,
  type CallEvent,
  type ClientStatus,
  type DeliverEvent,
  ErrorCode,
  LiftbridgeClient,
  LiftbridgeError,
  type Logger,
  type PublishEvent,
  type ResubscribeEvent,
  type RetryEvent,
  StartPosition,
  type SubscribeEvent,
} from '../lib/index.js';
import { retryWithBackoff } from '../lib/internal/backoff.js';
import type { DecodedMessage } from '../lib/internal/grpc/message-codec.js';
import { logStatus } from '../lib/internal/log-status.js';
import { type SubscribeTransport, subscribeMessages } from '../lib/observables/subscribe.js';
import { testScheduler } from './helpers/marbles.js';
import { uniqueName, useServer } from './helpers/server.js';
import { until } from './helpers/until.js';

/** Records what `names` carry until the test ends. */
function listen(...names: string[]) {
  const seen: { channel: string; event: unknown }[] = [];
  const fns = names.map((name) => {
    const fn = (event: unknown) => seen.push({ channel: name, event });
    diagnostics.subscribe(name, fn);
    return [name, fn] as const;
  });
  return {
    seen,
    of: <T>(name: string) => seen.filter((s) => s.channel === name).map((s) => s.event as T),
    stop: () => {
      for (const [name, fn] of fns) diagnostics.unsubscribe(name, fn);
    },
  };
}

/** Lines a logger was given, as "level: text". */
function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

function raw(offset: number): DecodedMessage {
  return {
    offset: BigInt(offset),
    key: new Uint8Array(0),
    value: Buffer.from(`v${offset}`),
    timestamp: 0n,
    stream: 's',
    partition: 0,
    subject: 's',
    replySubject: '',
    headers: new Map(),
    ackInbox: '',
    correlationId: '',
    ackPolicy: 'LEADER',
  };
}

/** A subscribe context whose n-th Subscribe call plays `scripts[n]`. */
function fakeContext(scripts: Observable<DecodedMessage>[], logger: Logger) {
  let calls = 0;
  const transport: SubscribeTransport = {
    address: 'fake:1',
    subscribe: () => {
      const script = scripts[calls++];
      if (!script) throw new Error('unexpected Subscribe call');
      return script;
    },
  };
  return {
    cluster: {
      metadata: undefined,
      metadataChanges: NEVER,
      refreshMetadata: () => throwError(() => new Error('no metadata here')),
      lookup: <T>(_s: readonly string[], pick: (md: undefined) => T) => of(pick(undefined)),
      leaderBound: <T>(_s: string, _p: number, call: (conn: SubscribeTransport) => Observable<T>) =>
        defer(() => call(transport)).pipe(
          retryWithBackoff<T>({ shouldRetry: () => true, deadlineMs: 100, delayMs: () => 2 }),
        ),
    },
    fetchCursor: () => throwError(() => new Error('no cursors here')),
    encodingHeader: 'X-Msg-Encoding',
    maxDecompressedBytes: 1024,
    setupTimeout: 50,
    highWatermark: () => of(9n),
    logger,
  };
}

describe('diagnostics', () => {
  it('diagnostics - a subscription: start, each delivery, a resubscribe from last + 1, a dropped duplicate (logged), end', () => {
    const events = listen(C.subscribeStart, C.deliver, C.resubscribe, C.subscribeEnd);
    const logger = recorder();
    try {
      testScheduler().run(({ cold, expectObservable }) => {
        const h = { ...raw(0), value: new Uint8Array(0) };
        const broken = cold(
          'h-ab#',
          { h, a: raw(0), b: raw(1) },
          new LiftbridgeError(ErrorCode.Unavailable, 'gone'),
        );
        // The new leader sends offset 1 again: dropped, once.
        const resumed = cold('hbc|', { h, b: raw(1), c: raw(2) });
        const out = subscribeMessages(fakeContext([broken, resumed], logger), 's', {
          startPosition: 'EARLIEST',
        });
        expectObservable(out, '^----------!').toBe('--ab----c|', {
          a: raw(0),
          b: raw(1),
          c: raw(2),
        });
      });
    } finally {
      events.stop();
    }
    assert.deepEqual(
      events.seen.map((s) => s.channel),
      [C.subscribeStart, C.deliver, C.deliver, C.resubscribe, C.deliver, C.subscribeEnd],
    );
    const [start] = events.of<SubscribeEvent>(C.subscribeStart);
    assert.equal(start, events.of<SubscribeEvent>(C.subscribeEnd)[0], 'the same object');
    assert.deepEqual([start?.stream, start?.partition, start?.lastOffset], ['s', 0, 2n]);
    assert.deepEqual(
      events.of<DeliverEvent>(C.deliver).map((d) => [d.message.offset, d.subscription === start]),
      [
        [0n, true],
        [1n, true],
        [2n, true],
      ],
    );
    const [again] = events.of<ResubscribeEvent>(C.resubscribe);
    assert.deepEqual(again, { stream: 's', partition: 0, fromOffset: 2n, attempt: 1 });
    assert.deepEqual(logger.lines, ['debug: s/0: dropped duplicate offset 1 (delivered up to 1)']);
  });

  it('diagnostics - a deliver listener may wrap the delivery (it runs the subscriber inside)', () => {
    const order: string[] = [];
    const wrap = (m: unknown) => {
      const e = m as DeliverEvent;
      const run = e.run;
      e.run = () => {
        order.push(`before ${e.message.offset}`);
        run();
        order.push(`after ${e.message.offset}`);
      };
    };
    diagnostics.subscribe(C.deliver, wrap);
    try {
      const ctx = fakeContext([of({ ...raw(0), value: new Uint8Array(0) }, raw(0))], recorder());
      subscribeMessages(ctx, 's')
        .pipe(take(1))
        .subscribe((m) => order.push(`next ${m.offset}`));
    } finally {
      diagnostics.unsubscribe(C.deliver, wrap);
    }
    assert.deepEqual(order, ['before 0', 'next 0', 'after 0']);
  });

  it('logger - checked at the call site; console and Nest’s Logger fit it', () => {
    assert.throws(
      () => new LiftbridgeClient(['127.0.0.1:9292'], { logger: {} as Logger }),
      (err: unknown) => err instanceof LiftbridgeError && err.code === ErrorCode.InvalidArgument,
    );
    const fits: Logger[] = [console, new NestLogger('x')];
    for (const logger of fits) new LiftbridgeClient(['127.0.0.1:9292'], { logger }).close();
  });

  it('logger - status events: connects and leader moves at info, reconnects at warn (Nest’s Logger: log for info)', () => {
    const status = new Subject<ClientStatus>();
    const lines: string[] = [];
    const nestLike: Logger = {
      debug: (m) => lines.push(`debug: ${m}`),
      log: (m) => lines.push(`log: ${m}`),
      warn: (m) => lines.push(`warn: ${m}`),
      error: (m) => lines.push(`error: ${m}`),
    };
    logStatus(status, nestLike);
    status.next({ type: 'connected', broker: 'a:1' });
    status.next({ type: 'leaderChanged', stream: 's', partition: 2, previous: 'n1', leader: 'n3' });
    status.next({
      type: 'reconnecting',
      broker: 'a:1',
      error: new LiftbridgeError(ErrorCode.Unavailable, 'gone'),
    });
    status.next({ type: 'closed' });
    status.complete();
    assert.deepEqual(lines, [
      'log: liftbridge: connected to a:1',
      'log: liftbridge: leader of s/2 moved: n1 -> n3',
      'warn: liftbridge: a:1 stopped answering (UNAVAILABLE); reconnecting',
    ]);
  });

  it('diagnostics and logger - retries of an unreachable broker (retry channel, debug lines)', async () => {
    const events = listen(C.retry);
    const logger = recorder();
    const client = new LiftbridgeClient(['127.0.0.1:1'], { connectTimeout: 400, logger });
    try {
      await assert.rejects(lastValueFrom(client.fetchMetadata()));
    } finally {
      events.stop();
      await client.close();
    }
    const retries = events.of<RetryEvent>(C.retry);
    assert.ok(retries.length > 0);
    assert.equal(retries[0]?.operation, 'any-broker call');
    assert.equal(retries[0]?.attempt, 1);
    assert.ok(
      logger.lines.some((l) => /^debug: retrying any-broker call in \d+ ms \(attempt 1\)/.test(l)),
    );
  });
});

describe('diagnostics against a real server', async () => {
  const server = await useServer();

  it('diagnostics - publish (headers added before encoding arrive), ack (same object, offset), publish failure; admin calls; connects logged', async () => {
    const logger = recorder();
    const client = server.client({ logger });
    const name = uniqueName('diag');
    const events = listen(C.publish, C.ack, C.publishError, C.call, C.callEnd);
    const tag = (m: unknown) => (m as PublishEvent).headers.set('x-tag', Buffer.from('added'));
    diagnostics.subscribe(C.publish, tag);
    try {
      await lastValueFrom(client.createStream(name));
      const ack = await lastValueFrom(
        client.publish('hi', { stream: name, headers: { mine: 'kept' } }),
      );
      await assert.rejects(lastValueFrom(client.publish('no', { stream: name, partition: 7 })));
      const [message] = await lastValueFrom(
        client.subscribe(name, { startPosition: StartPosition.EARLIEST }).pipe(take(1), toArray()),
      );
      assert.equal(Buffer.from(message?.headers.get('x-tag') ?? []).toString(), 'added');
      assert.equal(Buffer.from(message?.headers.get('mine') ?? []).toString(), 'kept');
      const [sent, failed] = events.of<PublishEvent>(C.publish);
      const [acked] = events.of<PublishEvent>(C.ack);
      assert.equal(acked, sent, 'the same object');
      assert.equal(acked?.outcome, 'acked');
      assert.equal(acked?.ack?.offset, ack.offset);
      assert.equal(acked?.correlationId, ack.correlationId);
      const [refused] = events.of<PublishEvent>(C.publishError);
      assert.equal(refused, failed);
      assert.equal(refused?.outcome, 'failed');
      assert.equal(refused?.error?.code, ErrorCode.NotFound);
      const calls = events.of<CallEvent>(C.callEnd).map((c) => [c.method, c.stream, c.error]);
      assert.deepEqual(calls, [['CreateStream', name, undefined]]);
      await until(
        () => logger.lines.some((l) => /^info: liftbridge: connected to /.test(l)),
        'a connect line',
      );
    } finally {
      diagnostics.unsubscribe(C.publish, tag);
      events.stop();
    }
  });
  it('diagnostics - publishToSubject: publish (headers added arrive), ack (same object), naming the subject', async () => {
    const client = server.client();
    const name = uniqueName('diag-subject');
    const subject = `${name}.in`;
    const events = listen(C.publish, C.ack, C.publishError);
    const tag = (m: unknown) => (m as PublishEvent).headers.set('x-tag', Buffer.from('added'));
    diagnostics.subscribe(C.publish, tag);
    try {
      await lastValueFrom(client.createStream(name, { subject }));
      const ack = await lastValueFrom(client.publishToSubject(subject, 'hi'));
      const [message] = await lastValueFrom(
        client.subscribe(name, { startPosition: StartPosition.EARLIEST }).pipe(take(1), toArray()),
      );
      assert.equal(Buffer.from(message?.headers.get('x-tag') ?? []).toString(), 'added');
      const [sent] = events.of<PublishEvent>(C.publish);
      const [acked] = events.of<PublishEvent>(C.ack);
      assert.equal(acked, sent, 'the same object');
      assert.equal(acked?.subject, subject);
      assert.equal(acked?.request.stream, subject, 'the request names the subject');
      assert.equal(acked?.refused, false);
      assert.equal(acked?.outcome, 'acked');
      assert.equal(acked?.ack?.stream, name);
      assert.equal(acked?.correlationId, ack.correlationId);
      assert.equal(events.of(C.publishError).length, 0);
    } finally {
      diagnostics.unsubscribe(C.publish, tag);
      events.stop();
    }
  });

  it('diagnostics - requests refused before sending (too large, closed client, a subject publish on a closed client) come on publishError alone', async () => {
    const client = server.client({ maxMessageBytes: 1024 });
    const name = uniqueName('diag-refused');
    const events = listen(C.publish, C.ack, C.publishError);
    try {
      await lastValueFrom(client.createStream(name));
      await assert.rejects(
        lastValueFrom(client.publish(Buffer.alloc(4096), { stream: name, correlationId: 'big' })),
        (err: unknown) => err instanceof LiftbridgeError && err.code === ErrorCode.MessageTooLarge,
      );
      await client.close();
      await assert.rejects(lastValueFrom(client.publish('late', { stream: name })), {
        code: ErrorCode.Closed,
      });
      await assert.rejects(lastValueFrom(client.publishToSubject(`${name}.x`, 'late')), {
        code: ErrorCode.Closed,
      });
      assert.equal(events.of(C.publish).length, 0, 'no publish event: nothing was sent');
      assert.equal(events.of(C.ack).length, 0);
      const refused = events.of<PublishEvent>(C.publishError);
      assert.deepEqual(
        refused.map((e) => [
          e.request.stream,
          e.subject,
          e.correlationId,
          e.outcome,
          e.refused,
          e.error?.code,
        ]),
        [
          [name, undefined, 'big', 'failed', true, ErrorCode.MessageTooLarge],
          [name, undefined, '', 'failed', true, ErrorCode.Closed],
          [`${name}.x`, `${name}.x`, '', 'failed', true, ErrorCode.Closed],
        ],
      );
    } finally {
      events.stop();
    }
  });
});
