// The example pipeline of demos/testing/order-pipeline.ts against a real
// server: publish orders (retrying what may be retried), then handle them
// with batched cursor commits; a second run resumes after the cursor.
// demos/testing/order-pipeline.spec.ts marble-tests the same functions
// against liftbridge-rx/testing's fake client.

import { LiftbridgeClient, StopPosition } from 'liftbridge-rx';
import { from, lastValueFrom, of, toArray } from 'rxjs';
import { BROKERS } from './brokers.js';
import { handleOrders, publishOrders } from './testing/order-pipeline.js';

await using client = new LiftbridgeClient(BROKERS);
const stream = `orders-${Date.now()}`;
await lastValueFrom(client.createStream(stream));

const acks = await lastValueFrom(
  publishOrders(client, stream, from(['a:1', 'b:2', 'a:3', 'c:4', 'b:5'])).pipe(toArray()),
);
console.log(`pipeline: published ${acks.length} orders`);

const handled: string[] = [];
const commits = await lastValueFrom(
  handleOrders(
    client,
    stream,
    'order-handler',
    (m) => of(handled.push(Buffer.from(m.value).toString())),
    StopPosition.LATEST,
  ).pipe(toArray()),
);
console.log(`pipeline: handled ${handled.join(' ')}; commits at ${commits.join(', ')}`);

await lastValueFrom(publishOrders(client, stream, of('d:6')));
const again = await lastValueFrom(
  handleOrders(client, stream, 'order-handler', (m) => of(m), StopPosition.LATEST),
);
console.log(`pipeline: a second run resumed and committed ${again}`);
await lastValueFrom(client.deleteStream(stream));
