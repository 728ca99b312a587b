/**
 * What every capability of a client works on: the cluster (connections,
 * metadata, routing), the publisher (the shared publish stream), the
 * partitioning state, the live consumer groups, and the lifecycle guard.
 * The facade (lib/client.ts) makes one per client and hands it to the
 * capability modules (lib/admin/, lib/publish/, lib/observables/).
 */
import { defer, firstValueFrom, type Observable, race, timer } from 'rxjs';
import { DrainState, guardOperation, type Lifecycle } from '../lifecycle.js';
import { type Partitioner, Partitioning } from '../partitioners.js';
import { Cluster } from './cluster.js';
import type { ClientConfig } from './config.js';
import { logStatus } from './log-status.js';
import { Publisher } from './publisher.js';

/** What the capabilities read besides the core's own config (the facade's resolved options fit it). */
export interface CoreOptions extends ClientConfig {
  /** Default ack wait of a publish (ms). */
  readonly ackTimeout: number;
  /** Aborting it closes the client. */
  readonly signal: AbortSignal | undefined;
  /** The client's default partitioner; undefined: partition 0 unless a request says. */
  readonly partitioner: Partitioner | undefined;
  /** Largest value a subscriber decompresses (bytes); larger ones arrive as stored. */
  readonly maxDecompressedBytes: number;
  /** How long drain() waits for live work by default (ms). */
  readonly drainTimeout: number;
}

export class ClientCore {
  readonly cluster: Cluster;
  readonly publisher: Publisher;
  readonly partitioning = new Partitioning();
  /** Pending goodbyes of consumer groups (checkpoint and leave) that close() waits for. */
  readonly goodbyes = new Set<{ group: string; work: Promise<void> }>();
  /** What close() calls first (live groups end, goodbyes stop waiting): see {@link onClosing}. */
  private readonly closers = new Set<() => void>();
  private shuttingDown = false;
  /** The drain signal and the count of live work drain waits for. */
  readonly drain = new DrainState();
  /** What the public operations are guarded by: the cluster's close, and the drain. */
  readonly lifecycle: Lifecycle;

  constructor(readonly options: CoreOptions) {
    const cluster = new Cluster(options);
    this.cluster = cluster;
    this.publisher = new Publisher(cluster, options);
    this.publisher.holdWhileBusy(this.drain);
    if (options.logger) logStatus(cluster.status, options.logger);
    const drain = this.drain;
    this.lifecycle = {
      get closed() {
        return cluster.closed;
      },
      closing: cluster.closing,
      draining: drain.draining,
      operations: drain,
    };
  }

  /**
   * Builds an operation now (so argument checks throw at the call site) and
   * returns it cold, failing with CLIENT_CLOSED if subscribed after close()
   * or once drain() started; drain waits for it while it runs.
   */
  guard<T>(build: () => Observable<T>): Observable<T> {
    return guardOperation(build, this.lifecycle);
  }

  /**
   * The guard of calls an operation makes on its own behalf (a consumer
   * group's checkpoints and partition subscriptions, a subscription's
   * cursor lookup): they end with the client, but are not refused while
   * it drains (the operation they serve is live, and counted).
   */
  guardInner<T>(build: () => Observable<T>): Observable<T> {
    return guardOperation(build, this.cluster);
  }

  /**
   * Calls `onClose` when close() starts (also when a drain's time is up; at
   * once if it has): a live consumer group ends with CLIENT_CLOSED, and a
   * group's goodbye stops waiting for handlers still running. Returns the
   * function that cancels the call.
   */
  onClosing(onClose: () => void): () => void {
    if (this.shuttingDown) {
      onClose();
      return () => {};
    }
    this.closers.add(onClose);
    return () => this.closers.delete(onClose);
  }

  /** Holds the drain open until `work` settles (a consumer group's last checkpoint and leave). */
  hold(work: Promise<unknown>): void {
    const leave = this.drain.enter();
    void work.then(leave, leave);
  }

  /**
   * Starts draining (new operations fail CLIENT_CLOSED; live ones that have
   * something to finish hear `draining`) and resolves once nothing is live,
   * `timeoutMs` has passed, or the client closed, whichever comes first.
   */
  async drained(timeoutMs: number): Promise<void> {
    if (this.drain.start()) this.cluster.report({ type: 'draining' });
    await firstValueFrom(
      race(this.drain.settled(), timer(timeoutMs, this.cluster.scheduler), this.cluster.closing),
      { defaultValue: undefined },
    );
  }

  /**
   * Ends the live consumer groups (handlers still running are given up),
   * waits (up to requestTimeout) for their goodbyes (checkpoint of what was
   * handled, and leave), then closes the publish stream and every connection.
   */
  async shutDown(): Promise<void> {
    this.shuttingDown = true;
    const closers = [...this.closers];
    this.closers.clear();
    for (const onClose of closers) onClose();
    if (this.goodbyes.size > 0) {
      const goodbyes = Promise.allSettled([...this.goodbyes].map((g) => g.work));
      await firstValueFrom(
        race(
          defer(() => goodbyes),
          timer(this.options.requestTimeout),
        ),
      );
    }
    this.publisher.close();
    this.cluster.close();
  }
}
