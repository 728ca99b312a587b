/** The gRPC-status-to-domain mapping, by phase of the call. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import { ErrorCode } from '../../lib/index.js';
import {
  type CallPhase,
  fromAckError,
  fromAsyncError,
  fromGrpcError,
  fromMalformedAck,
} from '../../lib/internal/grpc/status.js';

function grpcError(code: status, details: string) {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

describe('status mapping', () => {
  const cases: Array<[status, CallPhase, string, ErrorCode, boolean]> = [
    [status.NOT_FOUND, 'unary', 'no such stream', ErrorCode.NotFound, false],
    [status.NOT_FOUND, 'subscribe-setup', 'no such partition', ErrorCode.NotFound, false],
    [status.NOT_FOUND, 'subscribe-stream', 'stream deleted', ErrorCode.StreamDeleted, false],
    [status.ALREADY_EXISTS, 'unary', 'stream already exists', ErrorCode.StreamExists, false],
    [
      status.FAILED_PRECONDITION,
      'subscribe-setup',
      'server not partition leader',
      ErrorCode.NotLeader,
      true,
    ],
    [
      status.FAILED_PRECONDITION,
      'unary',
      'server not cursor partition leader',
      ErrorCode.NotLeader,
      true,
    ],
    [
      status.FAILED_PRECONDITION,
      'subscribe-stream',
      'partition paused',
      ErrorCode.PartitionPaused,
      false,
    ],
    [
      status.RESOURCE_EXHAUSTED,
      'subscribe-stream',
      'end of readonly partition',
      ErrorCode.Readonly,
      false,
    ],
    [
      status.RESOURCE_EXHAUSTED,
      'publish',
      'Received message larger than max (5000000 vs. 4194304)',
      ErrorCode.MessageTooLarge,
      false,
    ],
    [status.UNAVAILABLE, 'unary', 'No connection established', ErrorCode.Unavailable, true],
    [status.UNAVAILABLE, 'subscribe-stream', 'connection reset', ErrorCode.Unavailable, true],
    [status.DEADLINE_EXCEEDED, 'unary', 'Deadline exceeded', ErrorCode.Timeout, true],
    [
      status.INVALID_ARGUMENT,
      'subscribe-setup',
      'bad start offset',
      ErrorCode.InvalidArgument,
      false,
    ],
    [status.PERMISSION_DENIED, 'unary', 'denied', ErrorCode.PermissionDenied, false],
    [status.INTERNAL, 'unary', 'no known metadata leader', ErrorCode.Unavailable, true],
    [status.INTERNAL, 'unary', 'boom', ErrorCode.Internal, false],
    // A restarted broker that has not loaded __cursors (metadata listed it): retriable.
    [status.INTERNAL, 'unary', 'Cursors stream does not exist', ErrorCode.Unavailable, true],
    [status.INTERNAL, 'unary', 'Cursors partition 2 does not exist', ErrorCode.Unavailable, true],
    // Bytes that were not the message expected: a subscription starts again
    // after its last message; anything else fails.
    [
      status.INTERNAL,
      'subscribe-stream',
      '/proto.API/Subscribe: malformed message: malformed protobuf: varint cut off',
      ErrorCode.Internal,
      true,
    ],
    [
      status.INTERNAL,
      'subscribe-stream',
      'Response message parsing error: invalid wire type 7',
      ErrorCode.Internal,
      true,
    ],
    [
      status.INTERNAL,
      'subscribe-stream',
      '/proto.API/Subscribe: call ended inside a message (3 bytes held)',
      ErrorCode.Internal,
      true,
    ],
    [
      status.INTERNAL,
      'unary',
      'Response message parsing error: invalid wire type 7',
      ErrorCode.Internal,
      false,
    ],
    [
      status.RESOURCE_EXHAUSTED,
      'subscribe-stream',
      'Received message larger than max (2147483648 vs. 4259840 bytes); raise maxMessageBytes to accept it',
      ErrorCode.MessageTooLarge,
      false,
    ],
  ];
  for (const [code, phase, details, expected, retriable] of cases) {
    it(`status - ${status[code]} ${phase} "${details}" -> ${expected}`, () => {
      const err = fromGrpcError(grpcError(code, details), phase, 'Call');
      assert.equal(err.code, expected);
      assert.equal(err.retriable, retriable);
      assert.ok(err.message.includes(details));
      assert.equal((err.cause as { code: number }).code, code);
    });
  }

  it('status - async publish errors keep the server code', () => {
    assert.equal(fromAsyncError(2, 'no stream', 'p').code, ErrorCode.NotFound);
    assert.equal(fromAsyncError(4, 'readonly', 'p').code, ErrorCode.Readonly);
    assert.equal(fromAsyncError(5, 'offset', 'p').code, ErrorCode.IncorrectOffset);
    assert.equal(
      fromAsyncError(1, 'message exceeds max replication size', 'p').code,
      ErrorCode.MessageTooLarge,
    );
    assert.equal(fromAsyncError(7, 'denied', 'p').code, ErrorCode.PermissionDenied);
    assert.equal(fromAckError(3, 'p').code, ErrorCode.MessageTooLarge);
  });

  it('status - a malformed ack fails its request, INTERNAL and not retried (it may be stored)', () => {
    const err = fromMalformedAck('varint cut off at byte 9', 'publish id-1');
    assert.equal(err.code, ErrorCode.Internal);
    assert.equal(err.retriable, false);
    assert.match(
      err.message,
      /publish id-1: malformed response \(varint cut off at byte 9\); the message may or may not be stored/,
    );
  });
});
