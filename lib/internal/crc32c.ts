/** CRC-32C (Castagnoli), the checksum of the Liftbridge envelope. */
import { crcTable, crcWith } from './crc-table.js';

/** CRC-32C of `bytes`, unsigned. */
export function crc32c(bytes: Uint8Array): number {
  return crcWith(crcTable(0x82f63b78), bytes);
}
