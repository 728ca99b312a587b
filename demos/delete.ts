// Delete the stream "test".

import { LiftbridgeClient } from 'liftbridge-rx';
import { lastValueFrom } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(client.deleteStream('test'));
console.log('stream test deleted');
