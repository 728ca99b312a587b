// PublishToSubject: publish to a NATS subject; every stream consuming it stores the message.

import { AckPolicy, LiftbridgeClient } from 'liftbridge-rx';
import { lastValueFrom, map, toArray } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(client.createStream('alerts-ops', { subject: 'alerts.disk' }));
await lastValueFrom(client.createStream('alerts-audit', { subject: 'alerts.disk' }));

const ack = await lastValueFrom(
  client.publishToSubject('alerts.disk', 'disk 91% full', { ackPolicy: AckPolicy.LEADER }),
);
console.log(`acked by ${ack.stream} at offset ${ack.offset}`);

for (const stream of ['alerts-ops', 'alerts-audit']) {
  const values = await lastValueFrom(
    client.subscribe(stream, { startPosition: 'EARLIEST', stopPosition: 'LATEST' }).pipe(
      map((m) => Buffer.from(m.value).toString()),
      toArray(),
    ),
  );
  console.log(`${stream} stored: ${values.join(', ')}`);
  await lastValueFrom(client.deleteStream(stream));
}
