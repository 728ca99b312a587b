/**
 * LiftbridgeRecord: a payload with publish options (key, headers,
 * partition), for LiftbridgeClientProxy's emit() and send().
 */
import type { HeadersInit, Partitioner } from '../index.js';

/** Publish options a {@link LiftbridgeRecord} carries. */
export interface LiftbridgeRecordOptions {
  /** Message key. */
  key?: Uint8Array | string;
  /** Headers, added to those the proxy sets. */
  headers?: HeadersInit;
  /** Partition; default 0, or the partitioner's choice. */
  partition?: number;
  /** Chooses the partition when none is given (`'key'`, `'roundRobin'` or a function). */
  partitioner?: Partitioner;
  /** Ack policy: `'LEADER'` (default) or `'ALL'`; emit() always waits for the ack. */
  ackPolicy?: 'LEADER' | 'ALL';
}

/**
 * A payload and how to publish it, for emit() and send() of
 * {@link LiftbridgeClientProxy} (as Nest's own record builders do).
 *
 * @example
 * ```ts
 * proxy.emit('orders', new LiftbridgeRecord({ id: 7 }, { key: 'customer-3', partitioner: 'key' }));
 * ```
 */
export class LiftbridgeRecord<T = unknown> {
  constructor(
    /** The payload: bytes and strings go as they are, anything else as JSON. */
    readonly data: T,
    /** Publish options; see {@link LiftbridgeRecordOptions}. */
    readonly options: LiftbridgeRecordOptions = {},
  ) {}
}
