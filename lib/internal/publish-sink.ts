/**
 * How the sender of one publish request hears how it ends (PublishSink),
 * and the report of a request refused before it was sent (failSink).
 */
import type { Unsubscribable } from 'rxjs';
import { refused } from '../diagnostics.js';
import { asLiftbridgeError, type LiftbridgeError } from '../errors.js';
import type { Ack } from '../message.js';
import type { PublishRequest } from '../publish-request.js';

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

const NOTHING: Unsubscribable = { unsubscribe: () => {} };

/** Reports a request that failed before it could be sent (any error is made a LiftbridgeError). */
export function failSink(sink: PublishSink, err: unknown, request: PublishRequest): Unsubscribable {
  const error = asLiftbridgeError(err);
  refused(request, error); // diagnostics: refused before it was sent
  sink.written?.();
  sink.settled(undefined, error);
  return NOTHING;
}
