// Publishing a source larger than memory: publishBulkFrom pulls the next
// request from a generator only while the window has room, so at most
// `concurrency` requests exist at once, however long the source.

import { LiftbridgeClient, publishBulkFrom } from 'liftbridge-rx';
import { lastValueFrom, reduce } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(client.createStream('lines', { waitForStream: true }));
let maxInFlight = 0;
function* requests() {
  for (let i = 0; i < 5000; i++) {
    maxInFlight = Math.max(maxInFlight, client.publishesInFlight);
    yield client.getPublishRequest(`line ${i}`, { stream: 'lines' });
  }
}
const acked = await lastValueFrom(
  publishBulkFrom(client, requests(), { concurrency: 64 }).pipe(reduce((n) => n + 1, 0)),
);
console.log(`acked ${acked} messages, never more than ${maxInFlight} in flight`);
await lastValueFrom(client.deleteStream('lines'), { defaultValue: undefined });
