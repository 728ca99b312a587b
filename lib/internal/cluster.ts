/**
 * Connections, metadata and routing: the client's view of the cluster.
 * Holds one channel per broker address, the metadata Subject, and the two
 * routing disciplines: any-broker calls (move to another broker when one is
 * unreachable) and leader-bound calls (follow the partition leader).
 */
import {
  BehaviorSubject,
  catchError,
  defer,
  map,
  type Observable,
  of,
  Subject,
  switchMap,
  tap,
  throwError,
} from 'rxjs';
import { closedError, ErrorCode, isLiftbridgeError, LiftbridgeError } from '../errors.js';
import { type ClusterMetadata, leaderAddress, mergeMetadata } from '../metadata/metadata.js';
import type { ResolvedClientOptions } from '../options.js';
import { exponentialDelay, retryWithBackoff } from './backoff.js';
import { BrokerConnection, type ConnectionSettings } from './grpc/connection.js';

function retriable(err: unknown): boolean {
  return isLiftbridgeError(err) && err.retriable;
}

export class Cluster {
  private readonly connections = new Map<string, BrokerConnection>();
  private readonly metadataSubject = new BehaviorSubject<ClusterMetadata | undefined>(undefined);
  private readonly settings: ConnectionSettings;
  /** Emits once when the client closes. */
  readonly closing = new Subject<void>();
  private preferred: string | undefined;
  private rotation = 0;
  closed = false;

  constructor(readonly options: ResolvedClientOptions) {
    this.settings = {
      credentials: options.credentials,
      channelOptions: {
        'grpc.max_receive_message_length': options.maxMessageBytes,
        'grpc.max_send_message_length': options.maxMessageBytes,
        // Subscribe throughput is bound by HTTP/2 flow control before CPU.
        'grpc-node.flow_control_window': 1024 * 1024,
        // Liftbridge closes connections that ping more often than every 5 min.
        'grpc.keepalive_time_ms': 5 * 60_000 + 10_000,
      },
    };
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
      conn = new BrokerConnection(address, this.settings);
      this.connections.set(address, conn);
    }
    return conn;
  }

  /** Addresses to try for an any-broker call: the last one that answered, then the rest. */
  candidates(): string[] {
    const known = [...(this.metadata?.brokers.values() ?? [])].map((b) => b.address);
    const all = [...new Set([...known, ...this.options.brokers])];
    const start = this.rotation % all.length;
    const rotated = [...all.slice(start), ...all.slice(0, start)];
    return this.preferred && all.includes(this.preferred)
      ? [this.preferred, ...rotated.filter((a) => a !== this.preferred)]
      : rotated;
  }

  /**
   * Runs `call` against some broker; when a broker is unreachable (or the
   * cluster has no metadata leader yet), tries the next one, with backoff
   * once every broker has been tried, within `retryTimeout`.
   */
  anyBroker<T>(call: (conn: BrokerConnection, attempt: number) => Observable<T>): Observable<T> {
    return defer(() => {
      let attempt = 0;
      let list: string[] = [];
      return defer(() => {
        if (this.closed) return throwError(closedError);
        if (attempt % Math.max(1, list.length) === 0) list = this.candidates();
        const address = list[attempt % list.length] as string;
        attempt += 1;
        return call(this.connection(address), attempt).pipe(
          tap({ next: () => (this.preferred = address) }),
          tap({
            error: (err: unknown) => {
              if (isLiftbridgeError(err, ErrorCode.Unavailable) && this.preferred === address) {
                this.preferred = undefined;
                this.rotation += 1;
              }
            },
          }),
        );
      }).pipe(
        retryWithBackoff({
          shouldRetry: (err) => retriable(err) && !this.closed,
          deadlineMs: this.options.retryTimeout,
          delayMs: (n) =>
            n % Math.max(1, list.length) === 0 ? exponentialDelay(n / list.length) : 0,
        }),
      );
    });
  }

  /** FetchMetadata (all streams, or some) from any broker; updates the metadata Subject. */
  refreshMetadata(streams: readonly string[] = []): Observable<ClusterMetadata> {
    return this.anyBroker((conn) =>
      conn.unary(
        'FetchMetadata',
        { streams: [...streams] },
        { timeoutMs: this.options.requestTimeout },
      ),
    ).pipe(
      map((raw) => {
        const next = mergeMetadata(this.metadata, raw, streams);
        if (!this.closed) this.metadataSubject.next(next);
        return next;
      }),
    );
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
    const known = pick(this.metadata);
    if (known) return of(known);
    return this.refreshMetadata([stream]).pipe(
      map((md) => {
        const found = pick(md);
        if (found) return found;
        const info = md.streams.get(stream);
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
   * Runs `call` against a partition's leader; on not-leader, unavailable or
   * no leader, refreshes metadata and retries with backoff within
   * `retryTimeout`.
   */
  leaderBound<T>(
    stream: string,
    partition: number,
    call: (conn: BrokerConnection) => Observable<T>,
    {
      anyIsr = false,
      progressed,
      retryMissing,
    }: { anyIsr?: boolean; progressed?: () => boolean; retryMissing?: () => boolean } = {},
  ): Observable<T> {
    const attempt = defer(() => {
      if (this.closed) return throwError(closedError);
      return this.partitionAddress(stream, partition, anyIsr).pipe(
        // A partition known to exist that metadata has lost (a restarting
        // broker replaying its log) is waited for, not reported missing.
        catchError((err: unknown) => {
          if (!isLiftbridgeError(err, ErrorCode.NotFound) || !retryMissing?.())
            return throwError(() => err);
          const waiting = new LiftbridgeError(ErrorCode.Unavailable, `${err.message} (yet)`, {
            cause: err,
          });
          return throwError(() => waiting);
        }),
        switchMap((address) => call(this.connection(address))),
      );
    });
    return attempt.pipe(
      retryWithBackoff({
        shouldRetry: (err) => retriable(err) && !this.closed,
        deadlineMs: this.options.retryTimeout,
        beforeRetry: () => this.refreshMetadata([stream]),
        ...(progressed ? { progressed } : {}),
      }),
    );
  }

  /** Closes every channel and completes the metadata Subject. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing.next();
    this.closing.complete();
    for (const conn of this.connections.values()) conn.close();
    this.connections.clear();
    this.metadataSubject.complete();
  }
}
