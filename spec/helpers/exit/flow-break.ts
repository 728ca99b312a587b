/**
 * Child process of flow.spec: reads 5 messages of a backlog through
 * messages(), then `break`s out of the loop (mode break) or just stops
 * pulling (mode abandon), and never closes the client. After a break the
 * call is cancelled and nothing holds the process: it exits by itself; an
 * abandoned, paused call keeps it alive. argv: brokers, stream, mode.
 */
import { LiftbridgeClient, StartPosition } from '../../../lib/index.js';

const [brokers = '', stream = '', mode = 'break'] = process.argv.slice(2);

const client = new LiftbridgeClient(brokers.split(','));
const iterable = client.messages(stream, {
  startPosition: StartPosition.EARLIEST,
  highWaterMark: 10,
});
if (mode === 'break') {
  let n = 0;
  for await (const _ of iterable) {
    n += 1;
    if (n === 5) break;
  }
} else {
  const iterator = iterable[Symbol.asyncIterator]();
  for (let n = 0; n < 5; n++) await iterator.next();
}
console.log('done');
