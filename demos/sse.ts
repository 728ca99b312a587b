// Server-Sent Events with liftbridge-rx/sse: a stream's partitions served to
// HTTP clients (browsers read them with liftbridge-rx/sse/browser); a reader
// that comes back with its last event id resumes right after it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LiftbridgeClient } from 'liftbridge-rx';
import { sendSse } from 'liftbridge-rx/sse';
import { concatMap, lastValueFrom, range } from 'rxjs';
import { BROKERS } from './brokers.js';

const STREAM = `sse-${Date.now().toString(36)}`;
const client = new LiftbridgeClient(BROKERS);
await lastValueFrom(client.createStream(STREAM, { partitions: 2 }));

// Node's http (Express's res, Fastify's reply.raw and Nest's @Res() are the same response).
const server = createServer((req, res) => {
  void sendSse(client, req, res, STREAM, { partition: 'all', start: 'earliest' });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const publish = (from: number, count: number) =>
  lastValueFrom(
    range(from, count).pipe(
      concatMap((i) => client.publish(`event ${i}`, { stream: STREAM, partition: i % 2 })),
    ),
  );

/** Reads `count` events as fetch sees them (an EventSource does this for a browser). */
async function read(count: number, lastEventId?: string) {
  const abort = new AbortController();
  const headers: Record<string, string> = lastEventId ? { 'last-event-id': lastEventId } : {};
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: { id: string; value: string }[] = [];
  let text = '';
  for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    for (const [, id = '', data = ''] of text.matchAll(/^id: (.*)\ndata: (.*)\n\n/gm)) {
      events.push({ id, value: (JSON.parse(data) as { value: string }).value });
    }
    text = text.slice(text.lastIndexOf('\n\n') + 2);
    if (events.length >= count) break;
  }
  abort.abort(); // the server unsubscribes: its gRPC calls end
  return events.slice(0, count);
}

await publish(0, 4);
const first = await read(3);
const lastId = first.at(-1)?.id ?? '';
console.log(`read ${first.length} events, last id ${lastId}`);
await publish(4, 4); // while nobody reads
const rest = await read(5, lastId);
console.log(`resumed after ${lastId}: ${rest.length} events`);
const values = [...first, ...rest].map((e) => e.value).sort();
console.log(
  `each of the 8 events once: ${values.join(',') === [...Array(8).keys()].map((i) => `event ${i}`).join(',')}`,
);

server.close();
await client.close();
