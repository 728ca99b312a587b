/**
 * Child process for the decompression integration spec: subscribes (default
 * options, so the default 64 MiB cap) to partition 0 of stream argv[3] at
 * the brokers argv[2] (comma-separated) from the earliest offset to offset
 * argv[4], then prints one JSON line: each message's offset, value size,
 * encoding header and (short values) text, and the process's peak RSS.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { LiftbridgeClient } from '../../lib/index.js';

const [brokers, stream, last] = process.argv.slice(2);
if (!brokers || !stream || !last) throw new Error('usage: brokers stream lastOffset');
await using client = new LiftbridgeClient(brokers.split(','));
const messages = await lastValueFrom(
  client
    .subscribe(stream, {
      startPosition: 'EARLIEST',
      stopPosition: 'OFFSET',
      stopOffset: BigInt(last),
    })
    .pipe(toArray()),
);
const encoding = (h: Uint8Array | undefined) => (h ? Buffer.from(h).toString() : null);
console.log(
  JSON.stringify({
    messages: messages.map((m) => ({
      offset: String(m.offset),
      bytes: m.value.byteLength,
      encoding: encoding(m.headers.get('X-Msg-Encoding')),
      text: m.value.byteLength <= 100 ? Buffer.from(m.value).toString() : null,
    })),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
