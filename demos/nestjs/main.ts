// NestJS: a Nest application with an HTTP endpoint that publishes, an event
// handler that consumes (committing a cursor after each message), an SSE
// endpoint streaming the stream back, and a request/response round trip.
import { LiftbridgeClientProxy } from 'liftbridge-rx/nestjs';
import { lastValueFrom, timeout } from 'rxjs';
import { BROKERS } from '../brokers.js';
import { OrdersLog } from './orders.controller.js';
import { startNestDemo } from './stack.js';
import { ORDERS, SUMS } from './streams.js';

const stack = await startNestDemo({ brokers: BROKERS });
const orders = ['order #1', 'order #2', 'order #3'];

// The event handler and the transport report what they do.
// A commit may come before the last POST returns: remember every one.
const committed = new Set<bigint>();
let lastOffset = -1n;
let onCommit = () => {};
stack.server.on('commit', (commit) => {
  console.log(
    `committed ${commit.stream}/${commit.partition} offset ${commit.offset} (cursor ${commit.cursorId})`,
  );
  committed.add(commit.offset);
  onCommit();
});
stack.app.get(OrdersLog).handled$.subscribe((order) => {
  console.log(`handler: ${order.value} at offset ${order.offset}`);
});

// Publish over HTTP: the response is the ack.
const offsets: bigint[] = [];
for (const value of orders) {
  const res = await fetch(`${stack.url}/messages/${ORDERS}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ value, key: 'customer-7' }),
  });
  const ack = (await res.json()) as { stream: string; partition: number; offset: string };
  console.log(`POST /messages/${ORDERS} -> ${res.status} offset ${ack.offset}`);
  offsets.push(BigInt(ack.offset));
}
lastOffset = offsets[offsets.length - 1] ?? -1n;
await new Promise<void>((resolve) => {
  onCommit = () => committed.has(lastOffset) && resolve();
  onCommit();
});

// Read them back over Server-Sent Events.
const abort = new AbortController();
const sse = await fetch(`${stack.url}/sse/${ORDERS}?start=earliest`, { signal: abort.signal });
console.log(`GET /sse/${ORDERS} -> ${sse.status} ${sse.headers.get('content-type')}`);
const reader = sse.body!.pipeThrough(new TextDecoderStream()).getReader();
let buffered = '';
for (let done = false; !done; ) {
  const chunk = await reader.read();
  if (chunk.done) break;
  buffered += chunk.value;
  const events = buffered.split('\n\n');
  buffered = events.pop() ?? '';
  for (const event of events) {
    const data = event.split('\n').find((line) => line.startsWith('data: '));
    if (!data) continue;
    const m = JSON.parse(data.slice(6)) as { offset: string; key: string | null; value: string };
    if (BigInt(m.offset) >= (offsets[0] ?? 0n)) console.log(`sse: ${m.offset} ${m.key} ${m.value}`);
    if (BigInt(m.offset) === lastOffset) done = true;
  }
}
abort.abort();

// Request/response: @MessagePattern(SUMS) answers on the proxy's reply stream.
const proxy = stack.app.get(LiftbridgeClientProxy);
const sum = await lastValueFrom(proxy.send<number>(SUMS, [1, 2, 3]).pipe(timeout(10_000)));
console.log(`send(${SUMS}, [1, 2, 3]) -> ${sum}`);

await stack.close();
console.log('app closed');
