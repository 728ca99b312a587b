/**
 * What every capability of a client works on: the cluster (connections,
 * metadata, routing), the publisher (the shared publish stream), the
 * partitioning state, the live consumer groups, and the lifecycle guard.
 * The facade (lib/client.ts) makes one per client and hands it to the
 * capability modules (lib/admin/, lib/publish/, lib/observables/).
 */
import { defer, firstValueFrom, type Observable, race, timer } from 'rxjs';
import { guardOperation } from '../lifecycle.js';
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
}

export class ClientCore {
  readonly cluster: Cluster;
  readonly publisher: Publisher;
  readonly partitioning = new Partitioning();
  /** Live consumer groups (each ends itself when called) and their pending goodbyes. */
  readonly liveGroups = new Set<() => void>();
  readonly goodbyes = new Set<{ group: string; work: Promise<void> }>();

  constructor(readonly options: CoreOptions) {
    this.cluster = new Cluster(options);
    this.publisher = new Publisher(this.cluster, options);
    if (options.logger) logStatus(this.cluster.status, options.logger);
  }

  /**
   * Builds an operation now (so argument checks throw at the call site) and
   * returns it cold, failing with CLIENT_CLOSED if subscribed after close().
   */
  guard<T>(build: () => Observable<T>): Observable<T> {
    return guardOperation(build, this.cluster);
  }

  /**
   * Ends the live consumer groups, waits (up to requestTimeout) for their
   * goodbyes (checkpoint and leave), then closes the publish stream and
   * every connection.
   */
  async shutDown(): Promise<void> {
    for (const stop of [...this.liveGroups]) stop();
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
