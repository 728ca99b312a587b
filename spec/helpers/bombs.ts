/**
 * Decompression bombs for specs: small compressed values that inflate to
 * 1 GiB of zeros, made without ever holding the 1 GiB.
 */
import { once } from 'node:events';
import { createDeflate } from 'node:zlib';
import { compress } from '../../lib/compression.js';

const MiB = 1024 * 1024;

/** Whether the optional lzma-native is installed (lzma specs skip without it). */
export const lzmaInstalled: boolean = await import(['lzma', 'native'].join('-')).then(
  () => true,
  () => false,
);

/** What each bomb inflates to: 1 GiB. */
export const BOMB_INFLATED_BYTES = 1024 * MiB;

/** A zlib value of about 1 MB that inflates to 1 GiB (1024 MiB of zeros streamed through deflate). */
export async function zlibBomb(): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i < BOMB_INFLATED_BYTES / MiB; i++) {
    if (!deflate.write(zeros)) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return Buffer.concat(chunks);
}

/**
 * An xz value (about 290 KB) that inflates to 1 GiB: 1024 concatenated xz
 * streams of 1 MiB of zeros each (a valid .xz file, as `xz -d` reads it).
 */
export async function lzmaBomb(): Promise<Buffer> {
  const one = Buffer.from(await compress(Buffer.alloc(MiB), 'lzma'));
  return Buffer.concat(Array.from({ length: BOMB_INFLATED_BYTES / MiB }, () => one));
}
