/** What the tool prints: --format lines, JSON, tables, and stdout that a reader closed. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import {
  compileFormat,
  DEFAULT_FORMAT,
  messageJson,
  Output,
  table,
  toJson,
} from '../../lib/cli/output.js';
import type { Message } from '../../lib/index.js';

function message(overrides: Partial<Message> = {}): Message {
  return {
    stream: 'orders',
    partition: 2,
    offset: 41n,
    timestamp: 1_714_564_800_123_456_789n,
    key: Buffer.from('k'),
    value: Buffer.from('hello'),
    subject: 'orders.2',
    replySubject: '',
    headers: new Map([
      ['trace', Buffer.from('t-1')],
      ['subject', Buffer.from('orders.2')],
    ]),
    correlationId: 'c-1',
    ackInbox: '',
    ackPolicy: 'LEADER',
    ...overrides,
  };
}

function format(template: string, msg = message()): string {
  const line = compileFormat(template);
  assert.equal(typeof line, 'function', String(line));
  return (line as (m: Message) => Buffer)(msg).toString();
}

describe('cli output', () => {
  it('compileFormat - the default is offset, key, value separated by tabs', () => {
    assert.equal(format(DEFAULT_FORMAT), '41\tk\thello\n');
  });

  it('compileFormat - every placeholder, headers, escapes', () => {
    assert.equal(
      format(
        '{stream}/{partition}@{offset} {timestamp} {timestamp-ns} {subject} {correlation-id} {header:trace}|{header:none}|\\\\',
      ),
      'orders/2@41 2024-05-01T12:00:00.123Z 1714564800123456789 orders.2 c-1 t-1||\\\n',
    );
    assert.equal(format('{value}\\n--'), 'hello\n--\n');
  });

  it('compileFormat - values stay as stored (bytes that are not UTF-8 too)', () => {
    const value = Buffer.from([0xff, 0x00, 0xfe]);
    const line = compileFormat('{value}') as (m: Message) => Buffer;
    assert.deepEqual(line(message({ value })), Buffer.concat([value, Buffer.from('\n')]));
  });

  it('compileFormat - unknown placeholders and unclosed braces are reported', () => {
    assert.match(
      String(compileFormat('{nope}')),
      /^unknown placeholder \{nope\} \(known: \{offset\}/,
    );
    assert.match(String(compileFormat('{offset')), /unclosed "\{"/);
  });

  it('messageJson - one object: numbers, ISO time, text or base64, own headers only', () => {
    assert.deepEqual(JSON.parse(messageJson(message())), {
      stream: 'orders',
      partition: 2,
      offset: 41,
      timestamp: '2024-05-01T12:00:00.123Z',
      key: 'k',
      value: 'hello',
      headers: { trace: 't-1' },
    });
    const binary = JSON.parse(
      messageJson(
        message({ value: Buffer.from([0xff, 0xfe]), key: Buffer.from([0xc3]), headers: new Map() }),
      ),
    );
    assert.equal(binary.valueBase64, '//4=');
    assert.equal(binary.keyBase64, 'ww==');
    assert.equal(binary.value, undefined);
    assert.equal(binary.headers, undefined);
  });

  it('toJson - bigints as numbers while exact, as strings beyond', () => {
    assert.equal(
      toJson({ a: 5n, b: 2n ** 60n, c: -1n }),
      '{"a":5,"b":"1152921504606846976","c":-1}',
    );
  });

  it('table - columns two spaces apart, the last one unpadded', () => {
    assert.equal(
      table([
        ['STREAM', 'PARTITIONS', 'SUBJECT'],
        ['orders', '3', 'orders'],
        ['x', '12', 'y'],
      ]),
      'STREAM  PARTITIONS  SUBJECT\norders  3           orders\nx       12          y\n',
    );
  });

  it('Output - a write error (EPIPE) closes it; later writes are dropped', async () => {
    const written: string[] = [];
    const sink = Object.assign(new EventEmitter(), {
      write(chunk: string | Uint8Array, callback?: (err?: Error | null) => void) {
        written.push(String(chunk));
        callback?.();
        return true;
      },
    });
    const out = new Output(sink);
    out.write('one\n');
    assert.equal(out.closed, false);
    sink.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    assert.equal(out.closed, true);
    out.write('two\n');
    await out.flush();
    assert.deepEqual(written, ['one\n']);
  });
});
