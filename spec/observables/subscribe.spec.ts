/** Marble specs of subscribe over a fake transport (no server). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { catchError, defer, NEVER, type Observable, of, throwError } from 'rxjs';
import { type ClusterMetadata, ErrorCode, LiftbridgeError, type Message } from '../../lib/index.js';
import { retryWithBackoff } from '../../lib/internal/backoff.js';
import type { SubscribeRequest } from '../../lib/internal/grpc/api-types.generated.js';
import { fromInt64 } from '../../lib/internal/grpc/codec.js';
import type { DecodedMessage } from '../../lib/internal/grpc/message-codec.js';
import { fromGrpcError } from '../../lib/internal/grpc/status.js';
import { type SubscribeTransport, subscribeMessages } from '../../lib/observables/subscribe.js';
import { testScheduler } from '../helpers/marbles.js';
import { clusterMetadata } from '../helpers/metadata.js';

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
    headers: new Map([['reply', new Uint8Array(0)]]),
    ackInbox: '',
    correlationId: '',
    ackPolicy: 'LEADER',
  };
}
const HANDSHAKE = { ...raw(0), value: new Uint8Array(0), headers: new Map() };

function grpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

type Cold = Observable<DecodedMessage>;

/** Metadata whose only partition, s/0, is led by broker b at `address`. */
const ledBy = (address: string) => clusterMetadata({ s: { leaders: ['b'] } }, { b: address });

/**
 * Routing + transport whose n-th Subscribe call plays `scripts[n]` at broker
 * `addresses[n]` (default fake:1); records the requests.
 */
function fakeContext(
  scripts: Cold[],
  {
    metadata = NEVER,
    addresses = [],
  }: { metadata?: Observable<ClusterMetadata | undefined>; addresses?: string[] } = {},
) {
  const requests: SubscribeRequest[] = [];
  const transport: SubscribeTransport = {
    get address() {
      return addresses[requests.length - 1] ?? 'fake:1';
    },
    subscribe(request, phase) {
      requests.push(request);
      const script = scripts[requests.length - 1];
      if (!script) throw new Error('unexpected Subscribe call');
      return script.pipe(
        catchError((err: unknown) => throwError(() => fromGrpcError(err, phase(), 'fake'))),
      );
    },
  };
  return {
    requests,
    ctx: {
      cluster: {
        metadata: undefined,
        metadataChanges: metadata,
        refreshMetadata: () => throwError(() => new Error('no metadata in marble specs')),
        lookup: <T>(_s: readonly string[], pick: (md: ClusterMetadata | undefined) => T) =>
          of(pick(undefined)),
        leaderBound: <T>(
          _s: string,
          _p: number,
          call: (conn: SubscribeTransport) => Observable<T>,
          options: { progressed?: () => boolean } = {},
        ) =>
          defer(() => call(transport)).pipe(
            retryWithBackoff<T>({
              shouldRetry: (err) => err instanceof LiftbridgeError && err.retriable,
              deadlineMs: 100,
              delayMs: () => 2,
              ...(options.progressed ? { progressed: options.progressed } : {}),
            }),
          ),
      },
      fetchCursor: () => {
        throw new Error('no cursors here');
      },
      encodingHeader: 'X-Msg-Encoding',
      maxDecompressedBytes: 64 * 1024 * 1024,
      setupTimeout: 50,
    },
  };
}

const offsets = (m: Message) => Number(m.offset);

describe('subscribe', () => {
  it('subscribe - drops the handshake and delivers messages with bigint offsets', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { ctx } = fakeContext([cold('h-ab|', { h: HANDSHAKE, a: raw(0), b: raw(1) })]);
      const out = subscribeMessages(ctx, 's', { startPosition: 'EARLIEST' });
      expectObservable(out.pipe(mapOffsets())).toBe('--ab|', { a: 0, b: 1 });
    });
  });

  it('subscribe - unsubscribing cancels the gRPC stream', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const stream = cold('h-a----b', { h: HANDSHAKE, a: raw(0), b: raw(1) });
      const { ctx } = fakeContext([stream]);
      expectObservable(subscribeMessages(ctx, 's').pipe(mapOffsets()), '^---!').toBe('--a-', {
        a: 0,
      });
      expectSubscriptions(stream.subscriptions).toBe('^---!');
    });
  });

  it('subscribe - a broken stream resumes from the last offset + 1, no gap, no duplicate', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const broken = cold(
        'h-ab#',
        { h: HANDSHAKE, a: raw(0), b: raw(1) },
        grpcError(status.UNAVAILABLE, 'gone'),
      );
      const resumed = cold('hc|', { h: HANDSHAKE, c: raw(2) });
      const { ctx, requests } = fakeContext([broken, resumed]);
      // Broken at 4, retried 2 ms later: handshake at 6, message 2 at 7.
      expectObservable(
        subscribeMessages(ctx, 's', { startPosition: 'EARLIEST' }).pipe(mapOffsets()),
      ).toBe('--ab---c|', { a: 0, b: 1, c: 2 });
      void requests;
    });
  });

  it('subscribe - metadata showing the leader elsewhere moves a silent subscription there (from last + 1)', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // The first leader (a:1) goes silent after two messages; metadata at
      // frame 6 names b:2, where the subscription resumes.
      const silent = cold('h-ab------', { h: HANDSHAKE, a: raw(0), b: raw(1) });
      const moved = cold('hc|', { h: HANDSHAKE, c: raw(2) });
      const metadata = hot('m-----n', { m: ledBy('a:1'), n: ledBy('b:2') });
      const { ctx, requests } = fakeContext([silent, moved], {
        metadata,
        addresses: ['a:1', 'b:2'],
      });
      // Ended at 6 with NOT_LEADER, retried 2 ms later: message 2 at 9.
      expectObservable(
        subscribeMessages(ctx, 's', { startPosition: 'EARLIEST' }).pipe(mapOffsets()),
      ).toBe('--ab-----c|', { a: 0, b: 1, c: 2 });
      expectSubscriptions(silent.subscriptions).toBe('^-----!');
      void requests;
    });
  });

  it('subscribe - metadata naming the current leader (or no leader) leaves the subscription alone', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const stream = cold('h-ab--c|', { h: HANDSHAKE, a: raw(0), b: raw(1), c: raw(2) });
      const metadata = hot('m--u-m', { m: ledBy('a:1'), u: undefined });
      const { ctx } = fakeContext([stream], { metadata, addresses: ['a:1'] });
      expectObservable(
        subscribeMessages(ctx, 's', { startPosition: 'EARLIEST' }).pipe(mapOffsets()),
      ).toBe('--ab--c|', { a: 0, b: 1, c: 2 });
    });
  });

  it('subscribe - the resubscription asks for OFFSET last + 1', () => {
    const scheduler = testScheduler();
    const ctxRef = { requests: [] as SubscribeRequest[] };
    scheduler.run(({ cold }) => {
      const broken = cold(
        'h-ab#',
        { h: HANDSHAKE, a: raw(7), b: raw(8) },
        grpcError(status.UNAVAILABLE, 'gone'),
      );
      const resumed = cold('h|', { h: HANDSHAKE });
      const { ctx, requests } = fakeContext([broken, resumed]);
      ctxRef.requests = requests;
      subscribeMessages(ctx, 's', { startPosition: 'LATEST' }).subscribe();
    });
    const [first, second] = ctxRef.requests;
    assert.equal(first?.startPosition, 3); // LATEST
    assert.equal(second?.startPosition, 1); // OFFSET
    assert.equal(fromInt64(second?.startOffset as never), 9n);
  });

  it('subscribe - a stream deleted mid-way is a STREAM_DELETED error, not a retry', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const stream = cold(
        'h-a#',
        { h: HANDSHAKE, a: raw(0) },
        grpcError(status.NOT_FOUND, 'stream deleted'),
      );
      const { ctx } = fakeContext([stream]);
      expectObservable(subscribeMessages(ctx, 's').pipe(mapOffsets(), codes())).toBe(
        '--a#',
        { a: 0 },
        ErrorCode.StreamDeleted,
      );
    });
  });

  it('subscribe - the stop position reached (ResourceExhausted) completes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const stream = cold(
        'h-a#',
        { h: HANDSHAKE, a: raw(0) },
        grpcError(status.RESOURCE_EXHAUSTED, 'stop reached'),
      );
      const { ctx } = fakeContext([stream]);
      const out = subscribeMessages(ctx, 's', {
        startPosition: 'EARLIEST',
        stopPosition: 'OFFSET',
        stopOffset: 0,
      });
      expectObservable(out.pipe(mapOffsets())).toBe('--a|', { a: 0 });
    });
  });

  it('subscribe - the end of a readonly partition without a stop position is a READONLY error', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const stream = cold(
        'h-a#',
        { h: HANDSHAKE, a: raw(0) },
        grpcError(status.RESOURCE_EXHAUSTED, 'readonly'),
      );
      const { ctx } = fakeContext([stream]);
      expectObservable(subscribeMessages(ctx, 's').pipe(mapOffsets(), codes())).toBe(
        '--a#',
        { a: 0 },
        ErrorCode.Readonly,
      );
    });
  });

  it('subscribe - a paused partition mid-stream is a PARTITION_PAUSED error', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const stream = cold('h#', { h: HANDSHAKE }, grpcError(status.FAILED_PRECONDITION, 'paused'));
      const { ctx } = fakeContext([stream]);
      expectObservable(subscribeMessages(ctx, 's').pipe(codes())).toBe(
        '-#',
        undefined,
        ErrorCode.PartitionPaused,
      );
    });
  });

  it('subscribe - bad options throw a typed error at the call site', () => {
    const { ctx } = fakeContext([]);
    const bad: Array<[object, string]> = [
      [{ startPosition: 'RESUME' }, 'cursorId'],
      [{ startPosition: 'OFFSET' }, 'startOffset'],
      [{ startPosition: 'OFFSET', startOffset: -1 }, 'startOffset'],
      [{ stopPosition: 'OFFSET' }, 'stopOffset'],
      [{ partition: -1 }, 'partition'],
      [{ startPosition: 'SOMEWHERE' }, 'startPosition'],
    ];
    for (const [options, name] of bad) {
      assert.throws(
        () => subscribeMessages(ctx, 's', options),
        (err: unknown) =>
          err instanceof LiftbridgeError &&
          err.code === ErrorCode.InvalidArgument &&
          err.message.startsWith(name),
        JSON.stringify(options),
      );
    }
    assert.throws(() => subscribeMessages(ctx, ''), /stream/);
  });
});

import { map, type OperatorFunction } from 'rxjs';

function mapOffsets(): OperatorFunction<Message, number> {
  return map(offsets);
}

/** Replaces an error by its code, so marbles can compare it. */
function codes<T>(): OperatorFunction<T, T> {
  return catchError((err: unknown) =>
    throwError(() => (err instanceof LiftbridgeError ? err.code : err)),
  );
}
