// The activity stream: cluster changes as typed events (the server needs activity.stream.enabled).

import { ErrorCode, isLiftbridgeError, LiftbridgeClient } from 'liftbridge-rx';
import { filter, lastValueFrom, map, takeWhile, toArray } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(client.createStream('audit-me', { partitions: 2 }));
await lastValueFrom(client.pauseStream('audit-me'));
await lastValueFrom(client.deleteStream('audit-me'));

try {
  const seen = await lastValueFrom(
    client.activity$({ startPosition: 'EARLIEST' }).pipe(
      filter((event) => 'stream' in event && event.stream === 'audit-me'),
      takeWhile((event) => event.type !== 'streamDeleted', true),
      map((event) => event.type),
      toArray(),
    ),
  );
  console.log(`activity: ${seen.join(', ')}`);
} catch (err) {
  if (!isLiftbridgeError(err, ErrorCode.NotFound)) throw err;
  console.log('activity: this server does not keep the activity stream');
}
