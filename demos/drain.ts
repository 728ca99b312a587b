// Graceful shutdown: drain() takes no new work, lets what was accepted finish, then closes.

import { ErrorCode, isLiftbridgeError, LiftbridgeClient, StartPosition } from 'liftbridge-rx';
import { lastValueFrom } from 'rxjs';
import { BROKERS } from './brokers.js';

const stream = `drain-demo-${Date.now()}`;
const client = new LiftbridgeClient(BROKERS, { drainTimeout: 5_000 });
await lastValueFrom(client.createStream(stream));

// A live subscription: drain completes it (no CLIENT_CLOSED error).
client.subscribe(stream, { startPosition: StartPosition.EARLIEST }).subscribe({
  complete: () => console.log('subscription completed'),
});

// 100 publishes still awaiting their acks when the drain starts.
const acks = Array.from({ length: 100 }, (_, i) =>
  lastValueFrom(client.publish(`job ${i}`, { stream })),
);

// On SIGTERM, say: accepted publishes settle, consumer groups store their
// checkpoints, subscriptions complete; after 5 s (drainTimeout) the rest is closed.
await client.drain();
console.log(
  `drained: ${(await Promise.all(acks)).length} publishes acked, client closed: ${client.closed}`,
);

try {
  await lastValueFrom(client.publish('too late', { stream }));
} catch (err) {
  if (isLiftbridgeError(err, ErrorCode.Closed)) console.log(`after drain: ${err.code}`);
}

// Tidy up with a second client.
await using admin = new LiftbridgeClient(BROKERS);
await lastValueFrom(admin.deleteStream(stream));
