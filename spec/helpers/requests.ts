/** Publish requests and acks for specs that do not need a server. */
import type { Ack, PublishRequest } from '../../lib/index.js';
import { planPublish } from '../../lib/publish-request.js';

export function request(id: string, stream = 'test'): PublishRequest {
  return planPublish(id, { stream, correlationId: id });
}

export function ack(id: string, offset = 0n): Ack {
  return {
    stream: 'test',
    partition: 0,
    offset,
    correlationId: id,
    partitionSubject: 'test',
    msgSubject: 'test',
    ackInbox: '',
    ackPolicy: 'LEADER',
    receptionTimestamp: 0n,
    commitTimestamp: 0n,
  };
}
