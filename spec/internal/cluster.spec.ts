/**
 * The Cluster on its own: brokers stubbed through its connection factory,
 * time on a virtual clock. Candidate order, metadata lookups that refresh
 * when a partition is unknown, the NOT_FOUND judgement, and one
 * FetchMetadata shared by concurrent callers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { map, type Observable, of, Subscription, throwError, timer } from 'rxjs';
import { ErrorCode, LiftbridgeError } from '../../lib/errors.js';
import type { ClusterMetadata } from '../../lib/index.js';
import { Cluster } from '../../lib/internal/cluster.js';
import type { ClientConfig } from '../../lib/internal/config.js';
import type {
  FetchMetadataResponse,
  FetchMetadataResponse__Decoded,
} from '../../lib/internal/grpc/api-types.generated.js';
import { codec } from '../../lib/internal/grpc/codec.js';
import type { BrokerConnection } from '../../lib/internal/grpc/connection.js';
import { LOADING_WINDOW_MS } from '../../lib/internal/known-partitions.js';
import type { ClientStatus } from '../../lib/status.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const metadataCodec = codec<FetchMetadataResponse, FetchMetadataResponse__Decoded>(
  'FetchMetadataResponse',
);

const BROKERS = { b1: 'b1:1', b2: 'b2:2', b3: 'b3:3' } as const;
type BrokerId = keyof typeof BROKERS;

/** What the stub brokers know and do; every call is logged. */
interface Net {
  /** Addresses that refuse connections. */
  down: Set<string>;
  /** Streams, by the leader of each partition (undefined: no leader). */
  streams: Record<string, (BrokerId | undefined)[]>;
  /** How long FetchMetadata takes (virtual ms). */
  fetchDelayMs: number;
  fetches: Array<{ address: string; streams: string[] }>;
  /** Answers of other unary calls, by address (default: a retriable error). */
  calls: Array<{ address: string; method: string }>;
  answer: (address: string, method: string) => Observable<unknown>;
}

function rawMetadata(net: Net, streams: readonly string[]): FetchMetadataResponse__Decoded {
  const names = streams.length > 0 ? streams : Object.keys(net.streams);
  return metadataCodec.deserialize(
    metadataCodec.serialize({
      brokers: Object.entries(BROKERS).map(([id, address]) => ({
        id,
        host: address.split(':')[0] as string,
        port: Number(address.split(':')[1]),
      })),
      streamMetadata: names.map((name) => {
        const leaders = net.streams[name];
        if (!leaders) return { name, error: 1 }; // UNKNOWN_STREAM
        return {
          name,
          subject: name,
          partitions: Object.fromEntries(
            leaders.map((leader, id) => [
              String(id),
              {
                id,
                leader: leader ?? '',
                replicas: leader ? [leader] : [],
                isr: leader ? [leader] : [],
              },
            ]),
          ),
        };
      }),
    }),
  );
}

function setup(config: Partial<ClientConfig> = {}) {
  const clock = new VirtualClock();
  const net: Net = {
    down: new Set(),
    streams: { orders: ['b1', 'b2'] },
    fetchDelayMs: 0,
    fetches: [],
    calls: [],
    answer: () => of('ok'),
  };
  const connect = (address: string) =>
    ({
      ready: () =>
        net.down.has(address)
          ? throwError(() => new LiftbridgeError(ErrorCode.Unavailable, `${address}: refused`))
          : of(undefined),
      unary: (method: string, request: { streams?: string[] }) => {
        if (method !== 'FetchMetadata') {
          net.calls.push({ address, method });
          return net.answer(address, method);
        }
        const streams = [...(request.streams ?? [])];
        net.fetches.push({ address, streams });
        return timer(net.fetchDelayMs, clock).pipe(map(() => rawMetadata(net, streams)));
      },
      close: () => {},
    }) as unknown as BrokerConnection;
  const cluster = new Cluster(
    {
      brokers: Object.values(BROKERS),
      requestTimeout: 1_000,
      retryTimeout: 30_000,
      connectTimeout: 10_000,
      metadataRefreshInterval: 0,
      brokerSelection: 'sticky',
      compression: undefined,
      compressionThreshold: 0,
      encodingHeader: 'X-Msg-Encoding',
      maxMessageBytes: 1024 * 1024,
      credentials: undefined as unknown as ClientConfig['credentials'],
      transport: 'grpc-js',
      http2Tls: undefined,
      ...config,
    },
    clock,
    connect,
  );
  const status: ClientStatus[] = [];
  cluster.status.subscribe((event) => status.push(event));
  return { clock, net, cluster, status };
}

/** Subscribes and records the outcome (synchronously available once the clock has run). */
function outcome<T>(source: Observable<T>) {
  const got: { values: T[]; error?: unknown; done: boolean } = { values: [], done: false };
  source.subscribe({
    next: (v) => got.values.push(v),
    error: (err: unknown) => {
      got.error = err;
      got.done = true;
    },
    complete: () => {
      got.done = true;
    },
  });
  return got;
}

function codeOf(err: unknown): string | undefined {
  return err instanceof LiftbridgeError ? err.code : undefined;
}

const notFound = () => new LiftbridgeError(ErrorCode.NotFound, 'no such partition');

describe('Cluster', () => {
  it('cluster - candidates: seeds in order (sticky), the broker that answered first, brokers down last', () => {
    const { clock, net, cluster } = setup();
    assert.deepEqual(cluster.candidates(), ['b1:1', 'b2:2', 'b3:3']);
    net.down.add('b1:1');
    const got = outcome(cluster.anyBroker((conn) => conn.unary('FetchMetadata', { streams: [] })));
    clock.advance(0);
    assert.ok(got.done && got.error === undefined);
    // b1 refused (down, last); b2 answered (preferred, first).
    assert.deepEqual(
      net.fetches.map((f) => f.address),
      ['b2:2'],
    );
    assert.deepEqual(cluster.candidates(), ['b2:2', 'b3:3', 'b1:1']);
  });

  it("cluster - candidates: 'random' and 'lowestWorkload' still put brokers down last", () => {
    for (const brokerSelection of ['random', 'lowestWorkload', 'lowestLatency'] as const) {
      const { cluster } = setup({ brokerSelection });
      cluster.markDown('b2:2', new LiftbridgeError(ErrorCode.Unavailable, 'gone'));
      for (let i = 0; i < 20; i++) {
        const order = cluster.candidates();
        assert.equal(order.length, 3);
        assert.equal(order[2], 'b2:2', `${brokerSelection}: ${order.join(' ')}`);
      }
    }
  });

  it('cluster - partitionAddress: refreshes the metadata of an unknown stream once, then answers from it', () => {
    const { clock, net, cluster } = setup();
    const first = outcome(cluster.partitionAddress('orders', 1));
    clock.advance(0);
    assert.deepEqual(first.values, ['b2:2']);
    assert.deepEqual(net.fetches, [{ address: 'b1:1', streams: ['orders'] }]);
    const second = outcome(cluster.partitionAddress('orders', 0));
    assert.deepEqual(second.values, ['b1:1']); // from metadata, at once
    assert.equal(net.fetches.length, 1);
  });

  it('cluster - partitionAddress: NOT_FOUND for an unknown stream or partition, UNAVAILABLE while leaderless', () => {
    const { clock, net, cluster } = setup();
    net.streams.leaderless = [undefined];
    const noStream = outcome(cluster.partitionAddress('nope', 0));
    const noPartition = outcome(cluster.partitionAddress('orders', 7));
    const noLeader = outcome(cluster.partitionAddress('leaderless', 0));
    clock.advance(0);
    assert.equal(codeOf(noStream.error), ErrorCode.NotFound);
    assert.equal(codeOf(noPartition.error), ErrorCode.NotFound);
    assert.match(String(noPartition.error), /has no partition 7 \(it has 2\)/);
    assert.equal(codeOf(noLeader.error), ErrorCode.Unavailable);
    assert.equal((noLeader.error as LiftbridgeError).retriable, true);
  });

  it('cluster - leaderBound: follows the leader after a retriable failure, refreshing metadata (virtual time)', () => {
    const { clock, net, cluster } = setup();
    net.answer = (address) =>
      address === 'b1:1'
        ? throwError(() => new LiftbridgeError(ErrorCode.NotLeader, 'not the leader'))
        : of(`answered by ${address}`);
    const got = outcome(
      cluster.leaderBound(
        'orders',
        0,
        (conn) => conn.unary('FetchCursor', {}) as unknown as Observable<string>,
      ),
    );
    clock.advance(0);
    assert.deepEqual(net.calls, [{ address: 'b1:1', method: 'FetchCursor' }]);
    net.streams.orders = ['b2', 'b2']; // the leader moved
    clock.advance(2_000);
    assert.deepEqual(got.values, ['answered by b2:2']);
    assert.equal(got.error, undefined);
    assert.deepEqual(
      net.calls.map((c) => c.address),
      ['b1:1', 'b2:2'],
    );
    assert.ok(net.fetches.length >= 2, 'metadata refreshed before the retry');
  });

  it('cluster - missing: a partition metadata still lists is UNAVAILABLE (retriable) within the loading window, then NOT_FOUND', () => {
    const { clock, cluster } = setup();
    const first = outcome(cluster.missing('orders', 0, notFound()));
    clock.advance(0);
    assert.equal(codeOf(first.error), ErrorCode.Unavailable);
    assert.equal((first.error as LiftbridgeError).retriable, true);
    assert.match(String(first.error), /metadata still lists it/);
    clock.advance(LOADING_WINDOW_MS);
    const stillLoading = outcome(cluster.missing('orders', 0, notFound()));
    clock.advance(0);
    assert.equal(codeOf(stillLoading.error), ErrorCode.Unavailable);
    clock.advance(1);
    const last = outcome(cluster.missing('orders', 0, notFound()));
    clock.advance(0);
    assert.equal(codeOf(last.error), ErrorCode.NotFound);
    assert.equal((last.error as LiftbridgeError).retriable, false);
  });

  it('cluster - missing: a partition metadata does not list is NOT_FOUND at once when no broker was lost', () => {
    const { clock, cluster } = setup();
    cluster.partitions.saw('gone', 0);
    const got = outcome(cluster.missing('gone', 0, notFound()));
    clock.advance(0);
    assert.equal(codeOf(got.error), ErrorCode.NotFound);
  });

  it('cluster - missing: a partition seen before is retried when a connected broker was lost lately', () => {
    const { clock, net, cluster, status } = setup();
    cluster.partitions.saw('gone', 0);
    outcome(cluster.reach('b1:1')); // connected
    clock.advance(0);
    cluster.markDown('b1:1', new LiftbridgeError(ErrorCode.Unavailable, 'restarting'));
    assert.ok(status.some((s) => s.type === 'reconnecting'));
    net.streams = {}; // a restarting single node lists nothing yet
    const got = outcome(cluster.missing('gone', 0, notFound()));
    clock.advance(0);
    assert.equal(codeOf(got.error), ErrorCode.Unavailable);
    assert.match(String(got.error), /a broker restarted/);
    const never = outcome(cluster.missing('never-seen', 0, notFound()));
    clock.advance(0);
    assert.equal(codeOf(never.error), ErrorCode.NotFound);
  });

  it('cluster - leaderBound: a NOT_FOUND from the leader is retried while metadata lists the partition, then final', () => {
    const { clock, net, cluster } = setup();
    net.answer = () => throwError(() => new LiftbridgeError(ErrorCode.NotFound, 'no partition'));
    const got = outcome(cluster.leaderBound('orders', 0, (conn) => conn.unary('FetchCursor', {})));
    clock.advance(LOADING_WINDOW_MS - 1_500);
    assert.equal(got.done, false);
    assert.ok(net.calls.length > 3, `calls: ${net.calls.length}`);
    clock.advance(3_000);
    assert.equal(codeOf(got.error), ErrorCode.NotFound);
  });

  it('cluster - refreshMetadata: concurrent callers for the same streams share one FetchMetadata', () => {
    const { clock, net, cluster, status } = setup();
    net.fetchDelayMs = 100;
    const waiters = Array.from({ length: 5 }, () => outcome(cluster.refreshMetadata(['orders'])));
    const lookups = Array.from({ length: 3 }, () => outcome(cluster.partitionAddress('orders', 1)));
    const other = outcome(cluster.refreshMetadata(['invoices']));
    const all = outcome(cluster.refreshMetadata());
    clock.advance(50);
    assert.deepEqual(
      net.fetches.map((f) => f.streams),
      [['orders'], ['invoices'], []],
    );
    clock.advance(50);
    const first = waiters[0]?.values[0];
    assert.ok(first);
    for (const w of waiters) {
      assert.equal(w.values.length, 1);
      assert.equal(w.values[0], first);
    }
    for (const l of lookups) assert.deepEqual(l.values, ['b2:2']);
    assert.ok(other.done && all.done);
    assert.equal(status.filter((s) => s.type === 'metadataUpdated').length, 3);
    // Answered: the next caller gets a new request.
    outcome(cluster.refreshMetadata(['orders']));
    clock.advance(100);
    assert.equal(net.fetches.filter((f) => f.streams[0] === 'orders').length, 2);
  });

  it('cluster - refreshMetadata: a caller asking again as the answer arrives gets a fresh request', () => {
    const { clock, net, cluster } = setup();
    net.fetchDelayMs = 100;
    let again: { values: ClusterMetadata[]; done: boolean } | undefined;
    cluster.refreshMetadata(['orders']).subscribe(() => {
      again = outcome(cluster.refreshMetadata(['orders']));
    });
    clock.advance(100);
    assert.equal(net.fetches.length, 2);
    clock.advance(100);
    assert.equal(again?.values.length, 1);
  });

  it('cluster - refreshMetadata: a shared request is cancelled only when its last caller leaves', () => {
    const { clock, net, cluster } = setup();
    net.fetchDelayMs = 100;
    const subs = new Subscription();
    subs.add(cluster.refreshMetadata(['orders']).subscribe());
    const stays = outcome(cluster.refreshMetadata(['orders']));
    subs.unsubscribe();
    clock.advance(100);
    assert.equal(stays.values.length, 1);
    assert.equal(net.fetches.length, 1);
  });

  it('cluster - background refresh runs on the injected scheduler once a broker answered, and stops on close', () => {
    const { clock, net, cluster } = setup({ metadataRefreshInterval: 1_000 });
    clock.advance(5_000);
    assert.equal(net.fetches.length, 0); // nothing connected yet
    outcome(cluster.refreshMetadata());
    clock.advance(0);
    assert.equal(net.fetches.length, 1);
    clock.advance(3_000);
    assert.equal(net.fetches.length, 4);
    cluster.close();
    clock.advance(5_000);
    assert.equal(net.fetches.length, 4);
  });
});
