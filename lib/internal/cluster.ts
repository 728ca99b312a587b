/**
 * Connections, metadata and routing: the client's view of the cluster.
 * Holds one channel per broker address, the metadata Subject, which brokers
 * answer and which do not (status$ reports the changes), and the two
 * routing disciplines: any-broker calls (move to another broker when one is
 * unreachable) and leader-bound calls (follow the partition leader).
 *
 * Dead brokers are found by connection state, call deadlines and metadata,
 * never by frequent keepalive pings (Liftbridge closes connections that ping
 * more often than every 5 minutes).
 */
import {
  asyncScheduler,
  BehaviorSubject,
  catchError,
  defer,
  finalize,
  type MonoTypeOperatorFunction,
  map,
  type Observable,
  of,
  type SchedulerAction,
  type SchedulerLike,
  Subject,
  type Subscription,
  share,
  switchMap,
  tap,
  throwError,
} from 'rxjs';
import { leaderMoved, retried } from '../diagnostics.js';
import { closedError, ErrorCode, isLiftbridgeError, LiftbridgeError } from '../errors.js';
import {
  type ClusterMetadata,
  type ConsumerGroupInfo,
  leaderAddress,
  type PartitionInfo,
} from '../metadata/metadata.js';
import { type ClientStatus, leaderChanges } from '../status.js';
import { exponentialDelay, retryWithBackoff } from './backoff.js';
import { orderBrokers } from './broker-selection.js';
import type { ClientConfig } from './config.js';
import type { FetchMetadataResponse__Decoded } from './grpc/api-shapes.js';
import { BrokerConnection, type ConnectionSettings, receiveLimit } from './grpc/connection.js';
import { mergeMetadata, toGroupInfo } from './grpc/convert.js';
import { KnownPartitions } from './known-partitions.js';
import { background } from './schedulers.js';

function retriable(err: unknown): boolean {
  return isLiftbridgeError(err) && err.retriable;
}

/** Errors that say the broker itself is not answering (not just this call). */
export function brokerDown(err: unknown): err is LiftbridgeError {
  return isLiftbridgeError(err, ErrorCode.Unavailable) || isLiftbridgeError(err, ErrorCode.Timeout);
}

export class Cluster {
  private readonly connections = new Map<string, BrokerConnection>();
  private readonly metadataSubject = new BehaviorSubject<ClusterMetadata | undefined>(undefined);
  private readonly statusSubject = new Subject<ClientStatus>();
  private readonly settings: ConnectionSettings;
  /** Emits once when the client closes. */
  readonly closing = new Subject<void>();
  private preferred: string | undefined;
  private rotation = 0;
  /** Brokers that answered last time they were tried, and those that did not. */
  private readonly up = new Set<string>();
  private readonly down = new Set<string>();
  /** Whether any broker ever answered (before that, connectTimeout bounds retries). */
  private everConnected = false;
  /** Smoothed round-trip times of calls, per address (for 'lowestLatency'). */
  private readonly latency = new Map<string, number>();
  private refreshTimer: Subscription | undefined;
  private backgroundRefresh: Subscription | undefined;
  /** The FetchMetadata in flight per requested stream set, shared by every caller. */
  private readonly refreshing = new Map<string, Observable<ClusterMetadata>>();
  closed = false;
  /** Which partitions exist, and whether a NOT_FOUND for one is believed (see missing()). */
  readonly partitions: KnownPartitions;

  /**
   * @param scheduler - the clock and timers of every retry, deadline and
   *   background refresh (virtual time in specs).
   * @param connect - makes the connection to a broker (a stub in specs).
   */
  constructor(
    readonly options: ClientConfig,
    readonly scheduler: SchedulerLike = asyncScheduler,
    private readonly connect: (address: string) => BrokerConnection = (address) =>
      new BrokerConnection(address, this.settings, scheduler, background(scheduler)),
  ) {
    this.partitions = new KnownPartitions(() => this.scheduler.now());
    this.settings = {
      credentials: options.credentials,
      transport: options.transport,
      http2Tls: options.http2Tls,
      maxReceiveBytes: receiveLimit(options.maxMessageBytes),
      requestTimeout: options.requestTimeout,
      channelOptions: {
        'grpc.max_receive_message_length': receiveLimit(options.maxMessageBytes),
        'grpc.max_send_message_length': options.maxMessageBytes,
        // Subscribe throughput is bound by HTTP/2 flow control before CPU.
        'grpc-node.flow_control_window': 1024 * 1024,
        // Liftbridge closes connections that ping more often than every 5 min.
        'grpc.keepalive_time_ms': 5 * 60_000 + 10_000,
        // A restarted broker is dialled again within seconds, not grpc-js's 2 minutes.
        'grpc.initial_reconnect_backoff_ms': 250,
        'grpc.max_reconnect_backoff_ms': 2_000,
      },
    };
  }

  /** Connection and routing events (hot); completes after 'closed'. */
  get status(): Observable<ClientStatus> {
    return this.statusSubject.asObservable();
  }

  /** Reports an event of another part of the client on status$. */
  report(event: ClientStatus): void {
    if (!this.closed) this.statusSubject.next(event);
  }

  /** A broker answered: reported once per transition. */
  private markUp(address: string): void {
    this.down.delete(address);
    if (this.up.has(address) || this.closed) return;
    this.up.add(address);
    if (!this.everConnected) {
      this.everConnected = true;
      this.startBackgroundRefresh();
    }
    this.statusSubject.next({ type: 'connected', broker: address });
  }

  /** A broker stopped answering: reported once per transition (if it had answered). */
  markDown(address: string, error: LiftbridgeError): void {
    if (this.closed || this.down.has(address)) return;
    this.down.add(address);
    if (this.preferred === address) {
      this.preferred = undefined;
      this.rotation += 1;
    }
    if (this.up.delete(address)) {
      this.partitions.lostBroker();
      this.statusSubject.next({ type: 'reconnecting', broker: address, error });
    }
  }

  /** The connection to `address`, once its channel is connected; marks the broker up or down. */
  reach(address: string): Observable<BrokerConnection> {
    return defer(() => {
      const conn = this.connection(address);
      const wait = Math.min(this.options.requestTimeout, this.options.connectTimeout);
      return conn.ready(wait).pipe(
        map(() => {
          this.markUp(address);
          return conn;
        }),
        catchError((err: unknown) => {
          if (brokerDown(err)) this.markDown(address, err);
          return throwError(() => err);
        }),
      );
    });
  }

  /** Runs `call` on a connected broker, noting whether the broker answered. */
  private callAt<T>(
    address: string,
    call: (conn: BrokerConnection) => Observable<T>,
  ): Observable<T> {
    return this.reach(address).pipe(
      switchMap((conn) => {
        const started = this.scheduler.now();
        let first = true;
        return call(conn).pipe(
          tap(() => {
            if (first) this.measured(address, this.scheduler.now() - started);
            first = false;
          }),
        );
      }),
      tap({
        error: (err: unknown) => {
          if (brokerDown(err)) this.markDown(address, err);
        },
      }),
    );
  }

  /**
   * Periodic metadata refresh. Its timer never keeps the process alive (an
   * idle client that was never closed lets Node exit): it runs on
   * background(scheduler), unref'd timers in real time (see schedulers.ts).
   */
  private startBackgroundRefresh(): void {
    const every = this.options.metadataRefreshInterval;
    if (every <= 0 || this.refreshTimer || this.closed) return;
    const tick = () => {
      if (this.backgroundRefresh && !this.backgroundRefresh.closed) return;
      this.backgroundRefresh = this.refreshMetadata().subscribe({ error: () => {} });
    };
    this.refreshTimer = background(this.scheduler).schedule(function (this: SchedulerAction<void>) {
      tick();
      this.schedule(undefined, every);
    }, every);
  }

  /** How long retries may go on: connectTimeout until a broker has answered, then retryTimeout. */
  retryBudget(): number {
    return this.everConnected ? this.options.retryTimeout : this.options.connectTimeout;
  }

  /** The error of a call that found no broker at all within connectTimeout. */
  private noBroker(err: unknown): unknown {
    if (this.everConnected || !brokerDown(err)) return err;
    return new LiftbridgeError(
      ErrorCode.Unavailable,
      `no broker answered within connectTimeout (${this.options.connectTimeout} ms); tried ${this.candidates().join(', ')}: ${err.message}`,
      { cause: err },
    );
  }

  /** Metadata snapshots; a private Subject, exposed read-only. */
  get metadataChanges(): Observable<ClusterMetadata | undefined> {
    return this.metadataSubject.asObservable();
  }

  get metadata(): ClusterMetadata | undefined {
    return this.metadataSubject.value;
  }

  connection(address: string): BrokerConnection {
    if (this.closed) throw closedError();
    let conn = this.connections.get(address);
    if (!conn) {
      conn = this.connect(address);
      this.connections.set(address, conn);
    }
    return conn;
  }

  /** Addresses to try for an any-broker call, in the order of the brokerSelection policy. */
  candidates(): string[] {
    const brokers = [...(this.metadata?.brokers.values() ?? [])];
    const all = [...new Set([...brokers.map((b) => b.address), ...this.options.brokers])];
    return orderBrokers(this.options.brokerSelection, all, {
      preferred: this.preferred,
      rotation: this.rotation,
      down: this.down,
      latency: this.latency,
      workload: (address) => {
        const broker = brokers.find((b) => b.address === address);
        return broker ? broker.partitionCount + broker.leaderCount : 0;
      },
      random: Math.random,
    });
  }

  /** Folds one measured round trip into the broker's smoothed latency. */
  private measured(address: string, ms: number): void {
    const old = this.latency.get(address);
    this.latency.set(address, old === undefined ? ms : old * 0.8 + ms * 0.2);
  }

  /**
   * Runs `call` against some broker; when a broker is unreachable (or the
   * cluster has no metadata leader yet), tries the next one, with backoff
   * once every broker has been tried, within `retryTimeout`.
   */
  anyBroker<T>(
    call: (conn: BrokerConnection, reachedBefore: boolean) => Observable<T>,
  ): Observable<T> {
    return defer(() => {
      let attempt = 0;
      let list: string[] = [];
      // Whether an earlier attempt's request may have reached a broker: it
      // was handed to a connected channel (one that failed to connect was not).
      let reached = false;
      return defer(() => {
        if (this.closed) return throwError(closedError);
        if (attempt % Math.max(1, list.length) === 0) list = this.candidates();
        const address = list[attempt % list.length] as string;
        attempt += 1;
        return this.callAt(address, (conn) => {
          const before = reached;
          reached = true;
          return call(conn, before);
        }).pipe(tap({ next: () => (this.preferred = address) }));
      }).pipe(
        retryWithBackoff({
          shouldRetry: (err) => retriable(err) && !this.closed,
          deadlineMs: () => this.retryBudget(),
          onDeadline: (err) => this.noBroker(err),
          delayMs: (n) =>
            n % Math.max(1, list.length) === 0 ? exponentialDelay(n / list.length) : 0,
          onRetry: (err, n, wait) => this.retrying('any-broker call', err, n, wait),
          scheduler: this.scheduler,
        }),
      );
    });
  }

  /**
   * FetchMetadata (all streams, or some) from any broker; updates the
   * metadata Subject. Callers asking for the same streams while one is in
   * flight share it: one request, one update, one answer for all of them.
   * A caller asking after it has answered gets a new one.
   */
  refreshMetadata(streams: readonly string[] = []): Observable<ClusterMetadata> {
    const key = JSON.stringify([...new Set(streams)].sort());
    return defer(() => {
      const inFlight = this.refreshing.get(key);
      if (inFlight) return inFlight;
      const drop = () => {
        if (this.refreshing.get(key) === shared) this.refreshing.delete(key);
      };
      const shared: Observable<ClusterMetadata> = this.fetchMetadata(streams, []).pipe(
        map((raw) => this.publish(raw, streams)),
        // Dropped once answered, before the callers hear it: one who asks
        // again from there gets a fresh request, not an ended one.
        tap({ next: drop, error: drop }),
        finalize(drop),
        share(),
      );
      this.refreshing.set(key, shared);
      return shared;
    });
  }

  /**
   * A consumer group's coordinator and epoch (undefined: no such group),
   * from a FetchMetadata of every stream that also refreshes metadata.
   */
  fetchGroup(groupId: string): Observable<ConsumerGroupInfo | undefined> {
    return this.fetchMetadata([], [groupId]).pipe(
      map((raw) => {
        this.publish(raw, []);
        return toGroupInfo(raw.groupMetadata.find((g) => g.groupId === groupId));
      }),
    );
  }

  private fetchMetadata(
    streams: readonly string[],
    groups: readonly string[],
  ): Observable<FetchMetadataResponse__Decoded> {
    return this.anyBroker((conn) =>
      conn.unary('FetchMetadata', { streams: [...streams], groups: [...groups] }),
    );
  }

  /** Folds a FetchMetadata response into the metadata Subject and reports what changed. */
  private publish(
    raw: FetchMetadataResponse__Decoded,
    streams: readonly string[],
  ): ClusterMetadata {
    const previous = this.metadata;
    const next = mergeMetadata(previous, raw, streams, this.scheduler.now());
    this.partitions.sawMetadata(next);
    if (!this.closed) {
      this.metadataSubject.next(next);
      this.statusSubject.next({ type: 'metadataUpdated', metadata: next });
      for (const change of leaderChanges(previous, next)) {
        leaderMoved(change);
        this.statusSubject.next(change);
      }
    }
    return next;
  }

  /**
   * The one "look it up in metadata, refresh if missing": what `pick` finds
   * in the current snapshot, or else in a refresh of `streams` (all streams
   * when empty); undefined when it finds nothing there either.
   */
  lookup<T>(
    streams: readonly string[],
    pick: (md: ClusterMetadata | undefined) => T | undefined,
  ): Observable<T | undefined> {
    return defer(() => {
      const known = pick(this.metadata);
      return known !== undefined ? of(known) : this.refreshMetadata(streams).pipe(map(pick));
    });
  }

  /** A partition's metadata (refreshed when unknown); undefined: metadata has no such partition. */
  findPartition(stream: string, partition: number): Observable<PartitionInfo | undefined> {
    return this.lookup([stream], (md) => md?.streams.get(stream)?.partitions.get(partition));
  }

  /**
   * Runs `call` once at the broker with id `brokerId` (a group coordinator),
   * looking its address up in metadata (refreshed when unknown). No retries:
   * UNAVAILABLE when the broker is unknown or unreachable.
   */
  atBroker<T>(brokerId: string, call: (conn: BrokerConnection) => Observable<T>): Observable<T> {
    return defer(() => {
      if (this.closed) return throwError(closedError);
      return this.lookup([], (md) => md?.brokers.get(brokerId)?.address).pipe(
        switchMap((address) => {
          if (address) return this.callAt(address, call);
          throw new LiftbridgeError(
            ErrorCode.Unavailable,
            `broker ${brokerId} is not in the cluster metadata`,
          );
        }),
      );
    });
  }

  /**
   * Address of the leader (or, with `anyIsr`, a random ISR member) of a
   * partition, from metadata, refreshed when unknown. Fails with NOT_FOUND
   * for an unknown stream or partition, UNAVAILABLE (retriable) while the
   * partition has no leader.
   */
  partitionAddress(stream: string, partition: number, anyIsr = false): Observable<string> {
    const pick = (md: ClusterMetadata | undefined): string | undefined => {
      if (!anyIsr) return leaderAddress(md, stream, partition);
      const isr = md?.streams.get(stream)?.partitions.get(partition)?.isr ?? [];
      const addresses = isr
        .map((id) => md?.brokers.get(id)?.address)
        .filter((a): a is string => !!a);
      return addresses[Math.floor(Math.random() * addresses.length)];
    };
    return this.lookup([stream], pick).pipe(
      map((found) => {
        if (found) return found;
        const info = this.metadata?.streams.get(stream);
        if (!info) throw new LiftbridgeError(ErrorCode.NotFound, `no stream "${stream}"`);
        if (!info.partitions.has(partition)) {
          throw new LiftbridgeError(
            ErrorCode.NotFound,
            `stream "${stream}" has no partition ${partition} (it has ${info.partitions.size})`,
          );
        }
        throw new LiftbridgeError(
          ErrorCode.Unavailable,
          `partition ${stream}/${partition} has no leader`,
        );
      }),
    );
  }

  /**
   * A broker said `stream/partition` is not there (or metadata lacks it):
   * refreshes metadata once and fails with what that stands for, NOT_FOUND
   * (final) or UNAVAILABLE (retriable) while it may still be loading (see
   * KnownPartitions).
   */
  missing(stream: string, partition: number, notFound: LiftbridgeError): Observable<never> {
    return this.refreshMetadata([stream]).pipe(
      map((md): ClusterMetadata | undefined => md),
      catchError(() => of(undefined)),
      switchMap((md) => throwError(() => this.partitions.judge(stream, partition, notFound, md))),
    );
  }

  /**
   * Runs `call` against a partition's leader; on not-leader, unavailable or
   * no leader, refreshes metadata and retries with backoff within
   * `retryTimeout`. NOT_FOUND (from metadata or from the call) goes through
   * {@link missing}: retried only while the partition may still be loading.
   */
  leaderBound<T>(
    stream: string,
    partition: number,
    call: (conn: BrokerConnection) => Observable<T>,
    { anyIsr = false, progressed }: { anyIsr?: boolean; progressed?: () => boolean } = {},
  ): Observable<T> {
    const attempt = defer(() => {
      if (this.closed) return throwError(closedError);
      return this.partitionAddress(stream, partition, anyIsr).pipe(
        switchMap((address) => this.callAt(address, call)),
        catchError((err: unknown) =>
          isLiftbridgeError(err, ErrorCode.NotFound) && !err.retriable
            ? this.missing(stream, partition, err)
            : throwError(() => err),
        ),
      );
    });
    return attempt.pipe(this.retryWithin(`call to ${stream}/${partition}`, [stream], progressed));
  }

  /**
   * Retries what fails retriably (not leader, unavailable, a partition
   * still loading after a restart as {@link missing} judges it) with
   * backoff within `retryTimeout`, metadata of `streams` refreshed before
   * each try; other errors, and the last one past the budget, go through.
   */
  retryWithin<T>(
    operation: string,
    streams: string[],
    progressed?: () => boolean,
  ): MonoTypeOperatorFunction<T> {
    return retryWithBackoff({
      shouldRetry: (err) => retriable(err) && !this.closed,
      deadlineMs: () => this.retryBudget(),
      onDeadline: (err) => this.noBroker(err),
      beforeRetry: () => this.refreshMetadata(streams),
      onRetry: (err, n, wait) => this.retrying(operation, err, n, wait),
      scheduler: this.scheduler,
      ...(progressed ? { progressed } : {}),
    });
  }

  /** A call is tried again: reported to the logger and the diagnostics channel. */
  private retrying(operation: string, err: unknown, attempt: number, delayMs: number): void {
    retried(operation, err, attempt, delayMs);
    const why = err instanceof Error ? err.message : String(err);
    this.options.logger?.debug(
      `retrying ${operation} in ${delayMs} ms (attempt ${attempt}): ${why}`,
    );
  }

  /** Closes every channel and completes the metadata Subject. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.refreshTimer?.unsubscribe();
    this.backgroundRefresh?.unsubscribe();
    this.closing.next();
    this.closing.complete();
    for (const conn of this.connections.values()) conn.close();
    this.connections.clear();
    this.metadataSubject.complete();
    this.statusSubject.next({ type: 'closed' });
    this.statusSubject.complete();
  }
}
