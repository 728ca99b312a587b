/** The hand-written PublishAsync codec against protobufjs, both directions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codec, fromInt64, toInt64 } from '../../lib/internal/grpc/codec.js';
import {
  decodePublishResponse,
  emptyPublishResponse,
  encodePublishRequest,
  type WirePublish,
} from '../../lib/internal/grpc/publish-codec.js';

interface Decoded {
  key: Uint8Array;
  value: Uint8Array;
  stream: string;
  partition: number;
  headers: Record<string, Uint8Array>;
  correlationId: string;
  ackPolicy: number;
  expectedOffset: Parameters<typeof fromInt64>[0];
}

const protoRequest = codec<never, Decoded>('PublishRequest');
const protoResponse = codec<object, never>('PublishResponse');

function roundTrip(request: WirePublish): Decoded {
  return protoRequest.deserialize(encodePublishRequest(request));
}

describe('publish codec', () => {
  it('publish codec - a full request decodes to the same fields with protobufjs', () => {
    const request: WirePublish = {
      key: Buffer.from('k'),
      value: Buffer.from('v'.repeat(300)),
      stream: 'orders-é',
      partition: 300,
      headers: new Map([
        ['a', Buffer.from('1')],
        ['empty', new Uint8Array(0)],
      ]),
      correlationId: 'id-1',
      ackPolicy: 2,
      expectedOffset: 1234567890123n,
    };
    const got = roundTrip(request);
    assert.equal(Buffer.from(got.key).toString(), 'k');
    assert.equal(Buffer.from(got.value).toString(), 'v'.repeat(300));
    assert.equal(got.stream, 'orders-é');
    assert.equal(got.partition, 300);
    assert.deepEqual(Object.keys(got.headers).sort(), ['a', 'empty']);
    assert.equal(Buffer.from(got.headers['a'] ?? []).toString(), '1');
    assert.equal(got.correlationId, 'id-1');
    assert.equal(got.ackPolicy, 2);
    assert.equal(fromInt64(got.expectedOffset), 1234567890123n);
  });

  it('publish codec - a value written apart (after the rest) makes the same request', () => {
    const value = Buffer.alloc(70_000, 7);
    const request: WirePublish = {
      key: Buffer.from('k'),
      value,
      stream: 'orders',
      partition: 2,
      headers: new Map([['h', Buffer.from('1')]]),
      correlationId: 'id-9',
      ackPolicy: 1,
      expectedOffset: -1n,
    };
    const whole = encodePublishRequest(request, true);
    const head = encodePublishRequest(request, true, true);
    assert.equal(head.length + value.length, whole.length);
    const wire = Buffer.concat([head, value]);
    assert.equal(wire.readUInt32BE(1), wire.length - 5, 'the gRPC prefix counts the value');
    const got = protoRequest.deserialize(wire.subarray(5));
    assert.deepEqual(Buffer.from(got.value), value);
    assert.equal(Buffer.from(got.key).toString(), 'k');
    assert.equal(got.stream, 'orders');
    assert.equal(got.partition, 2);
    assert.equal(got.correlationId, 'id-9');
    assert.equal(got.ackPolicy, 1);
    assert.equal(Buffer.from(got.headers['h'] ?? []).toString(), '1');
  });

  it('publish codec - expectedOffset -1 goes on the wire; defaults are left out', () => {
    const minimal: WirePublish = {
      key: new Uint8Array(0),
      value: new Uint8Array(0),
      stream: 's',
      partition: 0,
      headers: undefined,
      correlationId: '',
      ackPolicy: 0,
      expectedOffset: -1n,
    };
    assert.equal(fromInt64(roundTrip(minimal).expectedOffset), -1n);
    // tag+len+'s' (3 bytes) + tag + 10-byte varint of -1
    assert.equal(encodePublishRequest(minimal).length, 3 + 11);
    assert.equal(encodePublishRequest({ ...minimal, expectedOffset: 0n }).length, 3);
  });

  it('publish codec - decodes acks, async errors and int64 beyond 2^53', () => {
    const big = 1_790_000_000_123_456_789n;
    const bytes = protoResponse.serialize({
      ack: {
        stream: 's',
        partitionSubject: 's.1',
        msgSubject: 's.1',
        offset: toInt64(42n),
        correlationId: 'c1',
        ackPolicy: 1,
        receptionTimestamp: toInt64(big),
        commitTimestamp: toInt64(big + 1n),
        ackError: 3,
      },
      correlationId: 'c1',
    });
    const res = decodePublishResponse(bytes);
    assert.equal(res.correlationId, 'c1');
    assert.equal(res.ack?.offset, 42n);
    assert.equal(res.ack?.receptionTimestamp, big);
    assert.equal(res.ack?.commitTimestamp, big + 1n);
    assert.equal(res.ack?.partitionSubject, 's.1');
    assert.equal(res.ack?.ackPolicy, 'ALL');
    assert.equal(res.ackError, 3);
    const failed = decodePublishResponse(
      protoResponse.serialize({
        asyncError: { code: 2, message: 'no such stream' },
        correlationId: 'c2',
      }),
    );
    assert.deepEqual(failed.asyncError, { code: 2, message: 'no such stream' });
    assert.equal(failed.ack, undefined);
  });

  it('publish codec - decoding into a reused response sets every field again; each ack is a new object', () => {
    const into = emptyPublishResponse();
    const refused = decodePublishResponse(
      protoResponse.serialize({ asyncError: { code: 2, message: 'no' }, correlationId: 'c1' }),
      0,
      undefined,
      into,
    );
    assert.equal(refused, into);
    const refusal = into.asyncError;
    assert.deepEqual(refusal, { code: 2, message: 'no' });
    const first = decodePublishResponse(
      protoResponse.serialize({ ack: { offset: toInt64(7n), ackError: 1 }, correlationId: 'c2' }),
      0,
      undefined,
      into,
    ).ack;
    assert.equal(into.asyncError, undefined);
    assert.equal(into.correlationId, 'c2');
    assert.equal(into.ackError, 1);
    assert.deepEqual(refusal, { code: 2, message: 'no' }); // what was kept stays as it was
    const bad = Buffer.from([0xff]);
    decodePublishResponse(bad, 0, bad.length, into);
    assert.equal(typeof into.malformed, 'string');
    assert.equal(into.ack, undefined);
    const again = decodePublishResponse(
      protoResponse.serialize({ ack: { offset: toInt64(8n) }, correlationId: 'c3' }),
      0,
      undefined,
      into,
    );
    assert.equal(again.malformed, undefined);
    assert.equal(again.ackError, 0);
    assert.equal(again.ack?.offset, 8n);
    assert.notEqual(again.ack, first);
    assert.equal(first?.offset, 7n);
  });

  it('publish codec - int64 at every varint length boundary, both ways', () => {
    const values = [
      0n,
      1n,
      (1n << 49n) - 1n,
      1n << 49n,
      (1n << 53n) - 1n,
      (1n << 53n) + 1n,
      (1n << 56n) - 1n,
      1n << 56n,
      (1n << 63n) - 1n,
      -1n,
      -5n,
      -(1n << 63n),
    ];
    for (const value of values) {
      const res = decodePublishResponse(
        protoResponse.serialize({ ack: { offset: toInt64(value) }, correlationId: 'c' }),
      );
      assert.equal(res.ack?.offset, value, `decode ${value}`);
      const sent = roundTrip({
        key: new Uint8Array(0),
        value: new Uint8Array([1]),
        stream: 's',
        partition: 0,
        headers: undefined,
        correlationId: 'c',
        ackPolicy: 0,
        expectedOffset: value,
      });
      assert.equal(fromInt64(sent.expectedOffset), value, `encode ${value}`);
    }
  });

  it('publish codec - the response id reuses the ack id only when the bytes are the same', () => {
    const cases: [string, string][] = [
      ['same-1', 'same-1'],
      ['ack-1', 'top-1'],
      ['Ã©', 'é'], // same length in chars and bytes, different text
      ['', 'top'],
      ['ack', ''],
    ];
    for (const [ackId, topId] of cases) {
      const res = decodePublishResponse(
        protoResponse.serialize({ ack: { correlationId: ackId }, correlationId: topId }),
      );
      assert.equal(res.ack?.correlationId, ackId);
      assert.equal(res.correlationId, topId);
    }
  });

  it('publish codec - repeated ack strings follow changes in their bytes', () => {
    for (const stream of ['s-a', 's-a', 's-b', 'é-b', 's-a']) {
      const res = decodePublishResponse(
        protoResponse.serialize({
          ack: {
            stream,
            partitionSubject: `${stream}.1`,
            msgSubject: stream,
            ackInbox: `i.${stream}`,
          },
        }),
      );
      assert.deepEqual(
        [res.ack?.stream, res.ack?.partitionSubject, res.ack?.msgSubject, res.ack?.ackInbox],
        [stream, `${stream}.1`, stream, `i.${stream}`],
      );
    }
  });

  it('publish codec - strings: short ASCII, non-ASCII and long ones decode as UTF-8', () => {
    for (const id of ['c-1', 'zé-ß', '🚀', 'x'.repeat(33), `${'y'.repeat(31)}é`, '']) {
      const res = decodePublishResponse(
        protoResponse.serialize({ ack: { stream: id, correlationId: id }, correlationId: id }),
      );
      assert.equal(res.correlationId, id);
      assert.equal(res.ack?.stream, id);
    }
  });
});
