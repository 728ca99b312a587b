/**
 * Measures failover time on a loopback 3-node cluster: kill -9 a partition
 * leader, time until metadata names a new one. Run:
 *   node .build/scripts/failover-time.js [fast|default] [rounds]
 */
import { lastValueFrom, retry } from 'rxjs';
import { LiftbridgeClient } from '../lib/index.js';
import { leaderOf } from '../spec/helpers/oracle.js';
import { LiftbridgeCluster } from './testbed/cluster.js';

const mode = process.argv[2] === 'default' ? 'default' : 'fast';
const rounds = Number(process.argv[3] ?? 3);
const cluster = await LiftbridgeCluster.start({ failover: mode });
const times: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const client = new LiftbridgeClient(cluster.brokers, { retryTimeout: 120_000 });
    const stream = `failover-${i}`;
    await lastValueFrom(client.createStream(stream, { replicationFactor: 3, minIsr: 2 }));
    // A node restarted in the previous round may still be catching up.
    await lastValueFrom(client.publish('x', { stream }).pipe(retry({ count: 10, delay: 1_000 })));
    const leader = await leaderOf(client, stream);
    const t0 = Date.now();
    await cluster.node(leader).kill();
    await leaderOf(client, stream, leader);
    times.push(Date.now() - t0);
    await client.close();
    await cluster.node(leader).restart();
  }
} finally {
  await cluster.stop();
}
console.log(`failover (${mode} settings): ${times.map((t) => `${t} ms`).join(', ')}`);
