/** A stream filled before a reader starts: the backlog the flow-control specs read slowly. */
import { lastValueFrom, map, range, toArray } from 'rxjs';
import { type LiftbridgeClient, publishBulk } from '../../lib/index.js';
import { uniqueName } from './server.js';

/** A new stream with `count` messages of `size` bytes in each of its `partitions` partitions. */
export async function backlog(
  client: LiftbridgeClient,
  prefix: string,
  count: number,
  { partitions = 1, size = 256 }: { partitions?: number; size?: number } = {},
): Promise<string> {
  const stream = uniqueName(prefix);
  await lastValueFrom(client.createStream(stream, { partitions }));
  const value = Buffer.alloc(size, 'x');
  await lastValueFrom(
    range(0, count * partitions).pipe(
      map((i) => client.getPublishRequest(value, { stream, partition: i % partitions })),
      publishBulk(client),
      toArray(),
    ),
  );
  return stream;
}
