/**
 * The sender a bulk window publishes through: a real client's publisher
 * directly (registered by the client, see internal/senders.ts), or any
 * other implementation of the client interface (a test double) through its
 * public publishRequest: written once subscribed, settled by its outcome
 * (and its drain heard on its status$).
 */

import { filter } from 'rxjs';
import type { LiftbridgeClientApi } from '../client-api.js';
import { asLiftbridgeError } from '../errors.js';
import { senderOf } from '../internal/senders.js';
import type { RequestSender } from './bulk-window.js';

export function senderFor(
  client: Pick<LiftbridgeClientApi, 'publishRequest' | 'status$'>,
): RequestSender {
  const direct = senderOf(client);
  if (direct) return { sendRequest: direct.send, draining: direct.draining };
  return {
    // Another implementation tells of its drain on status$ (as the real client does too).
    draining: client.status$.pipe(filter((event) => event.type === 'draining')),
    sendRequest: (request, ackTimeout, sink) => {
      let written = false;
      let settled = false;
      const write = () => {
        if (written) return;
        written = true;
        sink.written?.();
      };
      const settle = (...outcome: Parameters<typeof sink.settled>) => {
        if (settled) return;
        settled = true;
        write();
        sink.settled(...outcome);
      };
      const subscription = client.publishRequest(request, ackTimeout).subscribe({
        next: (ack) => settle(ack, undefined),
        error: (err: unknown) => settle(undefined, asLiftbridgeError(err)),
        complete: () => settle(undefined, undefined),
      });
      write();
      return subscription;
    },
  };
}
