// Publish one message and wait for the server's ack.

import { LiftbridgeClient } from 'liftbridge-rx';
import { lastValueFrom } from 'rxjs';

const brokers = (process.env.LIFTBRIDGE_BROKERS ?? 'localhost:9292').split(',');
await using client = new LiftbridgeClient(brokers);
const ack = await lastValueFrom(client.publish('hello', { stream: 'test', partition: 0 }));
console.log(`acked: ${ack.stream}/${ack.partition} at offset ${ack.offset}`);
