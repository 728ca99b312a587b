// Consumer groups: members share a stream's partitions; the group remembers where it got to.

import { setTimeout as sleep } from 'node:timers/promises';
import { LiftbridgeClient } from 'liftbridge-rx';
import { firstValueFrom, lastValueFrom, map, take, timer, toArray } from 'rxjs';
import { BROKERS } from './brokers.js';

await using client = new LiftbridgeClient(BROKERS);
await lastValueFrom(client.createStream('jobs', { partitions: 4 }));
const publish = async (from: number, count: number) => {
  for (let i = from; i < from + count; i++)
    await lastValueFrom(client.publish(`job ${i}`, { stream: 'jobs', partitioner: 'roundRobin' }));
};
await publish(0, 8);

// One member alone gets every partition. Taking 8 messages and stopping
// checkpoints them and leaves the group.
const first = await lastValueFrom(
  client.consumerGroup('billing', 'jobs').pipe(
    take(8),
    map((m) => Buffer.from(m.value).toString()),
    toArray(),
  ),
);
console.log(`alone: ${first.length} jobs`);

// The group resumes after its checkpoint: only the new jobs.
await publish(8, 2);
const resumed = await lastValueFrom(
  client.consumerGroup('billing', 'jobs').pipe(
    take(2),
    map((m) => Buffer.from(m.value).toString()),
    toArray(),
  ),
);
console.log(`resumed: ${resumed.join(', ')}`);

// Flow-controlled: consumeGroup owns the handler. While 10 jobs are received
// and not yet handled, the partitions' gRPC calls are paused (memory stays
// bounded whatever the backlog), and the checkpoints cover only the jobs
// whose handler finished.
await publish(10, 40);
const bill = (job: string) => sleep(2).then(() => job);
let running = 0;
let most = 0;
const billed = await lastValueFrom(
  client
    .consumeGroup(
      'billing',
      'jobs',
      async (m) => {
        most = Math.max(most, ++running);
        const job = await bill(Buffer.from(m.value).toString());
        running -= 1;
        return job;
      },
      { prefetch: 10, concurrency: 2 },
    )
    .pipe(take(40), toArray()),
);
console.log(`flow-controlled: billed ${billed.length} jobs, at most ${most} at once`);

// Two members: the coordinator splits the partitions between them.
// (fetchAssignmentsInterval: notice rebalances within half a second.)
const held = { a: new Set<number>(), b: new Set<number>() };
const member = (name: 'a' | 'b') =>
  client
    .consumerGroupPartitions('billing', 'jobs', { fetchAssignmentsInterval: 500 })
    .subscribe((partition) => {
      held[name].add(partition.partition);
      partition.subscribe({ complete: () => held[name].delete(partition.partition) });
    });
const a = member('a');
await firstValueFrom(timer(1000));
const b = member('b');
for (let waited = 0; !(held.a.size === 2 && held.b.size === 2); waited += 100) {
  if (waited > 30_000) throw new Error('the group did not rebalance');
  await firstValueFrom(timer(100));
}
console.log(`split: a has ${[...held.a].sort()}, b has ${[...held.b].sort()}`);
b.unsubscribe();
a.unsubscribe();
await lastValueFrom(client.deleteStream('jobs'));
