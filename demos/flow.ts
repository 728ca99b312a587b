// Flow control: read a backlog at the handler's pace with bounded memory,
// by `for await` over client.messages(), or client.consume() in an Rx pipeline.

import { setTimeout as sleep } from 'node:timers/promises';
import { LiftbridgeClient, publishBulk, StartPosition, StopPosition } from 'liftbridge-rx';
import { lastValueFrom, map, range, toArray } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(client.createStream('readings'));
await lastValueFrom(
  range(0, 2000).pipe(
    map((i) => client.getPublishRequest(`reading ${i}`, { stream: 'readings' })),
    publishBulk(client),
    toArray(),
  ),
);
const save = (value: string) => sleep(1).then(() => value.length);

// Pulled by the loop: while it is 50 messages behind, the gRPC stream is
// paused (the server waits); `break` cancels the call.
let handled = 0;
for await (const msg of client.messages('readings', {
  startPosition: StartPosition.EARLIEST,
  highWaterMark: 50,
})) {
  await save(Buffer.from(msg.value).toString());
  handled += 1;
  if (handled === 200) break;
}
console.log(`messages: handled ${handled}, then break`);

// The Rx form owns the handler: at most `prefetch` messages received and
// not yet handled, `concurrency` handlers at a time.
let running = 0;
let most = 0;
const sizes = await lastValueFrom(
  client
    .consume(
      'readings',
      async (msg) => {
        most = Math.max(most, ++running);
        const size = await save(Buffer.from(msg.value).toString());
        running -= 1;
        return size;
      },
      {
        startPosition: StartPosition.EARLIEST,
        stopPosition: StopPosition.LATEST,
        prefetch: 100,
        concurrency: 4,
      },
    )
    .pipe(toArray()),
);
console.log(`consume: handled ${sizes.length}, at most ${most} at once`);
await lastValueFrom(client.deleteStream('readings'));
