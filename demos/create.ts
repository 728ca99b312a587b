// Create the stream "test" (subject "test", one partition) and wait for its leader.

import { ErrorCode, isLiftbridgeError, LiftbridgeClient } from 'liftbridge-rx';
import { catchError, EMPTY, lastValueFrom, throwError } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(
  client.createStream('test', { partitions: 1 }).pipe(
    catchError((err: unknown) => {
      if (!isLiftbridgeError(err, ErrorCode.StreamExists)) return throwError(() => err);
      console.log('stream test exists already');
      return EMPTY;
    }),
  ),
  { defaultValue: undefined },
);
console.log('stream test is ready');
