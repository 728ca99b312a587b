// Connection and routing events (status$), the connect timeout, and an AbortSignal.

import { ErrorCode, isLiftbridgeError, LiftbridgeClient } from 'liftbridge-rx';
import { lastValueFrom } from 'rxjs';
import { BROKERS } from './brokers.js';

const client = new LiftbridgeClient(BROKERS, { metadataRefreshInterval: 10_000 });
client.status$.subscribe((event) => {
  switch (event.type) {
    case 'connected':
      console.log(`connected to ${event.broker}`);
      break;
    case 'reconnecting':
      console.log(`${event.broker} stopped answering (${event.error.code}); trying others`);
      break;
    case 'leaderChanged':
      console.log(
        `${event.stream}/${event.partition}: leader ${event.previous} -> ${event.leader}`,
      );
      break;
    case 'metadataUpdated':
      console.log(`metadata: ${event.metadata.brokers.size} broker(s)`);
      break;
    case 'closed':
      console.log('client closed');
      break;
  }
});
await lastValueFrom(client.fetchMetadata());
await client.close();

// Seeds that nobody answers: a typed UNAVAILABLE after connectTimeout, never a hang.
const nowhere = new LiftbridgeClient(['127.0.0.1:1'], { connectTimeout: 500 });
try {
  await lastValueFrom(nowhere.fetchMetadata());
} catch (err) {
  if (isLiftbridgeError(err, ErrorCode.Unavailable)) console.log(`no broker: ${err.code}`);
}
await nowhere.close();

// An AbortSignal closes the client: whatever is pending ends with CLIENT_CLOSED.
const abort = new AbortController();
const waiting = new LiftbridgeClient(['127.0.0.1:1'], { signal: abort.signal });
setTimeout(() => abort.abort(), 100);
try {
  await lastValueFrom(waiting.fetchMetadata());
} catch (err) {
  if (isLiftbridgeError(err, ErrorCode.Closed)) console.log(`aborted: ${err.code}`);
}

// A logger (console, pino, Nest's Logger): connects, reconnects, leader moves, retries.
const logged = new LiftbridgeClient(BROKERS, { logger: console });
await lastValueFrom(logged.fetchMetadata());
await logged.close();
