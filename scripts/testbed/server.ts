/**
 * The server a test, demo or benchmark talks to: LIFTBRIDGE_BROKERS (a
 * running cluster, nothing started), or a fresh single node.
 */
import { LiftbridgeNode, type NodeOptions } from './node.js';

export interface TestServer {
  brokers: string[];
  /** The node started for this run; undefined when LIFTBRIDGE_BROKERS is used. */
  node: LiftbridgeNode | undefined;
  stop(): Promise<void>;
}

export function externalBrokers(): string[] | undefined {
  const env = process.env['LIFTBRIDGE_BROKERS'];
  if (!env) return undefined;
  return env
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function startServer(options: NodeOptions = {}): Promise<TestServer> {
  const external = externalBrokers();
  if (external) return { brokers: external, node: undefined, stop: async () => {} };
  const node = await LiftbridgeNode.start(options);
  return { brokers: [node.address], node, stop: () => node.stop() };
}
