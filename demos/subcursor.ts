// The seed: a restartable subscriber. Resume after the offset stored in the
// cursor, print each message, store its offset in the cursor once processed.
// Stops once caught up (stop position LATEST) so it can run in tests; run it
// twice and every message is printed exactly once across the runs.

import { LiftbridgeClient, StartPosition, StopPosition } from 'liftbridge-rx';
import { concatMap, lastValueFrom, map } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
const CURSOR_ID = 'test_cursor';
await lastValueFrom(
  client
    .subscribe('test', {
      partition: 0,
      startPosition: StartPosition.RESUME,
      cursorId: CURSOR_ID,
      stopPosition: StopPosition.LATEST,
    })
    .pipe(
      concatMap((msg) => {
        console.log(`${msg.offset}: ${Buffer.from(msg.value).toString()}`);
        return client.setCursor('test', 0, CURSOR_ID, msg.offset).pipe(map(() => msg));
      }),
    ),
  { defaultValue: undefined },
);
