/**
 * How the bulk operators reach a real client's publisher directly (one
 * callback per request, no Observable), without a public method for it: the
 * client registers its sender here, keyed by the client object. Any other
 * implementation of the client's interface (a test double) is used through
 * its public publishRequest instead.
 */
import type { Unsubscribable } from 'rxjs';
import type { PublishRequest } from '../publish-request.js';
import type { PublishSink } from './publisher.js';

/** Sends now, reports through `sink`; unsubscribing the result cancels the request. */
export type SendRequest = (
  request: PublishRequest,
  ackTimeout: number | undefined,
  sink: PublishSink,
) => Unsubscribable;

const senders = new WeakMap<object, SendRequest>();

export function registerSender(client: object, send: SendRequest): void {
  senders.set(client, send);
}

export function senderOf(client: object): SendRequest | undefined {
  return senders.get(client);
}
