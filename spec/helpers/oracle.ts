/**
 * Helpers of the failure specs: the oracle (what a fresh subscriber reads
 * from EARLIEST), leaders from metadata, publishing that retries what is
 * worth retrying, and polling.
 */
import {
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  type Observable,
  retry,
  switchMap,
  take,
  timeout,
  timer,
  toArray,
} from 'rxjs';
import { AckPolicy, isLiftbridgeError, LiftbridgeClient, type Message } from '../../lib/index.js';

export const text = (m: Message): string => Buffer.from(m.value).toString();

/** Every message of a partition, from EARLIEST up to LATEST. */
export function readPartition(
  client: LiftbridgeClient,
  stream: string,
  partition = 0,
): Promise<Message[]> {
  return lastValueFrom(
    client
      .subscribe(stream, { partition, startPosition: 'EARLIEST', stopPosition: 'LATEST' })
      .pipe(toArray()),
  );
}

/**
 * A partition read again every 100 ms until it holds at least `count`
 * messages (stores that follow an ack or an error by a moment), or `ms` pass.
 */
export async function readAtLeast(
  client: LiftbridgeClient,
  stream: string,
  count: number,
  ms = 5_000,
): Promise<Message[]> {
  const until = Date.now() + ms;
  let read = await readPartition(client, stream);
  while (read.length < count && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    read = await readPartition(client, stream);
  }
  return read;
}

/** Every message of partition 0, read by a fresh client. */
export async function readAll(brokers: string[], stream: string): Promise<Message[]> {
  const reader = new LiftbridgeClient(brokers, { retryTimeout: 60_000, requestTimeout: 5_000 });
  try {
    return await readPartition(reader, stream);
  } finally {
    await reader.close();
  }
}

/** Broker id of the partition 0 leader once there is one (fresh metadata, polled). */
export function leaderOf(client: LiftbridgeClient, stream: string, not?: string): Promise<string> {
  return firstValueFrom(
    timer(0, 250).pipe(
      switchMap(() => client.fetchMetadata([stream]).pipe(retry({ count: 3, delay: 200 }))),
      map((md) => md.streams.get(stream)?.partitions.get(0)?.leader),
      filter((leader): leader is string => leader !== undefined && leader !== not),
      take(1),
      timeout(60_000),
    ),
  );
}

/**
 * Publishes `${prefix}${first}` .. one at a time with AckPolicy ALL; a
 * retriable failure or an ack timeout is published again (so the log may
 * hold a message twice: specs compare with the log, not with what was sent).
 */
export async function publishEach(
  client: LiftbridgeClient,
  stream: string,
  prefix: string,
  first: number,
  count: number,
  partition = 0,
): Promise<void> {
  for (let i = first; i < first + count; i++) {
    await lastValueFrom(
      client.publish(`${prefix}${i}`, { stream, partition, ackPolicy: AckPolicy.ALL }).pipe(
        retry({
          count: 100,
          delay: (err: unknown) => {
            if (!isLiftbridgeError(err) || !(err.retriable || err.code === 'ACK_TIMEOUT'))
              throw err;
            return timer(300);
          },
        }),
      ),
    );
  }
}

/** A live subscription that records what it receives and how it ended. */
export function record(source: Observable<Message>): {
  received: Message[];
  error: () => unknown;
  stop: () => void;
} {
  const received: Message[] = [];
  let failure: unknown;
  const subscription = source.subscribe({
    next: (m) => received.push(m),
    error: (err: unknown) => {
      failure = err;
    },
  });
  return { received, error: () => failure, stop: () => subscription.unsubscribe() };
}

/** Resolves once `probe()` returns a value other than undefined/false; fails after `ms`. */
export async function waitFor<T>(
  probe: () => T | undefined | false,
  ms = 60_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
