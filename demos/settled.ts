// publishBulkSettled: one outcome per request, failures included, for
// long-running sources where waiting for the end to see failures is no option.

import { LiftbridgeClient, publishBulkSettled } from 'liftbridge-rx';
import { from, lastValueFrom, tap } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
const requests = [
  client.getPublishRequest('kept', { stream: 'test' }),
  client.getPublishRequest('refused', { stream: 'no-such-stream' }),
  client.getPublishRequest('kept too', { stream: 'test', ackPolicy: 'ALL' }),
];
await lastValueFrom(
  from(requests).pipe(
    publishBulkSettled(client),
    tap((outcome) => {
      if (outcome.type === 'error') console.log(`failed: ${outcome.error.code}`);
      else if (outcome.type === 'ack') console.log(`acked at offset ${outcome.ack.offset}`);
    }),
  ),
);
