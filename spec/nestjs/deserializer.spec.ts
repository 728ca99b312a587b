/**
 * The default deserializer of LiftbridgeServer: JSON when the value is
 * valid JSON (header or not), text otherwise; 'header' and 'never' modes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isLiftbridgeError, type Message } from '../../lib/index.js';
import { decodeMessage, LiftbridgeDeserializer } from '../../lib/nestjs/index.js';

const message = (value: string, headers: Record<string, string> = {}): Message =>
  ({
    stream: 'orders',
    partition: 0,
    offset: 3n,
    key: new Uint8Array(),
    value: new TextEncoder().encode(value),
    headers: new Map(Object.entries(headers).map(([k, v]) => [k, new TextEncoder().encode(v)])),
  }) as unknown as Message;

describe('nestjs - deserializer', () => {
  it('decodeMessage - auto: valid JSON is parsed with or without the header; anything else is text', () => {
    assert.deepEqual(decodeMessage(message('{"id":7}')), { id: 7 });
    assert.deepEqual(decodeMessage(message('[1,2]')), [1, 2]);
    assert.equal(decodeMessage(message('42')), 42);
    assert.equal(decodeMessage(message('order #1')), 'order #1');
    assert.equal(decodeMessage(message('{not json')), '{not json');
    assert.equal(decodeMessage(message('')), '');
    assert.deepEqual(decodeMessage(message('{"a":1}', { 'content-type': 'application/json' })), {
      a: 1,
    });
    assert.throws(() => decodeMessage(message('{bad', { 'content-type': 'application/json' })));
  });

  it('decodeMessage - header: only values the content-type marks; never: always text', () => {
    assert.equal(decodeMessage(message('{"id":7}'), 'header'), '{"id":7}');
    assert.deepEqual(
      decodeMessage(message('{"id":7}', { 'content-type': 'application/json' }), 'header'),
      { id: 7 },
    );
    assert.equal(
      decodeMessage(message('{"id":7}', { 'content-type': 'application/json' }), 'never'),
      '{"id":7}',
    );
  });

  it('LiftbridgeDeserializer - the packet is { pattern: stream, data }; a bad json option is INVALID_ARGUMENT', () => {
    assert.deepEqual(new LiftbridgeDeserializer().deserialize(message('{"id":7}')), {
      pattern: 'orders',
      data: { id: 7 },
    });
    assert.throws(
      () => new LiftbridgeDeserializer({ json: 'sometimes' as never }),
      (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
    );
  });
});
