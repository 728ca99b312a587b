/**
 * Consumer-group membership, the protocol half: join, then ask the
 * coordinator for this member's partitions at the server's pace (which is
 * also the heartbeat that keeps the member in the group), follow epoch
 * changes and coordinator moves, report a coordinator that stopped
 * answering, rejoin when the group forgot this member, and leave.
 *
 * What to do with the partitions is the caller's business (see
 * observables/consumer-group.ts).
 */
import {
  asyncScheduler,
  firstValueFrom,
  Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { ErrorCode, isLiftbridgeError, LiftbridgeError } from '../errors.js';
import type { ConsumerGroupInfo } from '../metadata/metadata.js';
import { RetryDeadline } from './backoff.js';
import type { Cluster } from './cluster.js';
import { fromInt64, toInt64 } from './grpc/codec.js';

/** One stream partition. */
export interface GroupPartition {
  readonly stream: string;
  readonly partition: number;
}

/** What the coordinator assigned to this member, at an epoch. */
export interface GroupAssignment {
  readonly epoch: bigint;
  /** Sorted by stream, then partition. */
  readonly partitions: readonly GroupPartition[];
}

export interface GroupMemberSettings {
  groupId: string;
  consumerId: string;
  streams: readonly string[];
  /** Milliseconds between assignment fetches, from the server's consumer timeout (ms). */
  fetchInterval(consumerTimeoutMs: number): number;
}

/** The calls a member makes (Cluster, or a stub in specs). */
export type GroupCalls = Pick<Cluster, 'anyBroker' | 'atBroker' | 'fetchGroup' | 'closed'> & {
  readonly options: { readonly requestTimeout: number };
  /** The cluster's clock and timers (asyncScheduler when absent). */
  readonly scheduler?: SchedulerLike;
};

/** Pause between attempts while the coordinator does not answer. */
const RETRY_PAUSE_MS = 500;

const NANOS_PER_MS = 1_000_000n;

/** Fetch failures worth asking metadata about (besides retriable ones). */
const RECOVERABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.GroupFenced,
  ErrorCode.Unknown,
  ErrorCode.Internal,
]);

class Stopped extends Error {}

/** Resolves with the first value of `source`; unsubscribes (rejecting) when `signal` aborts. */
function call<T>(source: Observable<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new Stopped());
    let sub: Subscription | undefined;
    const onAbort = () => {
      sub?.unsubscribe();
      reject(new Stopped());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    let settled = false;
    sub = source.subscribe({
      next: (value) => {
        if (settled) return;
        settled = true;
        done();
        resolve(value);
        sub?.unsubscribe();
      },
      error: (err: unknown) => {
        done();
        reject(err);
      },
      complete: () => {
        done();
        if (!settled) reject(new LiftbridgeError(ErrorCode.Unknown, 'no response'));
      },
    });
  });
}

export class GroupMember {
  private coordinator = '';
  private epoch = 0n;
  private consumerTimeoutMs = 15_000;
  private coordinatorTimeoutMs = 15_000;
  /** Time since the coordinator last answered (join, fetch), against its timeout. */
  private readonly contact: RetryDeadline;
  private wake: (() => void) | undefined;
  private poked = false;
  private joined = false;

  /** @param scheduler - the clock and timers of the fetch loop; default the cluster's. */
  constructor(
    private readonly cluster: GroupCalls,
    private readonly settings: GroupMemberSettings,
    private readonly scheduler: SchedulerLike = cluster.scheduler ?? asyncScheduler,
  ) {
    this.contact = new RetryDeadline(scheduler, () => this.coordinatorTimeoutMs);
  }

  /**
   * Joins, then emits every assignment the coordinator gives (each fetch,
   * changed or not). Unsubscribing stops polling; it does not leave (see
   * leave()). Errors only with what retrying cannot fix (a stream that does
   * not exist, permission denied, a closed client).
   */
  assignments(): Observable<GroupAssignment> {
    return new Observable<GroupAssignment>((subscriber) => {
      const stop = new AbortController();
      this.run(stop.signal, (assignment) => subscriber.next(assignment)).then(
        () => subscriber.complete(),
        (err: unknown) => {
          if (!(err instanceof Stopped)) subscriber.error(err);
        },
      );
      return () => {
        stop.abort();
        this.wake?.();
      };
    });
  }

  /** Ask the coordinator now instead of at the next interval (a subscription was fenced). */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** Leaves the group (once joined). Resolves when the server confirmed, or the attempt failed. */
  async leave(): Promise<void> {
    if (!this.joined || this.cluster.closed) return;
    this.joined = false;
    const { groupId, consumerId } = this.settings;
    const request = this.cluster.anyBroker((conn) =>
      conn.unary('LeaveConsumerGroup', { groupId, consumerId }),
    );
    await firstValueFrom(request).catch(() => undefined);
  }

  private async run(
    signal: AbortSignal,
    emit: (assignment: GroupAssignment) => void,
  ): Promise<void> {
    await this.join(signal);
    for (;;) {
      if (signal.aborted) throw new Stopped();
      let pause = this.settings.fetchInterval(this.consumerTimeoutMs);
      try {
        emit(await this.fetchAssignments(signal));
      } catch (err) {
        if (err instanceof Stopped || this.cluster.closed) throw err;
        pause = await this.recover(err, signal);
      }
      await this.sleep(pause, signal);
    }
  }

  private async join(signal: AbortSignal): Promise<void> {
    const { groupId, consumerId, streams } = this.settings;
    try {
      const res = await call(
        this.cluster.anyBroker((conn) =>
          conn.unary('JoinConsumerGroup', { groupId, consumerId, streams: [...streams] }),
        ),
        signal,
      );
      this.coordinator = res.coordinator;
      this.epoch = fromInt64(res.epoch);
      this.consumerTimeoutMs = Number(fromInt64(res.consumerTimeout) / NANOS_PER_MS);
      this.coordinatorTimeoutMs = Number(fromInt64(res.coordinatorTimeout) / NANOS_PER_MS);
    } catch (err) {
      // The same consumer id is still a member (a restart within the
      // consumer timeout): carry on as that member.
      if (!isLiftbridgeError(err, ErrorCode.GroupFenced) || !/already a member/i.test(err.message))
        throw err;
      const group = await call(this.cluster.fetchGroup(groupId), signal);
      if (!group) throw err;
      this.adopt(group);
    }
    this.joined = true;
    this.contact.restart();
  }

  private async fetchAssignments(signal: AbortSignal): Promise<GroupAssignment> {
    const { groupId, consumerId } = this.settings;
    const res = await call(
      this.cluster.atBroker(this.coordinator, (conn) =>
        conn.unary('FetchConsumerGroupAssignments', {
          groupId,
          consumerId,
          epoch: toInt64(this.epoch),
        }),
      ),
      signal,
    );
    this.contact.restart();
    const partitions = res.assignments
      .flatMap((a) => a.partitions.map((partition) => ({ stream: a.stream, partition })))
      .sort((a, b) =>
        a.stream === b.stream ? a.partition - b.partition : a.stream < b.stream ? -1 : 1,
      );
    return { epoch: fromInt64(res.epoch), partitions };
  }

  /** Handles a failed fetch; returns how long to wait before the next one. */
  private async recover(err: unknown, signal: AbortSignal): Promise<number> {
    // The group forgot us (we were too slow, or it was emptied and deleted): join again.
    if (
      isLiftbridgeError(err, ErrorCode.NotFound) ||
      (isLiftbridgeError(err, ErrorCode.GroupFenced) && /not a member/i.test(err.message))
    ) {
      await this.join(signal);
      return 0;
    }
    const recoverable = isLiftbridgeError(err) && (err.retriable || RECOVERABLE.has(err.code));
    if (!recoverable) throw err;
    // Epoch moved on, the coordinator moved, or it does not answer: ask metadata.
    const group = await call(this.cluster.fetchGroup(this.settings.groupId), signal).catch(
      (e: unknown) => {
        if (e instanceof Stopped) throw e;
        return undefined;
      },
    );
    if (group && (group.coordinator !== this.coordinator || group.epoch !== this.epoch)) {
      this.adopt(group);
      return 0;
    }
    if (this.contact.passed()) await this.report(signal);
    return RETRY_PAUSE_MS;
  }

  private adopt(group: ConsumerGroupInfo): void {
    this.coordinator = group.coordinator;
    this.epoch = group.epoch;
  }

  /** Tells the cluster the coordinator is not answering (a majority of members elects another). */
  private async report(signal: AbortSignal): Promise<void> {
    const { groupId, consumerId } = this.settings;
    const request = this.cluster.anyBroker((conn) =>
      conn.unary('ReportConsumerGroupCoordinator', {
        groupId,
        consumerId,
        coordinator: this.coordinator,
        epoch: toInt64(this.epoch),
      }),
    );
    await call(request, signal).catch((e: unknown) => {
      if (e instanceof Stopped) throw e;
    });
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0 || this.poked || signal.aborted) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let timer: Subscription | undefined;
      const done = () => {
        timer?.unsubscribe();
        this.wake = undefined;
        resolve();
      };
      this.wake = () => {
        this.wake = undefined;
        this.poked = false;
        done();
      };
      timer = this.scheduler.schedule(done, ms);
    });
  }
}
