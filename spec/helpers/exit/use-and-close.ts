/**
 * Child process of exit.spec: uses the client, closes it, and must then exit
 * on its own. argv: brokers (comma-separated), mode (close | drain | sse |
 * await-using | no-close).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { from, lastValueFrom, map, take, toArray } from 'rxjs';
import { LiftbridgeClient, publishBulk } from '../../../lib/index.js';
import { sendSse } from '../../../lib/sse/index.js';

const [brokers = '', mode = 'close'] = process.argv.slice(2);

async function work(client: LiftbridgeClient): Promise<string> {
  const name = `exit-${randomBytes(4).toString('hex')}`;
  await lastValueFrom(client.createStream(name));
  await lastValueFrom(client.publish('one', { stream: name }));
  await lastValueFrom(
    from(['a', 'b', 'c']).pipe(
      map((v) => client.getPublishRequest(v, { stream: name })),
      publishBulk(client),
      toArray(),
    ),
  );
  await lastValueFrom(
    client.subscribe(name, { startPosition: 'EARLIEST' }).pipe(take(2), toArray()),
  );
  await lastValueFrom(client.setCursor(name, 0, 'c', 1));
  await lastValueFrom(client.fetchCursor(name, 0, 'c'));
  // A consumer group read and left, and one left live: close() must checkpoint, leave and end it.
  await lastValueFrom(client.consumerGroup(`${name}-g1`, name).pipe(take(2), toArray()));
  client.consumerGroup(`${name}-g2`, name).subscribe({ error: () => undefined });
  // A live subscription left open: close() must end it.
  client.subscribe(name).subscribe({ error: () => undefined });
  return name;
}

if (mode === 'await-using') {
  await using client = new LiftbridgeClient(brokers.split(','));
  await work(client);
} else {
  const client = new LiftbridgeClient(brokers.split(','));
  const name = await work(client);
  // no-close: the control case, which must NOT exit by itself.
  if (mode === 'drain') {
    // Publishes still in flight when drain starts settle first.
    const late = lastValueFrom(client.publish('late', { stream: name }));
    await client.drain();
    await late;
  } else if (mode === 'sse') {
    // A reader that leaves mid-stream, then the server and the client close.
    const server = createServer((req, res) => {
      void sendSse(client, req, res, name, { start: 'earliest' });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      signal: abort.signal,
    });
    const reader = res.body?.getReader();
    let text = '';
    while (!text.includes('id: ')) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      text += Buffer.from(chunk.value).toString();
    }
    abort.abort();
    await new Promise<void>((r) => server.close(() => r()));
    await client.close();
  } else if (mode !== 'no-close') await client.close();
}
console.log('done');
