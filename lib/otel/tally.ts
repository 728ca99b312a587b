/**
 * Per-message metric bookkeeping without a metrics SDK call per message:
 * one frozen attribute set per (stream, partition, operation, error type),
 * reused for every record of it, and message counts summed here and
 * reported by asynchronous counters when metrics are collected (the SDK
 * hashes the attributes of each synchronous record; that was the largest
 * cost of a traced message).
 */
import type { Attributes, ObservableResult } from '@opentelemetry/api';
import { ATTR, SYSTEM } from './semconv.js';

interface Entry {
  readonly attributes: Attributes;
  count: number;
}

export class Tally {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly operation: 'send' | 'process') {}

  /** The attribute set of a message of `stream`/`partition` (with `error.type` when it failed). */
  attributes(stream: string, partition: number, errorType?: string): Attributes {
    return this.entry(stream, partition, errorType).attributes;
  }

  /** Counts one message. */
  add(stream: string, partition: number, errorType?: string): void {
    this.entry(stream, partition, errorType).count += 1;
  }

  /** Reports every count (cumulative). */
  observe(result: ObservableResult): void {
    for (const e of this.entries.values()) result.observe(e.count, e.attributes);
  }

  private entry(stream: string, partition: number, errorType: string | undefined): Entry {
    const key =
      errorType === undefined
        ? `${partition}\u0000${stream}`
        : `${partition}\u0000${stream}\u0000${errorType}`;
    let e = this.entries.get(key);
    if (!e) {
      const attributes: Attributes = {
        [ATTR.system]: SYSTEM,
        [ATTR.destination]: stream,
        [ATTR.partition]: String(partition),
        [ATTR.operationName]: this.operation,
        [ATTR.operationType]: this.operation,
      };
      if (errorType !== undefined) attributes[ATTR.errorType] = errorType;
      e = { attributes: Object.freeze(attributes), count: 0 };
      this.entries.set(key, e);
    }
    return e;
  }
}
