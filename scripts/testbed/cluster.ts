/**
 * A Liftbridge cluster on loopback: N server processes beside one standalone
 * nats-server, with failover settings tuned for tests.
 */
import { randomUUID } from 'node:crypto';
import { NatsServer } from './nats.js';
import { LiftbridgeNode } from './node.js';

/** Failover tuning: how fast followers notice a dead leader and the ISR shrinks. */
export const FAST_FAILOVER = [
  'clustering.replica.max.leader.timeout: 2s',
  'clustering.replica.max.lag.time: 3s',
  'clustering.replica.max.idle.wait: 500ms',
  'clustering.replica.fetch.timeout: 1s',
];

export interface ClusterOptions {
  size?: number;
  extraConfig?: string[];
  /** Server log level (see NodeOptions.logLevel). */
  logLevel?: string;
  /** Failover tuning: 'fast' (FAST_FAILOVER, default) or the server's 'default' settings. */
  failover?: 'fast' | 'default';
  /**
   * How Raft starts: 'seed' (default) - node0 bootstraps alone and the others
   * join, so streams the server makes at start-up (`__cursors`, with
   * replication factor "all") live on node0 only; 'peers' - every node
   * starts with the full peer list, so they are replicated to all three.
   */
  bootstrap?: 'seed' | 'peers';
}

export class LiftbridgeCluster {
  private constructor(
    readonly nats: NatsServer,
    readonly nodes: LiftbridgeNode[],
  ) {}

  /**
   * Starts a cluster; a start that does not come together (seen once in a
   * loaded CI run: one node never joined) is reported on stderr with the
   * nodes' logs and tried once more on fresh ports.
   */
  static async start(options: ClusterOptions = {}): Promise<LiftbridgeCluster> {
    try {
      return await LiftbridgeCluster.startOnce(options);
    } catch (err) {
      process.stderr.write(`cluster start failed, trying once more: ${String(err)}\n`);
      return LiftbridgeCluster.startOnce(options);
    }
  }

  private static async startOnce({
    size = 3,
    extraConfig = [],
    logLevel,
    failover = 'fast',
    bootstrap = 'seed',
  }: ClusterOptions = {}): Promise<LiftbridgeCluster> {
    const nats = await NatsServer.start();
    const namespace = `lbrx${randomUUID().slice(0, 8)}`;
    const nodes: LiftbridgeNode[] = [];
    try {
      const tuning = failover === 'fast' ? FAST_FAILOVER : [];
      const common = [`clustering.namespace: ${namespace}`, ...tuning, ...extraConfig];
      const ids = Array.from({ length: size }, (_, i) => `node${i}`);
      if (bootstrap === 'peers') {
        const peers = `clustering.raft.bootstrap.peers: [${ids.join(', ')}]`;
        nodes.push(
          ...(await Promise.all(
            ids.map((serverId) =>
              LiftbridgeNode.start({
                serverId,
                natsUrl: nats.url,
                bootstrap: false,
                extraConfig: [...common, peers],
                ...(logLevel ? { logLevel } : {}),
                expectBrokers: 0,
              }),
            ),
          )),
        );
        const cluster = new LiftbridgeCluster(nats, nodes);
        for (const node of nodes) await node.waitReady(size);
        return cluster;
      }
      // The seed bootstraps Raft; the others join once it runs.
      nodes.push(
        await LiftbridgeNode.start({
          serverId: 'node0',
          natsUrl: nats.url,
          bootstrap: true,
          extraConfig: common,
          ...(logLevel ? { logLevel } : {}),
        }),
      );
      const rest = await Promise.all(
        Array.from({ length: size - 1 }, (_, i) =>
          LiftbridgeNode.start({
            serverId: `node${i + 1}`,
            natsUrl: nats.url,
            bootstrap: false,
            extraConfig: common,
            ...(logLevel ? { logLevel } : {}),
            expectBrokers: 0,
          }),
        ),
      );
      nodes.push(...rest);
      const cluster = new LiftbridgeCluster(nats, nodes);
      for (const node of nodes) await node.waitReady(size);
      return cluster;
    } catch (err) {
      const logs = nodes.map((n) => `--- ${n.options.serverId} log:\n${n.logTail(15)}`);
      await Promise.all(nodes.map((n) => n.stop()));
      await nats.stop();
      throw new Error(`${String(err)}\n${logs.join('\n')}`, { cause: err });
    }
  }

  /** host:port of every node. */
  get brokers(): string[] {
    return this.nodes.map((n) => n.address);
  }

  /** The node with that broker id (clustering.server.id). */
  node(serverId: string): LiftbridgeNode {
    const found = this.nodes.find((n) => n.options.serverId === serverId);
    if (!found) throw new Error(`no node ${serverId}`);
    return found;
  }

  /** The node leading the metadata Raft group (needs logLevel 'info'), if one does. */
  metadataLeader(): LiftbridgeNode | undefined {
    return this.nodes.find((n) => n.isMetadataLeader);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await this.nats.stop();
  }
}
