// hello.mjs (or hello.ts): connect, create a stream, publish, read it back, close.
import { LiftbridgeClient } from 'liftbridge-rx';
import { lastValueFrom, map, toArray } from 'rxjs';

const brokers = (process.env.LIFTBRIDGE_BROKERS ?? 'localhost:9292').split(',');
const client = new LiftbridgeClient(brokers);
const stream = `hello-${Date.now()}`;
try {
  await lastValueFrom(client.createStream(stream));
  for (const text of ['hello', 'world']) {
    const ack = await lastValueFrom(client.publish(text, { stream }));
    console.log(`published "${text}" at offset ${ack.offset}`);
  }
  const received = await lastValueFrom(
    client.subscribe(stream, { startPosition: 'EARLIEST', stopPosition: 'LATEST' }).pipe(
      map((msg) => `${msg.offset}: ${new TextDecoder().decode(msg.value)}`),
      toArray(),
    ),
  );
  console.log(`received ${received.join(', ')}`);
  await lastValueFrom(client.deleteStream(stream));
} finally {
  await client.close();
}
