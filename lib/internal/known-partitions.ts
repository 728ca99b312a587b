/**
 * The one answer to "a broker says this partition is not there: is it gone,
 * or still loading?". A restarting broker answers NOT_FOUND (and a
 * single-node cluster's metadata lacks its streams) until it has replayed
 * its log, about 1.5 s on v1.9.0; a deleted stream answers NOT_FOUND for
 * good. A NOT_FOUND is believed at once unless
 * - metadata, refreshed once for it, still lists the partition, or
 * - this client has seen the partition (in metadata, or through an ack or
 *   a subscription) and lost a connected broker lately (a restart);
 * and even then only for {@link LOADING_WINDOW_MS} of NOT_FOUNDs in a row.
 * Streams this client deletes, and partitions found gone, are forgotten.
 */
import { ErrorCode, LiftbridgeError } from '../errors.js';
import type { ClusterMetadata } from '../metadata/metadata.js';

/** How long NOT_FOUNDs in a row may be taken for a partition still loading. */
export const LOADING_WINDOW_MS = 10_000;

/** How long after losing a connected broker a partition it had may be missing from metadata. */
export const RECENT_LOSS_MS = 60_000;

export class KnownPartitions {
  private readonly known = new Map<string, Set<number>>();
  /** First and latest NOT_FOUND of the current run, per "stream/partition". */
  private readonly missing = new Map<string, { first: number; last: number }>();
  private lastLoss: number | undefined;

  constructor(private readonly now: () => number) {}

  /** The partition exists (it acked, a subscription to it started). */
  saw(stream: string, partition: number): void {
    let partitions = this.known.get(stream);
    if (!partitions) {
      partitions = new Set();
      this.known.set(stream, partitions);
    }
    partitions.add(partition);
  }

  /** Every partition metadata lists exists. */
  sawMetadata(md: ClusterMetadata): void {
    for (const [stream, info] of md.streams) {
      for (const partition of info.partitions.keys()) this.saw(stream, partition);
    }
  }

  /** A broker this client was connected to stopped answering. */
  lostBroker(): void {
    this.lastLoss = this.now();
  }

  /** The stream was deleted (by this client, or found deleted). */
  forget(stream: string): void {
    this.known.delete(stream);
    for (const key of [...this.missing.keys()]) {
      if (key.slice(0, key.lastIndexOf('/')) === stream) this.missing.delete(key);
    }
  }

  /**
   * The error a NOT_FOUND for `stream/partition` stands for, given metadata
   * refreshed for it (undefined: none could be had): `notFound` itself,
   * final, or a retriable UNAVAILABLE while it may still be loading.
   */
  judge(
    stream: string,
    partition: number,
    notFound: LiftbridgeError,
    md: ClusterMetadata | undefined,
  ): LiftbridgeError {
    const now = this.now();
    const key = `${stream}/${partition}`;
    const listed = md?.streams.get(stream)?.partitions.has(partition) ?? false;
    const restarting =
      (this.known.get(stream)?.has(partition) ?? false) &&
      this.lastLoss !== undefined &&
      now - this.lastLoss <= RECENT_LOSS_MS;
    if (listed || restarting) {
      let run = this.missing.get(key);
      if (!run || now - run.last > LOADING_WINDOW_MS) run = { first: now, last: now };
      run.last = now;
      this.missing.set(key, run);
      if (now - run.first <= LOADING_WINDOW_MS) {
        const why = listed ? 'metadata still lists it' : 'a broker restarted';
        return new LiftbridgeError(
          ErrorCode.Unavailable,
          `${notFound.message} (${why}: it may still be loading)`,
          { cause: notFound, retriable: true },
        );
      }
    }
    this.missing.delete(key);
    if (!listed) this.known.get(stream)?.delete(partition);
    return notFound.retriable
      ? new LiftbridgeError(ErrorCode.NotFound, notFound.message, {
          cause: notFound,
          retriable: false,
        })
      : notFound;
  }
}
