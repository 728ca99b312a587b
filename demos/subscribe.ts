// Read every message stored in the partition, then stop (stop position LATEST).

import { LiftbridgeClient, StartPosition, StopPosition } from 'liftbridge-rx';
import { lastValueFrom, tap } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(
  client
    .subscribe('test', {
      partition: 0,
      startPosition: StartPosition.EARLIEST,
      stopPosition: StopPosition.LATEST,
    })
    .pipe(tap((msg) => console.log(`${msg.offset}: ${Buffer.from(msg.value).toString()}`))),
  { defaultValue: undefined },
);
