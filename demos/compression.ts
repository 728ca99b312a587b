// Compress values on the way out, decompress transparently on the way in.
// zlib and lzma are byte-compatible with Gufo Liftbridge (X-Msg-Encoding header).

import { DEFAULT_ENCODING_HEADER, LiftbridgeClient } from 'liftbridge-rx';
import { lastValueFrom, take, toArray } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS, {
  compression: 'zlib',
  compressionThreshold: 64,
});
const value = 'a rather repetitive payload '.repeat(40);
const ack = await lastValueFrom(client.publish(value, { stream: 'test', compress: true }));
const [msg] = await lastValueFrom(
  client
    .subscribe('test', { startPosition: 'OFFSET', startOffset: ack.offset })
    .pipe(take(1), toArray()),
);
const same = msg !== undefined && Buffer.from(msg.value).toString() === value;
console.log(
  `offset ${ack.offset}: ${value.length} bytes sent compressed, read back intact: ${same}`,
);

// Past maxDecompressedBytes a value is delivered as stored, encoding header in place.
await using capped = new LiftbridgeClient(BROKERS, { maxDecompressedBytes: 1024 });
const [big] = await lastValueFrom(
  capped
    .subscribe('test', { startPosition: 'OFFSET', startOffset: ack.offset })
    .pipe(take(1), toArray()),
);
const header = Buffer.from(big?.headers.get(DEFAULT_ENCODING_HEADER) ?? []).toString();
console.log(`over the cap: ${big?.value.byteLength} bytes as stored, encoding ${header}`);
