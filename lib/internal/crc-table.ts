/** Lookup tables of reflected CRC-32 variants (IEEE for cursors and keys, Castagnoli for envelopes). */

const tables = new Map<number, Uint32Array>();

/** The 256-entry table of the reflected CRC-32 with polynomial `poly`. */
export function crcTable(poly: number): Uint32Array {
  let table = tables.get(poly);
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    tables.set(poly, table);
  }
  return table;
}

/** CRC of `bytes` with `table` (initial and final XOR 0xffffffff), unsigned. */
export function crcWith(table: Uint32Array, bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc = (table[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
