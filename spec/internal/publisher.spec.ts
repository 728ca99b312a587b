/**
 * The Publisher on its own: a fake PublishAsync duplex, a stub cluster and
 * a virtual clock (ack deadlines, probes and reconnects in virtual time).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defer, of, throwError } from 'rxjs';
import { ErrorCode, LiftbridgeError } from '../../lib/errors.js';
import {
  PublishAsyncError_Code,
  type PublishRequest as WireRequest,
} from '../../lib/internal/grpc/api-types.generated.js';
import { codec } from '../../lib/internal/grpc/codec.js';
import type { PublishDuplex } from '../../lib/internal/grpc/connection.js';
import type { DecodedPublishResponse } from '../../lib/internal/grpc/publish-codec.js';
import { Publisher, type PublishRouting } from '../../lib/internal/publisher.js';
import type { Ack } from '../../lib/message.js';
import { AckPolicy } from '../../lib/message.js';
import { type PublishRequest, planPublish } from '../../lib/publish-request.js';
import type { ClientStatus } from '../../lib/status.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const wireRequest = codec<never, WireRequest>('PublishRequest');

type Listener = (arg?: unknown) => void;

/** A PublishAsync call the spec drives: what was written, and responses and events on demand. */
class FakeDuplex implements PublishDuplex {
  readonly written: string[] = [];
  /** What write() returns: false asks the publisher to wait for 'drain'. */
  room = true;
  cancelled = false;
  readonly probes: Array<{ timeoutMs: number; done: (alive: boolean) => void }> = [];
  private readonly listeners = new Map<string, Listener[]>();
  private respond: ((res: DecodedPublishResponse) => void) | undefined;

  write(encoded: Uint8Array): boolean {
    this.written.push(wireRequest.deserialize(Buffer.from(encoded)).correlationId ?? '');
    return this.room;
  }

  cancel(): void {
    this.cancelled = true;
  }

  onResponse(listener: (res: DecodedPublishResponse) => void): void {
    this.respond = listener;
  }

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  probe(timeoutMs: number, done: (alive: boolean) => void): void {
    this.probes.push({ timeoutMs, done });
  }

  emit(event: 'drain' | 'end' | 'error', arg?: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) listener(arg);
  }

  reply(res: Partial<DecodedPublishResponse>): void {
    this.respond?.({
      ack: undefined,
      ackError: 0,
      asyncError: undefined,
      correlationId: '',
      malformed: undefined,
      ...res,
    });
  }

  ack(id: string): void {
    this.reply({ ack: ackOf(id) });
  }
}

function ackOf(id: string): DecodedPublishResponse['ack'] {
  return {
    stream: 'orders',
    partition: 0,
    offset: 1n,
    correlationId: id,
    partitionSubject: 'orders',
    msgSubject: 'orders',
    ackInbox: '',
    ackPolicy: 'LEADER',
    receptionTimestamp: 0n,
    commitTimestamp: 0n,
  };
}

/** A stub cluster: one broker, reachable or not, every duplex it hands out kept. */
function setup({ budget = 30_000 } = {}) {
  const clock = new VirtualClock();
  const duplexes: FakeDuplex[] = [];
  const reports: ClientStatus[] = [];
  const down: string[] = [];
  const state = { reachable: true, reachAttempts: 0 };
  const cluster: PublishRouting = {
    closed: false,
    scheduler: clock,
    partitions: { saw: () => {} },
    candidates: () => ['b1:9292'],
    reach: () =>
      defer(() => {
        state.reachAttempts += 1;
        if (!state.reachable) {
          return throwError(() => new LiftbridgeError(ErrorCode.Unavailable, 'b1:9292: down'));
        }
        return of({
          publishAsync: () => {
            const duplex = new FakeDuplex();
            duplexes.push(duplex);
            return duplex;
          },
        });
      }),
    retryBudget: () => budget,
    markDown: (address) => down.push(address),
    missing: (_stream, _partition, notFound) => throwError(() => notFound),
    report: (event) => reports.push(event),
  };
  const publisher = new Publisher(cluster, {
    transport: 'grpc-js',
    compression: undefined,
    compressionThreshold: 0,
    encodingHeader: 'X-Msg-Encoding',
    maxMessageBytes: 1024 * 1024,
  });
  const outcomes = new Map<string, { ack?: Ack | undefined; err?: LiftbridgeError | undefined }>();
  const events: string[] = [];
  const send = (id: string, ackTimeout = 5_000, over: Partial<PublishRequest> = {}) =>
    publisher.send(
      {
        ...planPublish(id, { stream: 'orders', correlationId: id }),
        ...over,
      } as PublishRequest,
      ackTimeout,
      {
        written: () => events.push(`${id} written`),
        settled: (ack, err) => {
          events.push(`${id} ${err ? err.code : 'ok'}`);
          outcomes.set(id, { ack, err });
        },
      },
    );
  const duplex = (i = 0): FakeDuplex => {
    const d = duplexes[i];
    assert.ok(d, `no duplex #${i}`);
    return d;
  };
  return { clock, duplexes, duplex, reports, down, state, publisher, outcomes, events, send };
}

function errorOf(
  outcomes: Map<string, { err?: LiftbridgeError | undefined }>,
  id: string,
): LiftbridgeError {
  const err = outcomes.get(id)?.err;
  assert.ok(err, `${id} did not fail`);
  return err;
}

describe('Publisher', () => {
  it('publisher - writes requests in send order on one stream; acks settle by correlation id', () => {
    const t = setup();
    t.send('a');
    t.send('b');
    t.send('c');
    assert.equal(t.duplexes.length, 1);
    assert.deepEqual(t.duplex().written, ['a', 'b', 'c']);
    t.duplex().ack('c');
    t.duplex().ack('a');
    t.duplex().ack('b');
    assert.deepEqual(
      t.events.filter((e) => !e.endsWith('written')),
      ['c ok', 'a ok', 'b ok'],
    );
    assert.equal(t.outcomes.get('a')?.ack?.correlationId, 'a');
    assert.equal(t.publisher.inFlight, 0);
  });

  it('publisher - backpressure: after write() returns false nothing is written until drain', () => {
    const t = setup();
    t.send('a');
    t.duplex().room = false;
    t.send('b');
    t.send('c');
    assert.deepEqual(t.duplex().written, ['a', 'b']);
    assert.ok(!t.events.includes('c written'));
    t.duplex().emit('drain');
    assert.deepEqual(t.duplex().written, ['a', 'b', 'c']);
    assert.ok(t.events.includes('c written'));
  });

  it('publisher - a broken stream fails what was written (UNAVAILABLE, retriable, may be stored); the rest goes on the next stream', () => {
    const t = setup();
    t.send('a');
    t.duplex().room = false;
    t.send('b');
    t.send('c'); // queued behind the full buffer: never written to stream 0
    t.duplex().emit('end');
    for (const id of ['a', 'b']) {
      const err = errorOf(t.outcomes, id);
      assert.equal(err.code, ErrorCode.Unavailable);
      assert.equal(err.retriable, true);
      assert.match(err.message, /may or may not be stored/);
    }
    assert.equal(t.outcomes.has('c'), false);
    assert.deepEqual(t.down, ['b1:9292']);
    assert.equal(t.duplexes.length, 2);
    assert.deepEqual(t.duplex(1).written, ['c']);
    t.duplex(1).ack('c');
    assert.ok(t.outcomes.get('c')?.ack);
  });

  it('publisher - ack deadlines in virtual time: each request fails ACK_TIMEOUT at its own deadline', () => {
    const t = setup();
    t.send('a', 1_000);
    t.clock.advance(500);
    t.send('b', 1_000);
    t.duplex().ack('b'); // answered: the stream is not silent
    t.send('c', 1_000);
    t.clock.advance(499);
    assert.equal(t.outcomes.size, 1); // only b
    t.clock.advance(1);
    assert.equal(errorOf(t.outcomes, 'a').code, ErrorCode.AckTimeout);
    assert.equal(t.outcomes.has('c'), false);
    t.clock.advance(499);
    assert.equal(t.outcomes.has('c'), false);
    t.clock.advance(1);
    assert.equal(errorOf(t.outcomes, 'c').code, ErrorCode.AckTimeout);
  });

  it('publisher - a silent stream whose broker answers the ping is kept', () => {
    const t = setup();
    t.send('a', 1_000);
    t.send('b', 5_000);
    t.clock.advance(1_000);
    assert.equal(errorOf(t.outcomes, 'a').code, ErrorCode.AckTimeout);
    assert.equal(t.duplex().probes.length, 1);
    assert.equal(t.duplex().probes[0]?.timeoutMs, 1_000);
    t.duplex().probes[0]?.done(true);
    assert.equal(t.duplex().cancelled, false);
    assert.equal(t.outcomes.has('b'), false); // its ack may still come
    t.send('c');
    assert.equal(t.duplexes.length, 1);
    assert.deepEqual(t.duplex().written, ['a', 'b', 'c']);
    t.duplex().ack('b');
    assert.ok(t.outcomes.get('b')?.ack);
  });

  it('publisher - a silent stream whose broker misses the ping too is abandoned', () => {
    const t = setup();
    t.send('a', 1_000);
    t.send('b', 5_000);
    t.clock.advance(1_000);
    assert.equal(errorOf(t.outcomes, 'a').code, ErrorCode.AckTimeout);
    t.duplex().probes[0]?.done(false);
    assert.equal(t.duplex().cancelled, true);
    const err = errorOf(t.outcomes, 'b');
    assert.equal(err.code, ErrorCode.Unavailable);
    assert.match(err.message, /no response for 1000 ms, nor to a ping/);
    assert.deepEqual(t.down, ['b1:9292']);
    t.send('c');
    assert.equal(t.duplexes.length, 2);
    assert.deepEqual(t.duplex(1).written, ['c']);
  });

  it('publisher - a stream that answered since the write is not probed when a deadline passes', () => {
    const t = setup();
    t.send('a', 1_000);
    t.send('b', 5_000);
    t.duplex().ack('b');
    t.clock.advance(1_000);
    assert.equal(errorOf(t.outcomes, 'a').code, ErrorCode.AckTimeout);
    assert.equal(t.duplex().probes.length, 0);
  });

  it('publisher - a malformed response naming a request fails that request alone', () => {
    const t = setup();
    t.send('a');
    t.send('b');
    t.duplex().reply({ correlationId: 'a', malformed: 'truncated varint' });
    const err = errorOf(t.outcomes, 'a');
    assert.equal(err.code, ErrorCode.Internal);
    assert.match(err.message, /truncated varint/);
    assert.equal(t.duplex().cancelled, false);
    assert.equal(t.outcomes.has('b'), false);
    t.duplex().ack('b');
    assert.ok(t.outcomes.get('b')?.ack);
  });

  it('publisher - a malformed response naming no request breaks the stream', () => {
    const t = setup();
    t.send('a');
    t.send('b');
    t.duplex().reply({ malformed: 'wire type 7' });
    assert.equal(t.duplex().cancelled, true);
    for (const id of ['a', 'b']) assert.equal(errorOf(t.outcomes, id).code, ErrorCode.Unavailable);
    assert.deepEqual(t.down, []); // the broker answered: it is not down
    t.send('c');
    assert.deepEqual(t.duplex(1).written, ['c']);
  });

  it('publisher - a late refusal of an AckPolicy NONE request is reported as publishRejected; NONE is then refused before sending', () => {
    const t = setup();
    t.send('a', 5_000, { ackPolicy: AckPolicy.NONE });
    assert.deepEqual(t.events, ['a written', 'a ok']);
    assert.equal(t.outcomes.get('a')?.ack, undefined);
    t.duplex().reply({
      correlationId: 'a',
      asyncError: {
        code: PublishAsyncError_Code.BAD_REQUEST,
        message: 'AckPolicy NONE is not supported with optimistic concurrency control',
      },
    });
    assert.equal(t.reports.length, 1);
    const report = t.reports[0];
    assert.ok(report?.type === 'publishRejected');
    assert.equal(report.correlationId, 'a');
    assert.equal(report.stream, 'orders');
    assert.equal(report.partition, 0);
    assert.equal(report.error.code, ErrorCode.InvalidArgument);
    t.send('b', 5_000, { ackPolicy: AckPolicy.NONE });
    assert.equal(errorOf(t.outcomes, 'b').code, ErrorCode.InvalidArgument);
    assert.deepEqual(t.duplex().written, ['a']);
  });

  it('publisher - reconnects with backoff (virtual time) while a request waits, then writes it', () => {
    const t = setup();
    t.state.reachable = false;
    t.send('a', 60_000);
    assert.equal(t.state.reachAttempts, 1);
    t.clock.advance(2_000); // 50, 100, 200, 400 ms (+-25%), ...
    assert.ok(t.state.reachAttempts >= 4, `attempts: ${t.state.reachAttempts}`);
    assert.equal(t.duplexes.length, 0);
    t.state.reachable = true;
    t.clock.advance(2_000);
    assert.deepEqual(t.duplex().written, ['a']);
    assert.equal(t.outcomes.has('a'), false);
  });

  it('publisher - stops reconnecting once no request waits (the waiting one was cancelled)', () => {
    const t = setup();
    t.state.reachable = false;
    const handle = t.send('a', 60_000);
    t.clock.advance(500);
    handle.unsubscribe();
    const attempts = t.state.reachAttempts;
    t.clock.advance(20_000);
    assert.ok(
      t.state.reachAttempts <= attempts + 1,
      `attempts: ${attempts} -> ${t.state.reachAttempts}`,
    );
    assert.equal(t.outcomes.has('a'), false); // cancelled: the sink hears nothing
  });

  it('publisher - gives up on unwritten requests once no broker took the stream within the retry budget', () => {
    const t = setup({ budget: 3_000 });
    t.state.reachable = false;
    t.send('a', 60_000);
    t.clock.advance(2_000);
    assert.equal(t.outcomes.has('a'), false);
    t.clock.advance(3_000);
    const err = errorOf(t.outcomes, 'a');
    assert.equal(err.code, ErrorCode.Unavailable);
    assert.match(err.message, /not sent \(so not stored\)/);
    const attempts = t.state.reachAttempts;
    t.clock.advance(10_000);
    assert.equal(t.state.reachAttempts, attempts); // nothing waits: no more attempts
    t.state.reachable = true;
    t.send('b');
    assert.deepEqual(t.duplex().written, ['b']);
  });

  it('publisher - close fails what is in flight with CLOSED and cancels the stream', () => {
    const t = setup();
    t.send('a');
    t.publisher.close();
    assert.equal(errorOf(t.outcomes, 'a').code, ErrorCode.Closed);
    assert.equal(t.duplex().cancelled, true);
    t.send('b');
    assert.equal(errorOf(t.outcomes, 'b').code, ErrorCode.Closed);
  });
  describe('matching acks (the oldest awaited first, the correlation-id Map otherwise)', () => {
    /** Which partition each request settled with (the publisher sets it from the request). */
    const partitionsOf = (t: ReturnType<typeof setup>, ids: string[]) =>
      ids.map((id) => t.outcomes.get(id)?.ack?.partition);

    it('publisher - acks of interleaved partitions settle the requests they name', () => {
      const t = setup();
      t.send('p0-a', 5_000, { partition: 0 });
      t.send('p1-a', 5_000, { partition: 1 });
      t.send('p0-b', 5_000, { partition: 0 });
      t.send('p1-b', 5_000, { partition: 1 });
      // partition 1 answers first, then partition 0: each in its own order
      for (const id of ['p1-a', 'p1-b', 'p0-a', 'p0-b']) t.duplex().ack(id);
      assert.deepEqual(
        t.events.filter((e) => !e.endsWith('written')),
        ['p1-a ok', 'p1-b ok', 'p0-a ok', 'p0-b ok'],
      );
      assert.deepEqual(partitionsOf(t, ['p0-a', 'p1-a', 'p0-b', 'p1-b']), [0, 1, 0, 1]);
      assert.equal(t.publisher.inFlight, 0);
    });

    it('publisher - acks out of order, repeated, or naming nothing in flight settle only what they name', () => {
      const t = setup();
      for (const id of ['a', 'b', 'c', 'd']) t.send(id);
      t.duplex().ack('c');
      t.duplex().ack('c'); // again: ignored
      t.duplex().ack('nobody');
      t.duplex().ack('a');
      t.duplex().ack('a');
      assert.deepEqual(
        t.events.filter((e) => !e.endsWith('written')),
        ['c ok', 'a ok'],
      );
      t.duplex().ack('b');
      t.duplex().ack('d');
      assert.deepEqual(
        t.events.filter((e) => !e.endsWith('written')),
        ['c ok', 'a ok', 'b ok', 'd ok'],
      );
      assert.equal(t.publisher.inFlight, 0);
    });

    it('publisher - a missing ack fails that request alone at its deadline; the acks behind it still settle, before and after', () => {
      const t = setup();
      t.send('lost', 1_000);
      t.send('b', 1_000);
      t.duplex().ack('b'); // behind the awaited head
      t.clock.advance(500);
      t.send('c', 1_000);
      t.clock.advance(500);
      assert.equal(errorOf(t.outcomes, 'lost').code, ErrorCode.AckTimeout);
      t.duplex().ack('c');
      t.duplex().ack('lost'); // too late: ignored
      assert.ok(t.outcomes.get('b')?.ack);
      assert.ok(t.outcomes.get('c')?.ack);
      assert.equal(t.outcomes.get('lost')?.ack, undefined);
      t.send('d', 1_000);
      t.duplex().ack('d');
      assert.ok(t.outcomes.get('d')?.ack);
      assert.equal(t.publisher.inFlight, 0);
    });

    it('publisher - a cancelled request at the head is skipped; its late ack is ignored', () => {
      const t = setup();
      const a = t.send('a');
      t.send('b');
      a.unsubscribe();
      t.duplex().ack('a');
      t.duplex().ack('b');
      assert.equal(t.outcomes.has('a'), false);
      assert.ok(t.outcomes.get('b')?.ack);
      assert.equal(t.publisher.inFlight, 0);
    });

    it('publisher - AckPolicy NONE requests between acked ones: refusals are reported, acks settle', () => {
      const t = setup();
      t.send('a');
      t.send('n1', 5_000, { ackPolicy: AckPolicy.NONE });
      t.send('b');
      t.send('n2', 5_000, { ackPolicy: AckPolicy.NONE });
      const refuse = (id: string) =>
        t.duplex().reply({
          correlationId: id,
          asyncError: { code: PublishAsyncError_Code.UNKNOWN, message: 'refused' },
        });
      refuse('n1');
      t.duplex().ack('a');
      refuse('n2');
      t.duplex().ack('b');
      assert.deepEqual(
        t.reports.map((r) => (r.type === 'publishRejected' ? r.correlationId : r.type)),
        ['n1', 'n2'],
      );
      assert.deepEqual(
        t.events.filter((e) => !e.endsWith('written')),
        ['n1 ok', 'n2 ok', 'a ok', 'b ok'], // NONE settles once written
      );
      assert.equal(t.publisher.inFlight, 0);
    });

    it('publisher - a refusal of an acked request fails it alone, at the head or behind it', () => {
      const t = setup();
      t.send('a');
      t.send('b');
      t.send('c');
      const refuse = (id: string) =>
        t.duplex().reply({
          correlationId: id,
          asyncError: { code: PublishAsyncError_Code.BAD_REQUEST, message: 'no' },
        });
      refuse('b');
      refuse('a');
      t.duplex().ack('c');
      assert.equal(errorOf(t.outcomes, 'a').code, ErrorCode.InvalidArgument);
      assert.equal(errorOf(t.outcomes, 'b').code, ErrorCode.InvalidArgument);
      assert.ok(t.outcomes.get('c')?.ack);
    });

    it('publisher - after a stream breaks, acks on the next stream match what was written to it', () => {
      const t = setup();
      t.send('a');
      t.send('b');
      t.duplex().ack('b'); // a still awaited when the stream ends
      t.duplex().emit('end');
      assert.equal(errorOf(t.outcomes, 'a').code, ErrorCode.Unavailable);
      t.duplex(0).ack('a'); // the old stream: ignored
      t.send('c');
      t.send('d');
      assert.deepEqual(t.duplex(1).written, ['c', 'd']);
      t.duplex(1).ack('c');
      t.duplex(1).ack('d');
      assert.ok(t.outcomes.get('c')?.ack);
      assert.ok(t.outcomes.get('d')?.ack);
      assert.equal(errorOf(t.outcomes, 'a').code, ErrorCode.Unavailable);
      assert.equal(t.publisher.inFlight, 0);
    });
  });
});
