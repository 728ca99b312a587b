// The Liftbridge envelope: publish over plain NATS with Liftbridge features, read acks from an inbox.
// (Publishing needs a NATS client, e.g. `nats`: nc.publish(subject, bytes); the specs do that.)

import { AckPolicy, decodeEnvelope, encodePublishEnvelope } from 'liftbridge-rx';

const bytes = encodePublishEnvelope('order #1', {
  key: 'customer-7',
  ackInbox: 'acks.orders',
  correlationId: 'order-1',
  ackPolicy: AckPolicy.ALL,
  crc: true,
});
console.log(`envelope header: ${Buffer.from(bytes.subarray(0, 12)).toString('hex')}`);

// What arrives on the ack inbox decodes the same way (type 'ack').
const decoded = decodeEnvelope(bytes);
if (decoded.type === 'publish') {
  const { correlationId, ackPolicy } = decoded.message;
  console.log(`decoded: publish ${correlationId}, ack policy ${ackPolicy}`);
}
