/** Checks commands make first, so that a typo gets a clear answer at once. */
import { lastValueFrom } from 'rxjs';
import { ErrorCode, type LiftbridgeClient, LiftbridgeError, type StreamInfo } from '../../index.js';

/**
 * The stream's metadata; NOT_FOUND naming the command that creates it when
 * there is no such stream, or naming the partitions when `partition` is
 * not one of them.
 *
 * @example
 * ```ts
 * const info = await requireStream(client, 'orders', 2);
 * ```
 */
export async function requireStream(
  client: LiftbridgeClient,
  stream: string,
  partition?: number,
): Promise<StreamInfo> {
  const metadata = await lastValueFrom(client.fetchMetadata([stream]));
  const info = metadata.streams.get(stream);
  if (!info) throw streamNotFound(stream);
  if (partition !== undefined && !info.partitions.has(partition)) {
    const count = info.partitions.size;
    throw new LiftbridgeError(
      ErrorCode.NotFound,
      `stream '${stream}' has no partition ${partition} (partitions: ${count === 1 ? '0' : `0-${count - 1}`})`,
    );
  }
  return info;
}

/**
 * NOT_FOUND for a stream, saying how to create it.
 *
 * @example
 * ```ts
 * throw streamNotFound('orders'); // stream 'orders' not found (create it with: liftbridge-rx create orders)
 * ```
 */
export function streamNotFound(stream: string): LiftbridgeError {
  return new LiftbridgeError(
    ErrorCode.NotFound,
    `stream '${stream}' not found (create it with: liftbridge-rx create ${stream})`,
  );
}
