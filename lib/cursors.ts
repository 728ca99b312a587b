/**
 * Cursor placement. Cursors live in the internal `__cursors` stream; the
 * cursor of (cursorId, stream, partition) is stored in partition
 * `crc32_ieee("<cursorId>,<stream>,<partition>") % N` and must be read and
 * written at that partition's leader (the server checks, it does not forward).
 * A cursor holds the offset of the last processed message: resume at cursor + 1.
 */
import * as zlib from 'node:zlib';
import { crcTable, crcWith } from './internal/crc-table.js';

/** Name of the server's internal cursor stream. */
export const CURSORS_STREAM = '__cursors';

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE), unsigned; Node's zlib.crc32 where available (Node 20.15+). */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(bytes) >>> 0 : crcWith(crcTable(0xedb88320), bytes);
}

/** The `__cursors` partition holding a cursor, given the partition count of `__cursors`. */
export function cursorPartition(
  cursorId: string,
  stream: string,
  partition: number,
  partitions: number,
): number {
  return crc32(Buffer.from(`${cursorId},${stream},${partition}`)) % partitions;
}
