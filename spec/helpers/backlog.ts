/** The flow-control specs' backlog (a stream filled before a reader starts) and what they observe of it. */
import { lastValueFrom, map, range, toArray } from 'rxjs';
import { type LiftbridgeClient, publishBulk } from '../../lib/index.js';
import { type Credit, flowProbe } from '../../lib/observables/flow-control.js';
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

/** The value size of the flow-control specs' backlogs. */
export const SIZE = 256;

/** A Subscribe call's receive window (raw-call.ts) and a readable buffer, in messages of SIZE bytes. */
export const WINDOW_MESSAGES = Math.ceil((1024 * 1024 + 64 * 1024) / SIZE);

/** Collects the credit counter of every flow-controlled read started until `stop()`. */
export function captureCredits(): { credits: Credit[]; stop: () => void } {
  const credits: Credit[] = [];
  flowProbe.created = (c) => credits.push(c);
  return { credits, stop: () => (flowProbe.created = undefined) };
}
