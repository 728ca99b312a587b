// Stream administration and metadata: partitions, pause, readonly, leaders.

import { LiftbridgeClient } from 'liftbridge-rx';
import { lastValueFrom } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);

await lastValueFrom(
  client.createStream('orders', {
    partitions: 3,
    replicationFactor: 'all',
    retentionMaxAge: 24 * 3600 * 1000, // milliseconds
  }),
);

const metadata = await lastValueFrom(client.fetchMetadata(['orders']));
for (const p of metadata.streams.get('orders')?.partitions.values() ?? []) {
  console.log(`orders/${p.id}: leader ${p.leader}, isr ${p.isr.join(',')}`);
}

await lastValueFrom(client.publish('first order', { stream: 'orders', partition: 1 }));
const partition = await lastValueFrom(client.fetchPartitionMetadata('orders', 1));
console.log(
  `orders/1 newest offset ${partition.newestOffset}, high watermark ${partition.highWatermark}`,
);

await lastValueFrom(client.pauseStream('orders', { partitions: [2] }));
await lastValueFrom(client.setStreamReadonly('orders', { partitions: [0] }));
console.log('orders/2 paused, orders/0 readonly');

await lastValueFrom(client.deleteStream('orders'));
console.log('orders deleted');
