/**
 * Bad input: each mistake is a typed error at the call site (or for that
 * request only), never a crash, a hang, or a request reaching the server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import {
  ErrorCode,
  LiftbridgeError,
  type PublishRequest,
  publishBulkSettled,
} from '../../lib/index.js';
import { uniqueName, useServer } from '../helpers/server.js';

function invalidArgument(fn: () => unknown, mentions: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LiftbridgeError, String(err));
    assert.equal(err.code, ErrorCode.InvalidArgument);
    assert.ok(err.message.includes(mentions), `"${err.message}" names ${mentions}`);
    return true;
  });
}

describe('bad input', async () => {
  const server = await useServer();
  const client = server.client();

  it('names - empty, reserved, wildcard or non-string stream names are refused', () => {
    invalidArgument(() => client.createStream(''), 'name');
    invalidArgument(() => client.createStream('__cursors'), 'reserved');
    invalidArgument(() => client.createStream('a.*'), 'name');
    invalidArgument(() => client.createStream('has space'), 'name');
    invalidArgument(() => client.deleteStream(42 as unknown as string), 'name');
    invalidArgument(() => client.publish('x', { stream: '' }), 'stream');
    invalidArgument(() => client.createStream('ok', { subject: 'a..b' }), 'subject');
  });

  it('numbers - partitions, replication, minIsr and durations out of range are refused before sending', () => {
    invalidArgument(() => client.createStream('s', { partitions: -1 }), 'partitions');
    invalidArgument(() => client.createStream('s', { partitions: 100_000 }), 'partitions');
    invalidArgument(() => client.createStream('s', { partitions: 1.5 }), 'partitions');
    invalidArgument(() => client.createStream('s', { replicationFactor: 0 }), 'replicationFactor');
    invalidArgument(() => client.createStream('s', { minIsr: -1 }), 'minIsr');
    invalidArgument(() => client.createStream('s', { retentionMaxAge: -5 }), 'retentionMaxAge');
    invalidArgument(() => client.createStream('s', { retentionMaxBytes: -1 }), 'retentionMaxBytes');
    invalidArgument(
      () => client.createStream('s', { compactMaxGoroutines: -1 }),
      'compactMaxGoroutines',
    );
    invalidArgument(() => client.pauseStream('s', { partitions: [-1] }), 'partitions[0]');
  });

  it('publish - a value that is not bytes or a string is refused', () => {
    invalidArgument(() => client.publish(12 as unknown as string, { stream: 's' }), 'value');
    invalidArgument(() => client.publish({} as unknown as string, { stream: 's' }), 'value');
    invalidArgument(
      () => client.getPublishRequest(null as unknown as string, { stream: 's' }),
      'value',
    );
    invalidArgument(() => client.publish('x', { stream: 's', key: 5 as unknown as string }), 'key');
    invalidArgument(
      () => client.publish('x', { stream: 's', headers: { h: 1 as unknown as string } }),
      'headers',
    );
    invalidArgument(
      () => client.publish('x', { stream: 's', ackPolicy: 'SOME' as 'ALL' }),
      'ackPolicy',
    );
    invalidArgument(() => client.publish('x', { stream: 's', partition: -1 }), 'partition');
    invalidArgument(
      () => client.publish('x', { stream: 's', expectedOffset: -3 }),
      'expectedOffset',
    );
    invalidArgument(
      () => client.publish('x', undefined as unknown as { stream: string }),
      'options',
    );
  });

  it('subscribe - RESUME without a cursor id and negative offsets are refused', () => {
    invalidArgument(() => client.subscribe('s', { startPosition: 'RESUME' }), 'cursorId');
    invalidArgument(
      () => client.subscribe('s', { startPosition: 'OFFSET', startOffset: -1n }),
      'startOffset',
    );
    invalidArgument(
      () => client.subscribe('s', { stopPosition: 'OFFSET', stopOffset: -1 }),
      'stopOffset',
    );
    invalidArgument(() => client.subscribe('s', { partition: 2 ** 40 }), 'partition');
  });

  it('server-side mistakes - unknown stream, partition out of range: typed errors', async () => {
    const name = uniqueName();
    await lastValueFrom(client.createStream(name, { partitions: 2 }));
    await assert.rejects(lastValueFrom(client.publish('x', { stream: name, partition: 2 })), {
      code: ErrorCode.NotFound,
    });
    await assert.rejects(lastValueFrom(client.subscribe(name, { partition: 2 })), {
      code: ErrorCode.NotFound,
    });
    await assert.rejects(lastValueFrom(client.fetchPartitionMetadata(name, 9)), {
      code: ErrorCode.NotFound,
    });
  });

  it('bulk - a bad item fails that item only', async () => {
    const name = uniqueName();
    await lastValueFrom(client.createStream(name));
    const items = [
      client.getPublishRequest('good', { stream: name }),
      'not a request' as unknown as PublishRequest,
      client.getPublishRequest('also good', { stream: name }),
    ];
    const outcomes = await lastValueFrom(
      from(items).pipe(
        publishBulkSettled(client),
        map((o) => o.type),
        toArray(),
      ),
    );
    assert.deepEqual(outcomes.sort(), ['ack', 'ack', 'error']);
  });

  it('the server survives all of the above', async () => {
    const md = await lastValueFrom(client.fetchMetadata());
    assert.ok(md.brokers.size >= 1);
  });
});
