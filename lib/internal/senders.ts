/**
 * How the bulk operators reach a real client's publisher directly (one
 * callback per request, no Observable), without a public method for it: the
 * client registers its sender here, keyed by the client object. Any other
 * implementation of the client's interface (a test double) is used through
 * its public publishRequest instead.
 */
import type { Observable, Unsubscribable } from 'rxjs';
import type { PublishRequest } from '../publish-request.js';
import type { PublishSink } from './publish-sink.js';

/** Sends now, reports through `sink`; unsubscribing the result cancels the request. */
export type SendRequest = (
  request: PublishRequest,
  ackTimeout: number | undefined,
  sink: PublishSink,
) => Unsubscribable;

/** A client's sender, and its drain signal (a bulk stops taking requests when it emits). */
export interface RegisteredSender {
  readonly send: SendRequest;
  readonly draining: Observable<unknown>;
}

const senders = new WeakMap<object, RegisteredSender>();

export function registerSender(
  client: object,
  send: SendRequest,
  draining: Observable<unknown>,
): void {
  senders.set(client, { send, draining });
}

export function senderOf(client: object): RegisteredSender | undefined {
  return senders.get(client);
}
