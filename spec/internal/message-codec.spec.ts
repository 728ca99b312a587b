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

  it('message codec - header names in any order (the server writes a Go map) are interned, not decoded again', () => {
    const decoder = new MessageDecoder();
    const orders = [
      { reply: new Uint8Array(0), subject: Buffer.from('orders') },
      { subject: Buffer.from('orders'), reply: new Uint8Array(0) },
    ];
    const wire = orders.map((headers) =>
      Buffer.from(proto.serialize({ stream: 'orders', subject: 'orders', headers })),
    );
    for (const w of wire) decoder.decode(w);
    const original = Buffer.prototype.toString;
    let decoded = 0;
    Buffer.prototype.toString = function (this: Buffer, ...args: Parameters<Buffer['toString']>) {
      decoded++;
      return original.apply(this, args);
    };
    try {
      for (let i = 0; i < 100; i++) {
        const m = decoder.decode(wire[i % 2] as Buffer);
        assert.deepEqual([...m.headers.keys()].sort(), ['reply', 'subject']);
        assert.ok(Buffer.from('orders').equals(m.headers.get('subject') ?? Buffer.alloc(0)));
      }
    } finally {
      Buffer.prototype.toString = original;
    }
    assert.equal(decoded, 0, 'strings decoded after the first two messages');
  });

  it('message codec - more distinct header names than it remembers are all decoded right', () => {
    const decoder = new MessageDecoder();
    for (let round = 0; round < 3; round++) {
      const headers = Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [`h${(i * 7 + round) % 12}`, Buffer.from(`${i}`)]),
      );
      const m = decoder.decode(Buffer.from(proto.serialize({ stream: 's', headers })));
      assert.deepEqual(
        Object.fromEntries([...m.headers].map(([k, v]) => [k, Buffer.from(v).toString()])),
        Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.toString()])),
      );
    }
  });

  it('message codec - more distinct header names than it remembers, in turn, do not copy a name per miss', () => {
    const decoder = new MessageDecoder();
    const headers = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`header-${i}`, Buffer.from('v')]),
    );
    const wire = Buffer.from(proto.serialize({ stream: 's', headers }));
    decoder.decode(wire);
    const original = Buffer.from;
    let copies = 0;
    Buffer.from = ((...args: Parameters<typeof Buffer.from>) => {
      copies++;
      return (original as (...a: unknown[]) => Buffer)(...args);
    }) as typeof Buffer.from;
    try {
      for (let i = 0; i < 100; i++) assert.equal(decoder.decode(wire).headers.size, 12);
    } finally {
      Buffer.from = original;
    }
    // Taking a slot on every miss would copy 1,200 names.
    assert.ok(copies <= 200, `${copies} names copied`);
  });
});
