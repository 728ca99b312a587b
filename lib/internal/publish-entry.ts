/**
 * One request on its way through the Publisher (its sink, how its sender
 * hears about it, is in publish-sink.ts).
 */
import type { Unsubscribable } from 'rxjs';
import { type PublishEvent, published } from '../diagnostics.js';
import type { PublishRequest } from '../publish-request.js';
import type { PublishDuplex } from './grpc/connection.js';
import type { NamedMark } from './named-ids.js';
import type { PublishSink } from './publish-sink.js';

/** One request, from send() until it is settled; unsubscribe() cancels it. */
export class Entry implements Unsubscribable {
  /** Encoded request; undefined while compressing, and once written. */
  wire: Buffer | undefined = undefined;
  /** A large value, written as it is right after `wire` (which ends with its tag and length). */
  valueApart: Uint8Array | undefined = undefined;
  writeOver = false;
  done = false;
  /** Its place among the ids callers named (see named-ids.ts); undefined for a generated id. */
  named: NamedMark | undefined = undefined;
  /** The stream it was written to, and how many responses that stream had given by then. */
  writtenTo: PublishDuplex | undefined = undefined;
  responsesBefore = 0;

  constructor(
    private readonly publisher: { forget(entry: Entry): void },
    readonly id: string,
    readonly request: PublishRequest,
    readonly sink: PublishSink,
    /** Reported on the diagnostics channels (undefined while nobody listens). */
    readonly event: PublishEvent | undefined,
  ) {}

  /** Afterwards the sink hears nothing more, the request is not written if it was not yet, and a late ack is ignored. */
  unsubscribe(): void {
    if (this.done) return;
    this.done = true;
    if (this.event) published(this.event, undefined, undefined, true);
    this.publisher.forget(this);
  }
}
