/**
 * SSE event ids: partition:offset lists, formatted and parsed with bounds;
 * a malformed Last-Event-ID is an INVALID_ARGUMENT naming the problem, never
 * another exception. Also the event text format and where a request's last
 * event id comes from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, isLiftbridgeError } from '../../lib/index.js';
import {
  formatEventId,
  lastEventIdOf,
  MAX_EVENT_ID_PARTITIONS,
  parseEventId,
  sseFrame,
} from '../../lib/sse/index.js';

const invalid = (pattern: RegExp) => (err: unknown) => {
  assert.ok(isLiftbridgeError(err, ErrorCode.InvalidArgument), String(err));
  assert.match(err.message, /^Last-Event-ID: /);
  assert.match(err.message, pattern);
  return true;
};

describe('SSE event ids', () => {
  it('formatEventId - partition:offset pairs by partition, comma-separated', () => {
    assert.equal(formatEventId(new Map([[0, 41n]])), '0:41');
    assert.equal(
      formatEventId(
        new Map([
          [2, 7n],
          [0, 41n],
          [1, -1n],
        ]),
      ),
      '0:41,1:-1,2:7',
    );
    assert.equal(formatEventId(new Map()), '');
  });

  it('parseEventId - reads what formatEventId writes, at the bounds too', () => {
    const position = new Map([
      [0, -1n],
      [7, 0n],
      [2 ** 31 - 1, 2n ** 63n - 2n],
    ]);
    assert.deepEqual(parseEventId(formatEventId(position)), position);
    assert.deepEqual(parseEventId(''), new Map());
    assert.deepEqual(
      parseEventId(' 0:5 , 1:6 '),
      new Map([
        [0, 5n],
        [1, 6n],
      ]),
    );
  });

  it('parseEventId - round trip for any position (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(
            fc.integer({ min: 0, max: 2 ** 31 - 1 }),
            fc.bigInt({ min: -1n, max: 2n ** 63n - 2n }),
          ),
          { selector: ([p]) => p, maxLength: 50 },
        ),
        (pairs) => {
          const position = new Map(pairs);
          assert.deepEqual(parseEventId(formatEventId(position)), position);
        },
      ),
    );
  });

  it('parseEventId - refuses what is out of bounds or malformed, saying what', () => {
    assert.throws(() => parseEventId('2147483648:0'), invalid(/partition 2147483648 is past/));
    assert.throws(() => parseEventId('0:9223372036854775808'), invalid(/offset .* is past/));
    // Resuming at offset + 1 must stay an int64: the largest offset itself is refused.
    assert.throws(() => parseEventId('0:9223372036854775807'), invalid(/offset .* is past/));
    assert.equal(parseEventId('0:9223372036854775806').get(0), 9223372036854775806n);
    assert.throws(() => parseEventId('0:-2'), invalid(/"0:-2" is not partition:offset/));
    assert.throws(() => parseEventId('17'), invalid(/"17" is not partition:offset/));
    assert.throws(() => parseEventId('0:1,0:2'), invalid(/partition 0 appears twice/));
    assert.throws(() => parseEventId('0:1,,1:2'), invalid(/is not partition:offset/));
    assert.throws(() => parseEventId('0:0x10'), invalid(/is not partition:offset/));
    assert.throws(() => parseEventId('x'.repeat(100_000)), invalid(/longer than/));
    const many = Array.from({ length: MAX_EVENT_ID_PARTITIONS + 1 }, (_, i) => `${i}:0`);
    assert.throws(() => parseEventId(many.join(',')), invalid(/more than 1024 partitions/));
    assert.equal(parseEventId(many.slice(1).join(',')).size, MAX_EVENT_ID_PARTITIONS);
    assert.throws(() => parseEventId(5 as unknown as string), invalid(/expected a string/));
  });

  it('parseEventId - any string either parses or is INVALID_ARGUMENT (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.stringMatching(/^[0-9:,\- ]{0,60}$/)),
        (text) => {
          try {
            const position = parseEventId(text);
            for (const [p, o] of position) {
              assert.ok(p >= 0 && p <= 2 ** 31 - 1);
              assert.ok(o >= -1n && o <= 2n ** 63n - 2n);
            }
          } catch (err) {
            assert.ok(isLiftbridgeError(err, ErrorCode.InvalidArgument), String(err));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('lastEventIdOf - the Last-Event-ID header first, else the lastEventId query parameter, else none', () => {
    const url = '/sse/orders?start=new&lastEventId=0%3A9%2C1%3A3';
    assert.deepEqual(
      lastEventIdOf({ headers: { 'last-event-id': '0:4' }, url }),
      new Map([[0, 4n]]),
    );
    assert.deepEqual(
      lastEventIdOf({ headers: {}, url }),
      new Map([
        [0, 9n],
        [1, 3n],
      ]),
    );
    assert.deepEqual(lastEventIdOf({ headers: { 'last-event-id': ['1:1'] } }), new Map([[1, 1n]]));
    assert.equal(lastEventIdOf({ headers: {}, url: '/sse/orders?start=new' }), undefined);
    assert.equal(lastEventIdOf({ headers: {} }), undefined);
    assert.throws(
      () => lastEventIdOf({ headers: { 'last-event-id': 'banana' } }),
      invalid(/"banana"/),
    );
  });
});

describe('SSE event text', () => {
  it('sseFrame - one field a line, data split into lines, one-line fields kept on one line', () => {
    assert.equal(sseFrame({ id: '0:4', data: '{"a":1}' }), 'id: 0:4\ndata: {"a":1}\n\n');
    assert.equal(sseFrame({ data: 'a\nb\r\nc' }), 'data: a\ndata: b\ndata: c\n\n');
    assert.equal(sseFrame({ comment: '' }), ':\n\n');
    assert.equal(sseFrame({ comment: 'hi\nthere' }), ': hi there\n\n');
    assert.equal(
      sseFrame({ event: 'stream-error', id: 'x\ny', retry: 500, data: '' }),
      'event: stream-error\nid: x y\nretry: 500\ndata: \n\n',
    );
  });
});
