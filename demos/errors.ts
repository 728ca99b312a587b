// Typed errors: every failure a caller can handle has a stable code.

import { ErrorCode, isLiftbridgeError, LiftbridgeClient, LiftbridgeError } from 'liftbridge-rx';
import { catchError, lastValueFrom, of } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);

// Bad input throws at the call site, before anything is sent.
try {
  client.publish('x', { stream: 'test', partition: -1 });
} catch (err) {
  if (err instanceof LiftbridgeError) console.log(`${err.code}: ${err.message}`);
}

// Server-side failures arrive as typed errors through the Observable.
const outcome = await lastValueFrom(
  client.publish('x', { stream: 'no-such-stream' }).pipe(
    catchError((err: unknown) => {
      if (isLiftbridgeError(err, ErrorCode.NotFound))
        return of(`not found (retriable: ${err.retriable})`);
      throw err;
    }),
  ),
);
console.log(outcome);
