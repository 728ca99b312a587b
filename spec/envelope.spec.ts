/** The Liftbridge envelope: encoding, decoding and every way bytes can be wrong (no server). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AckPolicy,
  decodeEnvelope,
  ENVELOPE_MAGIC,
  ErrorCode,
  encodeAckEnvelope,
  encodePublishEnvelope,
  isEnvelope,
} from '../lib/index.js';
import { crcTable, crcWith } from '../lib/internal/crc-table.js';
import { crc32c } from '../lib/internal/crc32c.js';
import { sampleAck } from './helpers/ack.js';

const ack = sampleAck;

describe('envelope', () => {
  it('envelope - crc32c and the table CRC-32 (IEEE) match the standard check values', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    // The IEEE table path serves Node versions without zlib.crc32.
    assert.equal(crcWith(crcTable(0xedb88320), Buffer.from('123456789')), 0xcbf43926);
  });

  it('envelope - a publish round-trips, with and without CRC-32C; the header is as documented', () => {
    for (const crc of [false, true]) {
      const bytes = encodePublishEnvelope('hello', {
        key: 'k',
        headers: { h: 'v' },
        ackInbox: 'acks.in',
        correlationId: 'c-1',
        ackPolicy: AckPolicy.ALL,
        expectedOffset: 41,
        crc,
      });
      assert.deepEqual([...bytes.subarray(0, 4)], [...ENVELOPE_MAGIC]);
      assert.equal(bytes[4], 0, 'version 0');
      assert.equal(bytes[5], crc ? 12 : 8, 'header length');
      assert.equal(bytes[6], crc ? 1 : 0, 'flags');
      assert.equal(bytes[7], 0, 'type publish');
      assert.ok(isEnvelope(bytes));
      const decoded = decodeEnvelope(bytes);
      assert.equal(decoded.type, 'publish');
      if (decoded.type !== 'publish') return;
      const m = decoded.message;
      assert.equal(Buffer.from(m.value).toString(), 'hello');
      assert.equal(Buffer.from(m.key).toString(), 'k');
      assert.equal(Buffer.from(m.headers.get('h') ?? []).toString(), 'v');
      assert.equal(m.ackInbox, 'acks.in');
      assert.equal(m.correlationId, 'c-1');
      assert.equal(m.ackPolicy, AckPolicy.ALL);
      assert.equal(m.expectedOffset, 41n);
    }
    const plain = decodeEnvelope(encodePublishEnvelope('x'));
    assert.equal(plain.type === 'publish' && plain.message.expectedOffset, -1n, 'no expectation');
  });

  it('envelope - an ack round-trips with 64-bit offsets and timestamps intact', () => {
    for (const crc of [false, true]) {
      const decoded = decodeEnvelope(encodeAckEnvelope(ack, { crc }));
      assert.deepEqual(decoded, { type: 'ack', ack });
    }
  });

  it('envelope - wrong bytes are INVALID_ARGUMENT naming the problem', () => {
    const good = encodeAckEnvelope(ack, { crc: true });
    const mutate = (i: number, value: number) => {
      const copy = new Uint8Array(good);
      copy[i] = value;
      return copy;
    };
    const cases: [Uint8Array, RegExp][] = [
      [Buffer.from('plain NATS payload'), /magic/],
      [mutate(4, 1), /version/],
      [mutate(5, 9), /header length/],
      [mutate(7, 8), /internal/],
      [mutate(good.length - 1, (good[good.length - 1] as number) ^ 0xff), /CRC-32C/],
      [Uint8Array.of(...ENVELOPE_MAGIC, 0, 8, 0, 1, 0xff, 0xff), /bad payload/],
    ];
    for (const [bytes, problem] of cases) {
      assert.throws(
        () => decodeEnvelope(bytes),
        (err: unknown) => {
          assert.equal((err as { code?: string }).code, ErrorCode.InvalidArgument);
          assert.match((err as Error).message, problem);
          return true;
        },
      );
    }
    assert.equal(isEnvelope(Buffer.from('nope')), false);
    assert.throws(() => encodePublishEnvelope('x', { ackInbox: 'bad inbox' }), {
      code: ErrorCode.InvalidArgument,
    });
  });
});
