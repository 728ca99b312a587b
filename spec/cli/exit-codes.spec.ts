/** Exit codes from error codes, and messages that say what to do. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeError,
  EXIT_CODE_HELP,
  ExitCode,
  exitCodeOf,
  UsageError,
} from '../../lib/cli/exit-codes.js';
import { ErrorCode, LiftbridgeError } from '../../lib/index.js';

const error = (code: ErrorCode, message = 'm') => new LiftbridgeError(code, message);

describe('cli exit codes', () => {
  it('exitCodeOf - a distinct code for usage, not found, exists, unavailable, permission', () => {
    assert.equal(exitCodeOf(new UsageError('x')), ExitCode.Usage);
    assert.equal(exitCodeOf(error(ErrorCode.InvalidArgument)), 2);
    assert.equal(exitCodeOf(error(ErrorCode.NotFound)), 3);
    assert.equal(exitCodeOf(error(ErrorCode.StreamDeleted)), 3);
    assert.equal(exitCodeOf(error(ErrorCode.StreamExists)), 4);
    assert.equal(exitCodeOf(error(ErrorCode.Unavailable)), 5);
    assert.equal(exitCodeOf(error(ErrorCode.Timeout)), 5);
    assert.equal(exitCodeOf(error(ErrorCode.PermissionDenied)), 6);
    assert.equal(exitCodeOf(error(ErrorCode.AckTimeout)), 1);
    assert.equal(exitCodeOf(new Error('boom')), 1);
  });

  it('EXIT_CODE_HELP - documents every exit code once', () => {
    assert.deepEqual(
      EXIT_CODE_HELP.map(([code]) => code),
      Object.values(ExitCode),
    );
  });

  it('describeError - usage errors point at the right help', () => {
    assert.equal(
      describeError(new UsageError('--count: bad', 'tail')),
      '--count: bad (see: liftbridge-rx tail --help)',
    );
    assert.equal(
      describeError(new UsageError('--brokers: bad', null), { command: 'tail' }),
      '--brokers: bad (see: liftbridge-rx --help)',
    );
    assert.equal(
      describeError(new UsageError('--count: bad'), { command: 'tail' }),
      '--count: bad (see: liftbridge-rx tail --help)',
    );
    assert.equal(
      describeError(error(ErrorCode.InvalidArgument, 'name: bad'), { command: 'create' }),
      'name: bad (see: liftbridge-rx create --help)',
    );
  });

  it('describeError - one line with a hint for broker and time-out trouble', () => {
    const unavailable = describeError(
      error(
        ErrorCode.Unavailable,
        'no broker answered within connectTimeout (1000 ms);\n tried x:1: x:1: connection failed',
      ),
    );
    assert.equal(
      unavailable,
      'no broker answered within --timeout (1000 ms); tried x:1: connection failed (check --brokers or LIFTBRIDGE_BROKERS, that the server runs, or raise --timeout)',
    );
    assert.match(describeError(error(ErrorCode.Timeout, 't')), /raise --timeout\)$/);
    assert.match(describeError(error(ErrorCode.AckTimeout, 'a')), /raise --ack-timeout\)$/);
    assert.match(describeError(error(ErrorCode.PermissionDenied, 'p')), /--tls-cert/);
    assert.equal(
      describeError(error(ErrorCode.NotFound, "stream 'x' not found")),
      "stream 'x' not found",
    );
    assert.equal(describeError(error(ErrorCode.Internal, 'oops')), 'INTERNAL: oops');
    assert.equal(describeError(new Error('bad\nthing')), 'unexpected error: bad thing');
  });
});
