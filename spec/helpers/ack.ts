/** An ack with 64-bit values, for envelope specs. */
import { AckPolicy, type EnvelopeAck } from '../../lib/index.js';

export const sampleAck: EnvelopeAck = {
  stream: 'orders',
  partitionSubject: 'orders',
  msgSubject: 'orders.1',
  offset: 2n ** 40n,
  ackInbox: 'acks.x',
  correlationId: 'c-9',
  ackPolicy: AckPolicy.ALL,
  receptionTimestamp: 1_700_000_000_000_000_001n,
  commitTimestamp: 1_700_000_000_000_000_002n,
};
