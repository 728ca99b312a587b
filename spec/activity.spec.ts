/** decodeActivity on events a single test server does not produce (consumer groups, unknown ops). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeActivity, ErrorCode } from '../lib/index.js';
import { codec, toInt64 } from '../lib/internal/grpc/codec.js';

const encode = (event: object) => ({
  value: new Uint8Array(codec<object, never>('ActivityStreamEvent').serialize(event)),
  offset: 7n,
});

describe('activity', () => {
  it('decodeActivity - consumer group join and leave (expired), with ids beyond 2^53', () => {
    const id = toInt64(2n ** 60n + 1n);
    assert.deepEqual(
      decodeActivity(
        encode({
          id,
          op: 5,
          joinConsumerGroupOp: { groupId: 'g', consumerId: 'c1', streams: ['a', 'b'] },
        }),
      ),
      {
        id: 2n ** 60n + 1n,
        offset: 7n,
        type: 'consumerJoined',
        groupId: 'g',
        consumerId: 'c1',
        streams: ['a', 'b'],
      },
    );
    assert.deepEqual(
      decodeActivity(
        encode({
          id,
          op: 6,
          leaveConsumerGroupOp: { groupId: 'g', consumerId: 'c1', expired: true },
        }),
      ),
      {
        id: 2n ** 60n + 1n,
        offset: 7n,
        type: 'consumerLeft',
        groupId: 'g',
        consumerId: 'c1',
        expired: true,
      },
    );
  });

  it('decodeActivity - an op from a newer server is "unknown"; bytes that are no event are INVALID_ARGUMENT', () => {
    assert.deepEqual(decodeActivity(encode({ id: toInt64(1n), op: 42 })), {
      id: 1n,
      offset: 7n,
      type: 'unknown',
      op: 42,
    });
    assert.throws(() => decodeActivity({ value: Uint8Array.of(0xff, 0xff, 0xff), offset: 0n }), {
      code: ErrorCode.InvalidArgument,
    });
  });
});
