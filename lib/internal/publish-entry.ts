/**
 * One request on its way through the Publisher, and how its sender hears
 * about it.
 */
import type { Unsubscribable } from 'rxjs';
import { type PublishEvent, published } from '../diagnostics.js';
import { asLiftbridgeError, type LiftbridgeError } from '../errors.js';
import type { Ack } from '../message.js';
import type { PublishRequest } from '../publish-request.js';
import type { PublishDuplex } from './grpc/connection.js';

/** How the sender of one request hears about it. */
export interface PublishSink {
  /** The write phase is over (written, or failed before writing). At most once, before settled. */
  written?(): void;
  /**
   * The outcome, exactly once unless cancelled: the Ack, or the error; both
   * undefined for AckPolicy NONE once written.
   */
  settled(ack: Ack | undefined, err: LiftbridgeError | undefined): void;
}

/** One request, from send() until it is settled; unsubscribe() cancels it. */
export class Entry implements Unsubscribable {
  /** Encoded request; undefined while compressing, and once written. */
  wire: Buffer | undefined = undefined;
  /** A large value, written as it is right after `wire` (which ends with its tag and length). */
  valueApart: Uint8Array | undefined = undefined;
  writeOver = false;
  done = false;
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

const NOTHING: Unsubscribable = { unsubscribe: () => {} };

/** Reports a request that failed before it could be sent (any error is made a LiftbridgeError). */
export function failSink(sink: PublishSink, err: unknown): Unsubscribable {
  sink.written?.();
  sink.settled(undefined, asLiftbridgeError(err));
  return NOTHING;
}
