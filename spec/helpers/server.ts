/**
 * Test servers for specs: a real Liftbridge node (or LIFTBRIDGE_BROKERS),
 * stopped after the file's tests.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { LiftbridgeClient } from '../../lib/index.js';
import type { ClientOptions } from '../../lib/options.js';
import { type ClusterOptions, LiftbridgeCluster } from '../../scripts/testbed/cluster.js';
import type { NodeOptions } from '../../scripts/testbed/node.js';
import { startServer, type TestServer } from '../../scripts/testbed/server.js';

/** Starts a server for this spec file; stops it (and closes clients made with client()) after. */
export async function useServer(
  options: NodeOptions = {},
): Promise<TestServer & { client(o?: ClientOptions): LiftbridgeClient }> {
  const server = await startServer(options);
  const clients: LiftbridgeClient[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  });
  return {
    ...server,
    client(o: ClientOptions = {}) {
      const c = new LiftbridgeClient(server.brokers, o);
      clients.push(c);
      return c;
    },
  };
}

/** Starts a 3-node cluster for this spec file; stopped after. */
export async function useCluster(options: ClusterOptions = {}): Promise<LiftbridgeCluster> {
  const cluster = await LiftbridgeCluster.start(options);
  after(() => cluster.stop());
  return cluster;
}

/** A stream name no other test (or run, on a shared cluster) uses. */
export function uniqueName(prefix = 'stream'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
