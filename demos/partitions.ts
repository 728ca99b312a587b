// Partitioners: by key (as go-liftbridge's PartitionByKey), round-robin, or your own function.

import {
  LiftbridgeClient,
  type PartitionFunction,
  StartPosition,
  StopPosition,
} from 'liftbridge-rx';
import { concatMap, from, lastValueFrom, map, toArray } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(client.createStream('events', { partitions: 3 }));

// The same key always lands on the same partition: crc32(key) % partitions.
const placed = await lastValueFrom(
  from(['alice', 'bob', 'carol', 'alice', 'bob', 'carol']).pipe(
    concatMap((user) =>
      client.publish(`login ${user}`, { stream: 'events', key: user, partitioner: 'key' }),
    ),
    map((ack) => ack.partition),
    toArray(),
  ),
);
console.log(`by key: partitions ${placed.join(' ')}`);

// Round-robin spreads messages over every partition in turn (per stream, per client).
for (let i = 0; i < 3; i++) {
  const ack = await lastValueFrom(
    client.publish(`tick ${i}`, { stream: 'events', partitioner: 'roundRobin' }),
  );
  console.log(`round-robin: tick ${i} -> partition ${ack.partition}`);
}

// A custom function gets the stream's metadata: here, the last partition.
const last: PartitionFunction = (stream, _key, _value, metadata) =>
  (metadata.streams.get(stream)?.partitions.size ?? 1) - 1;
const ack = await lastValueFrom(client.publish('audit', { stream: 'events', partitioner: last }));
console.log(`custom: partition ${ack.partition}`);

// Read every partition at once, merged: each message carries its partition,
// and each partition stops at its own newest message (stop position LATEST).
const partitions = await lastValueFrom(
  client
    .subscribe('events', {
      partition: 'all',
      startPosition: StartPosition.EARLIEST,
      stopPosition: StopPosition.LATEST,
    })
    .pipe(
      map((msg) => msg.partition),
      toArray(),
    ),
);
const read = [...new Set(partitions)].sort().join(' ');
console.log(`all partitions: ${partitions.length} messages from partitions ${read}`);

await lastValueFrom(client.deleteStream('events'));
