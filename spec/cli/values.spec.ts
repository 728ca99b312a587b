/** Command line values: durations, integers, offsets, headers, brokers, ack policies, --from. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../lib/cli/exit-codes.js';
import {
  parseAckPolicy,
  parseBrokers,
  parseDuration,
  parseFrom,
  parseHeader,
  parseInteger,
  parseOffset,
} from '../../lib/cli/values.js';

const usage = (pattern: RegExp) => (err: unknown) =>
  err instanceof UsageError && err.code === 'INVALID_ARGUMENT' && pattern.test(err.message);

describe('cli values', () => {
  it('parseDuration - units ms, s, m, h, d; a plain number is milliseconds', () => {
    assert.equal(parseDuration('500ms', '--x'), 500);
    assert.equal(parseDuration('10s', '--x'), 10_000);
    assert.equal(parseDuration('1.5s', '--x'), 1500);
    assert.equal(parseDuration('2m', '--x'), 120_000);
    assert.equal(parseDuration('1h', '--x'), 3_600_000);
    assert.equal(parseDuration('7d', '--x'), 7 * 86_400_000);
    assert.equal(parseDuration('250', '--x'), 250);
  });

  it('parseDuration - rejects other text, naming the option', () => {
    assert.throws(() => parseDuration('soon', '--timeout'), usage(/^--timeout: .*"soon"/));
    assert.throws(() => parseDuration('-1s', '--timeout'), usage(/--timeout/));
    assert.throws(() => parseDuration('5 years', '--timeout'), usage(/--timeout/));
  });

  it('parseInteger - integers within bounds only', () => {
    assert.equal(parseInteger('3', '--partitions', 1, 4096), 3);
    assert.equal(parseInteger('0', '--partition'), 0);
    assert.throws(
      () => parseInteger('0', '--partitions', 1, 4096),
      usage(/from 1 to 4096, got "0"/),
    );
    assert.throws(() => parseInteger('1.5', '--partition'), usage(/--partition/));
    assert.throws(() => parseInteger('x', '--partition'), usage(/--partition/));
    assert.throws(() => parseInteger('', '--count'), usage(/--count/));
  });

  it('parseOffset - bigint offsets from a minimum, int64 at most', () => {
    assert.equal(parseOffset('41', 'offset'), 41n);
    assert.equal(parseOffset('-1', 'offset', -1n), -1n);
    assert.equal(parseOffset('9223372036854775807', 'offset'), 2n ** 63n - 1n);
    assert.throws(() => parseOffset('-1', 'offset'), usage(/from 0/));
    assert.throws(() => parseOffset('9223372036854775808', 'offset'), usage(/offset/));
    assert.throws(() => parseOffset('4x', 'offset'), usage(/"4x"/));
  });

  it('parseHeader - splits at the first "="', () => {
    assert.deepEqual(parseHeader('trace=a=b'), ['trace', 'a=b']);
    assert.deepEqual(parseHeader('empty='), ['empty', '']);
    assert.throws(() => parseHeader('novalue'), usage(/^--header: expected name=value/));
    assert.throws(() => parseHeader('=v'), usage(/--header/));
  });

  it('parseBrokers - a comma-separated list, each host:port checked', () => {
    assert.deepEqual(parseBrokers('a:1, b:2,'), ['a:1', 'b:2']);
    assert.throws(() => parseBrokers(' , '), usage(/^--brokers: expected host:port/));
    assert.throws(() => parseBrokers('a:1,b'), usage(/^--brokers: "b" is not "host:port"/));
    assert.throws(
      () => parseBrokers('x:y', 'LIFTBRIDGE_BROKERS'),
      usage(/^LIFTBRIDGE_BROKERS: "x:y" has a bad port/),
    );
  });

  it('parseAckPolicy - leader, all, none in any case', () => {
    assert.equal(parseAckPolicy('leader'), 'LEADER');
    assert.equal(parseAckPolicy('ALL'), 'ALL');
    assert.equal(parseAckPolicy('None'), 'NONE');
    assert.throws(() => parseAckPolicy('some'), usage(/^--ack-policy/));
  });

  it('parseFrom - named positions, offsets, times and time deltas', () => {
    assert.deepEqual(parseFrom('earliest'), { startPosition: 'EARLIEST' });
    assert.deepEqual(parseFrom('LATEST'), { startPosition: 'LATEST' });
    assert.deepEqual(parseFrom('new'), { startPosition: 'NEW_ONLY' });
    assert.deepEqual(parseFrom('offset:42'), { startPosition: 'OFFSET', startOffset: 42n });
    assert.deepEqual(parseFrom('42'), { startPosition: 'OFFSET', startOffset: 42n });
    assert.deepEqual(parseFrom('time:2024-05-01T12:00:00Z'), {
      startPosition: 'TIMESTAMP',
      startTimestamp: BigInt(Date.UTC(2024, 4, 1, 12)) * 1_000_000n,
    });
    assert.deepEqual(parseFrom('ago:30s', 1_000_000), {
      startPosition: 'TIMESTAMP',
      startTimestamp: 970_000n * 1_000_000n,
    });
  });

  it('parseFrom - rejects anything else with the forms it takes', () => {
    assert.throws(() => parseFrom('yesterday'), usage(/^--from: expected earliest, latest, new/));
    assert.throws(() => parseFrom('offset:-1'), usage(/--from/));
    assert.throws(() => parseFrom('time:not a date'), usage(/not a date \(use ISO 8601/));
    assert.throws(() => parseFrom('ago:often'), usage(/ago/));
  });
});
