/** Marble specs of `subscribe(stream, { partition: 'all' })` over fake partitions (no server). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchError, defer, map, NEVER, type Observable, of, throwError } from 'rxjs';
import { type ClusterMetadata, ErrorCode, LiftbridgeError, type Message } from '../../lib/index.js';
import type { SubscribeRequest } from '../../lib/internal/grpc/api-types.generated.js';
import { fromInt64 } from '../../lib/internal/grpc/codec.js';
import type { DecodedMessage } from '../../lib/internal/grpc/message-codec.js';
import {
  type SubscribeContext,
  type SubscribeTransport,
  subscribeMessages,
} from '../../lib/observables/subscribe.js';
import { testScheduler } from '../helpers/marbles.js';
import { clusterMetadata } from '../helpers/metadata.js';

function raw(partition: number, offset: number): DecodedMessage {
  return {
    offset: BigInt(offset),
    key: new Uint8Array(0),
    value: Buffer.from(`v${offset}`),
    timestamp: 0n,
    stream: 's',
    partition,
    subject: 's',
    replySubject: '',
    headers: new Map(),
    ackInbox: '',
    correlationId: '',
    ackPolicy: 'LEADER',
  };
}
const HANDSHAKE = { ...raw(0, 0), value: new Uint8Array(0) };

/**
 * A context whose metadata has `s` with `partitions` partitions (unknown
 * until refreshed when `refreshed`), and whose Subscribe call at partition
 * p plays `scripts[p]`; records each request.
 */
function context(
  scripts: Observable<DecodedMessage>[],
  { partitions = scripts.length, refreshed = false } = {},
) {
  const requests: SubscribeRequest[] = [];
  const md: ClusterMetadata = clusterMetadata({ s: { leaders: Array(partitions).fill('b') } });
  let current: ClusterMetadata | undefined = refreshed ? undefined : md;
  let refreshes = 0;
  const ctx: SubscribeContext = {
    cluster: {
      get metadata() {
        return current;
      },
      metadataChanges: NEVER,
      refreshMetadata: () => {
        refreshes++;
        current = md;
        return of(md);
      },
      lookup: <T>(streams: readonly string[], pick: (m: ClusterMetadata | undefined) => T) =>
        defer(() => {
          const known = pick(current);
          return known !== undefined
            ? of(known)
            : ctx.cluster.refreshMetadata(streams).pipe(map(pick));
        }),
      leaderBound: <T>(_s: string, p: number, call: (conn: SubscribeTransport) => Observable<T>) =>
        call({
          address: 'fake:1',
          subscribe(request) {
            requests.push(request);
            const script = scripts[p];
            if (!script) throw new Error(`no script for partition ${p}`);
            return script;
          },
        }),
    },
    fetchCursor: (_s, p) => of([-1n, 4n, 9n][p] ?? -1n),
    encodingHeader: 'X-Msg-Encoding',
    maxDecompressedBytes: 64 * 1024 * 1024,
    setupTimeout: 50,
  };
  return { ctx, requests, refreshes: () => refreshes };
}

/** Messages as `partition:offset`, errors as their code, so marbles can compare them. */
const labels = (o: Observable<Message>) => codes(o.pipe(map((m) => `${m.partition}:${m.offset}`)));
const codes = <T>(o: Observable<T>) =>
  o.pipe(
    catchError((err: unknown) =>
      throwError(() => (err instanceof LiftbridgeError ? err.code : err)),
    ),
  );

describe("subscribe - partition: 'all'", () => {
  it('subscribe all - one subscription per partition, merged; completes when every partition has', () => {
    testScheduler().run(({ cold, expectObservable, flush }) => {
      const { ctx, requests } = context([
        cold('h-a---b|', { h: HANDSHAKE, a: raw(0, 0), b: raw(0, 1) }),
        cold('h--a|', { h: HANDSHAKE, a: raw(1, 0) }),
        cold('h----a--b|', { h: HANDSHAKE, a: raw(2, 0), b: raw(2, 1) }),
      ]);
      const out = subscribeMessages(ctx, 's', {
        partition: 'all',
        startPosition: 'EARLIEST',
        stopPosition: 'LATEST',
      });
      expectObservable(labels(out)).toBe('--ab-cd-e|', {
        a: '0:0',
        b: '1:0',
        c: '2:0',
        d: '0:1',
        e: '2:1',
      });
      flush();
      // Each partition's request names its partition and keeps the start and stop.
      assert.deepEqual(
        requests.map((r) => [r.partition, r.startPosition, r.stopPosition]),
        [0, 1, 2].map((p) => [p, requests[0]?.startPosition, requests[0]?.stopPosition]),
      );
    });
  });

  it('subscribe all - RESUME reads each partition after its own cursor', () => {
    testScheduler().run(({ cold, expectObservable, flush }) => {
      const { ctx, requests } = context([
        cold('h|', { h: HANDSHAKE }),
        cold('h|', { h: HANDSHAKE }),
        cold('h|', { h: HANDSHAKE }),
      ]);
      const out = subscribeMessages(ctx, 's', {
        partition: 'all',
        startPosition: 'RESUME',
        cursorId: 'c',
        stopPosition: 'LATEST',
      });
      expectObservable(out).toBe('-|');
      flush();
      // Partition 0 has no cursor (earliest), 1 and 2 start after theirs.
      assert.deepEqual(
        requests.map((r) => [r.partition, r.startOffset && fromInt64(r.startOffset)]),
        [
          [0, undefined],
          [1, 5n],
          [2, 10n],
        ],
      );
      assert.equal(requests[1]?.startPosition, requests[2]?.startPosition);
      assert.notEqual(requests[0]?.startPosition, requests[1]?.startPosition);
    });
  });

  it('subscribe all - an unknown stream is NOT_FOUND after a refresh; a known one is not refreshed', () => {
    testScheduler().run(({ expectObservable }) => {
      const unknown = context([], { partitions: 0 });
      expectObservable(codes(subscribeMessages(unknown.ctx, 'nope', { partition: 'all' }))).toBe(
        '#',
        undefined,
        ErrorCode.NotFound,
      );
    });
    const known = context([NEVER, NEVER]);
    const sub = subscribeMessages(known.ctx, 's', { partition: 'all' }).subscribe();
    sub.unsubscribe();
    assert.equal(known.refreshes(), 0);
    const later = context([NEVER, NEVER], { refreshed: true });
    subscribeMessages(later.ctx, 's', { partition: 'all' }).subscribe().unsubscribe();
    assert.equal(later.refreshes(), 1);
    assert.equal(later.requests.length, 2, 'both partitions subscribed after the refresh');
  });

  it("subscribe all - a partition's error ends the merge and cancels the others", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const healthy = cold('h-a-----', { h: HANDSHAKE, a: raw(0, 0) });
      const failing = cold(
        'h--#',
        { h: HANDSHAKE },
        new LiftbridgeError(ErrorCode.StreamDeleted, 'gone'),
      );
      const { ctx } = context([healthy, failing]);
      expectObservable(labels(subscribeMessages(ctx, 's', { partition: 'all' }))).toBe(
        '--a#',
        { a: '0:0' },
        ErrorCode.StreamDeleted,
      );
      expectSubscriptions(healthy.subscriptions).toBe('^--!');
    });
  });

  it("subscribe all - an option is still checked at the call site; 'all' passes, other strings do not", () => {
    const { ctx } = context([]);
    assert.throws(
      () => subscribeMessages(ctx, 's', { partition: 'every' as unknown as number }),
      (err: unknown) => err instanceof LiftbridgeError && err.code === ErrorCode.InvalidArgument,
    );
    assert.throws(
      () => subscribeMessages(ctx, 's', { partition: 'all', startPosition: 'OFFSET' }),
      (err: unknown) => err instanceof LiftbridgeError && err.code === ErrorCode.InvalidArgument,
    );
  });
});
