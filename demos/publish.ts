// Publish one message and wait for the server's ack.

import { LiftbridgeClient } from 'liftbridge-rx';
import { lastValueFrom } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
const ack = await lastValueFrom(client.publish('hello', { stream: 'test', partition: 0 }));
console.log(`acked: ${ack.stream}/${ack.partition} at offset ${ack.offset}`);
