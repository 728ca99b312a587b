/**
 * Child process of groups.spec: a consumer-group member that prints
 * `<partition>@<offset>` per message until it is killed (a crashed member
 * never leaves). argv: brokers (comma-separated), group, stream, consumer id.
 */
import { LiftbridgeClient } from '../../../lib/index.js';

const [brokers = '', group = '', stream = '', consumerId = ''] = process.argv.slice(2);
const client = new LiftbridgeClient(brokers.split(','));
client.consumerGroup(group, stream, { consumerId, autoCheckpoint: 100 }).subscribe({
  next: (m) => process.stdout.write(`${m.partition}@${m.offset}\n`),
  error: (err: unknown) => {
    process.stderr.write(`group failed: ${String(err)}\n`);
    process.exitCode = 1;
  },
});
