/**
 * Cursor placement. Cursors live in the internal `__cursors` stream; the
 * cursor of (cursorId, stream, partition) is stored in partition
 * `crc32_ieee("<cursorId>,<stream>,<partition>") % N` and must be read and
 * written at that partition's leader (the server checks, it does not forward).
 * A cursor holds the offset of the last processed message: resume at cursor + 1.
 */
import * as zlib from 'node:zlib';
import { crcTable, crcWith } from './internal/crc-table.js';

/**
 * Name of the server's internal cursor stream, `'__cursors'` (kept when the
 * server runs with `cursors.stream.partitions > 0`).
 *
 * @example
 * ```ts
 * const md = await lastValueFrom(client.fetchMetadata([CURSORS_STREAM]));
 * console.log(`cursors in ${md.streams.get(CURSORS_STREAM)?.partitions.size ?? 0} partitions`);
 * ```
 */
export const CURSORS_STREAM = '__cursors';

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/**
 * CRC-32 (IEEE), unsigned: the hash of cursor placement and of the `'key'`
 * partitioner. Node's zlib.crc32 where available (Node 20.15+).
 *
 * @param bytes - the data.
 * @returns an unsigned 32-bit integer.
 * @example
 * ```ts
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(bytes) >>> 0 : crcWith(crcTable(0xedb88320), bytes);
}

/**
 * The `__cursors` partition holding a cursor, given the partition count of
 * `__cursors`: `crc32("<cursorId>,<stream>,<partition>") % partitions`, as
 * the server computes it (the client reads and writes cursors at that
 * partition's leader).
 *
 * @param cursorId - the cursor.
 * @param stream - the stream it tracks.
 * @param partition - the partition it tracks.
 * @param partitions - the partition count of `__cursors`.
 * @example
 * ```ts
 * const md = await lastValueFrom(client.fetchMetadata([CURSORS_STREAM]));
 * const count = md.streams.get(CURSORS_STREAM)?.partitions.size ?? 1;
 * console.log(`cursor "mailer" of orders/0 lives in __cursors/${cursorPartition('mailer', 'orders', 0, count)}`);
 * ```
 */
export function cursorPartition(
  cursorId: string,
  stream: string,
  partition: number,
  partitions: number,
): number {
  return crc32(Buffer.from(`${cursorId},${stream},${partition}`)) % partitions;
}
