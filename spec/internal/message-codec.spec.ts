/** The hand-written Subscribe message decoder against protobufjs's encoding. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codec, toInt64 } from '../../lib/internal/grpc/codec.js';
import { MessageDecoder } from '../../lib/internal/grpc/message-codec.js';

const proto = codec<object, never>('Message');

describe('message codec', () => {
  it('message codec - every field, int64 beyond 2^53 and headers as a Map', () => {
    const bytes = proto.serialize({
      offset: toInt64(9_007_199_254_740_993n),
      key: Buffer.from('k'),
      value: Buffer.from('value-é'),
      timestamp: toInt64(1_790_000_000_123_456_789n),
      stream: 'orders',
      partition: 7,
      subject: 'orders.7',
      replySubject: 'inbox.1',
      headers: { subject: Buffer.from('orders.7'), reply: new Uint8Array(0), h: Buffer.from('1') },
      ackInbox: 'acks',
      correlationId: 'id-1',
      ackPolicy: 1,
    });
    const m = new MessageDecoder().decode(Buffer.from(bytes));
    assert.equal(m.offset, 9_007_199_254_740_993n);
    assert.equal(m.timestamp, 1_790_000_000_123_456_789n);
    assert.equal(Buffer.from(m.key).toString(), 'k');
    assert.equal(Buffer.from(m.value).toString(), 'value-é');
    assert.deepEqual(
      [m.stream, m.partition, m.subject, m.replySubject, m.ackInbox, m.correlationId, m.ackPolicy],
      ['orders', 7, 'orders.7', 'inbox.1', 'acks', 'id-1', 'ALL'],
    );
    assert.deepEqual([...m.headers].map(([k, v]) => [k, Buffer.from(v).toString()]).sort(), [
      ['h', '1'],
      ['reply', ''],
      ['subject', 'orders.7'],
    ]);
  });

  it('message codec - defaults for an empty message (the handshake)', () => {
    const m = new MessageDecoder().decode(Buffer.alloc(0));
    assert.equal(m.offset, 0n);
    assert.equal(m.value.byteLength, 0);
    assert.equal(m.key.byteLength, 0);
    assert.equal(m.headers.size, 0);
    assert.equal(m.ackPolicy, 'LEADER');
  });

  it('message codec - one decoder follows changing strings and header names', () => {
    const decoder = new MessageDecoder();
    const cases = [
      { stream: 'a', subject: 'a', headers: { x: Buffer.from('1'), y: Buffer.from('2') } },
      { stream: 'a', subject: 'a', headers: { x: Buffer.from('3'), y: Buffer.from('4') } },
      { stream: 'bé', subject: 'b.1', headers: { z: Buffer.from('5') } },
      { stream: 'a', subject: 'a', headers: {} },
    ];
    for (const c of cases) {
      const m = decoder.decode(Buffer.from(proto.serialize(c)));
      assert.equal(m.stream, c.stream);
      assert.equal(m.subject, c.subject);
      assert.deepEqual(
        Object.fromEntries([...m.headers].map(([k, v]) => [k, Buffer.from(v).toString()])),
        Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, v.toString()])),
      );
    }
  });
});
