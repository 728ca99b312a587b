// Angular's dependency injection in Node: an injector provides a
// LiftbridgeClient and LiftbridgeStreamService; destroying it ends the live
// subscription and closes the client, and the process exits on its own.

import { StartPosition } from 'liftbridge-rx';
import { concatMap, from, lastValueFrom, map, type Subscription, take, toArray } from 'rxjs';
import { BROKERS } from '../../brokers.js';
import {
  createNodeInjector,
  LIFTBRIDGE_CLIENT,
  LiftbridgeStreamService,
  provideLiftbridge,
} from './liftbridge-stream.service.js';

const STREAM = `angular-${Date.now().toString(36)}`;
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

const injector = createNodeInjector([provideLiftbridge(BROKERS)]);
const streams = injector.get(LiftbridgeStreamService);
await lastValueFrom(injector.get(LIFTBRIDGE_CLIENT).createStream(STREAM));

await lastValueFrom(
  from(['alpha', 'beta', 'gamma']).pipe(concatMap((value) => streams.publish(STREAM, value))),
);
const stored = await lastValueFrom(
  streams.messages(STREAM).pipe(
    take(3),
    map((m) => `${m.offset}: ${text(m.value)}`),
    toArray(),
  ),
);
console.log(`read ${stored.join(', ')}`);

// A live subscription, as a component or a server route would hold one.
let live: Subscription | undefined;
const delivered = new Promise<void>((resolve) => {
  live = streams
    .messages(STREAM, { startPosition: StartPosition.OFFSET, startOffset: 3 })
    .subscribe({
      next: (m) => {
        console.log(`live: ${text(m.value)}`);
        resolve();
      },
      error: (err: unknown) => console.log(`live subscription failed: ${err}`),
      complete: () => console.log('live subscription completed'),
    });
});
await lastValueFrom(streams.publish(STREAM, 'delta'));
await delivered;

// Destroying the injector completes `live`, then closes the client: nothing
// keeps Node running after this line.
injector.destroy();
console.log(`injector destroyed; live subscription closed: ${live?.closed}`);
