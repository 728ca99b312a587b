/**
 * The envelope on a real server, over plain NATS: a message published with
 * encodePublishEnvelope is stored with its key and headers, and the server's
 * ack on the ack inbox decodes with decodeEnvelope.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect } from 'nats';
import { lastValueFrom } from 'rxjs';
import {
  AckPolicy,
  decodeEnvelope,
  encodePublishEnvelope,
  LiftbridgeClient,
} from '../../lib/index.js';
import { LiftbridgeNode } from '../../scripts/testbed/node.js';
import { readAtLeast } from '../helpers/oracle.js';
import { uniqueName } from '../helpers/server.js';

describe('envelope over NATS', { timeout: 60_000 }, async () => {
  // Its own node: the spec needs to know the node's NATS URL.
  const node = await LiftbridgeNode.start();
  const client = new LiftbridgeClient([node.address]);
  const nats = await connect({ servers: node.natsUrl });
  after(async () => {
    await nats.close();
    await client.close();
    await node.stop();
  });

  it('envelope - a NATS publish in an envelope is stored with key and headers; the ack inbox gets an ack envelope', async () => {
    const stream = uniqueName('env');
    const subject = `${stream}.in`;
    await lastValueFrom(client.createStream(stream, { subject }));
    const inbox = `acks.${stream}`;
    const acks = nats.subscribe(inbox, { max: 1 });
    nats.publish(
      subject,
      encodePublishEnvelope('over nats', {
        key: 'k1',
        headers: { h: 'v' },
        ackInbox: inbox,
        correlationId: 'env-1',
        ackPolicy: AckPolicy.LEADER,
        crc: true,
      }),
    );
    nats.publish(subject, Buffer.from('plain, no envelope'));
    let ackBytes: Uint8Array | undefined;
    for await (const m of acks) ackBytes = m.data;
    assert.ok(ackBytes, 'an ack arrived on the inbox');
    const decoded = decodeEnvelope(ackBytes);
    assert.equal(decoded.type, 'ack');
    if (decoded.type !== 'ack') return;
    assert.equal(decoded.ack.stream, stream);
    assert.equal(decoded.ack.correlationId, 'env-1');
    assert.equal(decoded.ack.offset, 0n);
    assert.equal(decoded.ack.msgSubject, subject);
    assert.equal(decoded.ack.ackInbox, inbox);
    const stored = await readAtLeast(client, stream, 2);
    const [first, second] = stored;
    assert.equal(first && Buffer.from(first.value).toString(), 'over nats');
    assert.equal(first && Buffer.from(first.key).toString(), 'k1');
    assert.equal(first && Buffer.from(first.headers.get('h') ?? []).toString(), 'v');
    assert.equal(second && Buffer.from(second.value).toString(), 'plain, no envelope');
  });
});
