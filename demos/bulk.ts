// The seed: build 10 requests, publish them in bulk, print the 10 acks.
// Sending and acknowledging are pipelined: at most `concurrency` unacked.

import { LiftbridgeClient, publishBulk } from 'liftbridge-rx';
import { lastValueFrom, map, range, tap } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(
  range(0, 10).pipe(
    map((i) => client.getPublishRequest(`msg${i}`, { stream: 'test', partition: 0 })),
    publishBulk(client, { concurrency: 256 }),
    tap((ack) => console.log(`ack: offset ${ack.offset} (${ack.correlationId})`)),
  ),
);
