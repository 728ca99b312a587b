/**
 * The fake client's memory: its streams (one PartitionLog per partition),
 * its cursors, and the cluster metadata they make (one fake broker).
 */
import { asyncScheduler, BehaviorSubject } from 'rxjs';
import {
  type BrokerInfo,
  type ClusterMetadata,
  ErrorCode,
  LiftbridgeError,
  type PartitionInfo,
  type StreamInfo,
} from '../index.js';
import { noPartition, PartitionLog } from './partition-log.js';

/** The one broker of the fake cluster. */
export const FAKE_BROKER: BrokerInfo = {
  id: 'fake',
  host: '127.0.0.1',
  port: 9292,
  address: '127.0.0.1:9292',
  partitionCount: 0,
  leaderCount: 0,
};

const NEVER_HAPPENED = { first: 0n, latest: 0n };

/** The metadata of a partition log as it is now. */
function partitionInfo(log: PartitionLog): PartitionInfo {
  return {
    id: log.partition,
    leader: FAKE_BROKER.id,
    replicas: [FAKE_BROKER.id],
    isr: [FAKE_BROKER.id],
    highWatermark: log.newestOffset,
    newestOffset: log.newestOffset,
    paused: log.paused,
    readonly: log.readonly,
    messagesReceived: NEVER_HAPPENED,
    pauseChanged: NEVER_HAPPENED,
    readonlyChanged: NEVER_HAPPENED,
  };
}

const cursorKey = (stream: string, partition: number, cursorId: string) =>
  `${stream}\u0000${partition}\u0000${cursorId}`;

/** Streams, cursors and metadata of one fake client. */
export class FakeStore {
  private readonly logs = new Map<string, PartitionLog[]>();
  private readonly cursors = new Map<string, bigint>();
  /** The current metadata; `refresh()` publishes a new snapshot. */
  readonly metadata = new BehaviorSubject<ClusterMetadata>(this.snapshot());

  /** Whether a stream exists. */
  has(stream: string): boolean {
    return this.logs.has(stream);
  }

  /** Every partition of every stream. */
  allLogs(): PartitionLog[] {
    return [...this.logs.values()].flat();
  }

  addStream(name: string, partitions: number, subject: string): void {
    const logs: PartitionLog[] = [];
    for (let i = 0; i < partitions; i++)
      logs.push(new PartitionLog(name, i, i === 0 ? subject : `${subject}.${i}`));
    this.logs.set(name, logs);
    this.refresh();
  }

  /** Removes a stream; returns its partitions. NOT_FOUND when missing. */
  deleteStream(stream: string): PartitionLog[] {
    const logs = this.partitionsOf(stream);
    this.logs.delete(stream);
    return logs;
  }

  /** A stream's partitions; NOT_FOUND when there is no such stream. */
  partitionsOf(stream: string): PartitionLog[] {
    const logs = this.logs.get(stream);
    if (!logs) throw new LiftbridgeError(ErrorCode.NotFound, `no stream "${stream}" (fake client)`);
    return logs;
  }

  /** One partition; NOT_FOUND when there is no such stream or partition. */
  log(stream: string, partition: number): PartitionLog {
    const log = this.partitionsOf(stream)[partition];
    if (!log) throw noPartition(stream, partition);
    return log;
  }

  /** The partitions named (none named: all of them, as the server reads an empty list). */
  chosen(stream: string, partitions: readonly number[]): PartitionLog[] {
    const logs = this.partitionsOf(stream);
    return partitions.length === 0 ? logs : partitions.map((p) => this.log(stream, p));
  }

  /** A cursor's stored offset, -1n when there is none. */
  cursor(stream: string, partition: number, cursorId: string): bigint {
    return this.cursors.get(cursorKey(stream, partition, cursorId)) ?? -1n;
  }

  setCursor(stream: string, partition: number, cursorId: string, offset: bigint): void {
    this.cursors.set(cursorKey(stream, partition, cursorId), offset);
  }

  /** Publishes a new metadata snapshot. */
  refresh(): void {
    this.metadata.next(this.snapshot());
  }

  /** A partition's metadata as it is now (offsets included), as the server answers FetchPartitionMetadata. */
  partitionInfo(stream: string, partition: number): PartitionInfo | undefined {
    const log = this.logs.get(stream)?.find((l) => l.partition === partition);
    return log && partitionInfo(log);
  }

  private snapshot(): ClusterMetadata {
    const streams = new Map<string, StreamInfo>();
    for (const [name, logs] of this.logs) {
      const partitions = new Map<number, PartitionInfo>();
      for (const log of logs) partitions.set(log.partition, partitionInfo(log));
      streams.set(name, {
        name,
        subject: logs[0]?.subject ?? name,
        creationTimestamp: 0n,
        partitions,
      });
    }
    return {
      brokers: new Map([[FAKE_BROKER.id, FAKE_BROKER]]),
      streams,
      updatedAt: asyncScheduler.now(),
    };
  }
}
