/**
 * Bad input: each mistake is a typed error at the call site (or for that
 * request only), never a crash, a hang, or a request reaching the server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filter, firstValueFrom, from, lastValueFrom, map, take, timer, toArray } from 'rxjs';
import {
  AckPolicy,
  type ClientStatus,
  ErrorCode,
  LiftbridgeError,
  type PublishRejectedStatus,
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

  it('errors - createStream({ encryption: true }) on a server without a key: FAILED_PRECONDITION at once, not retried', async () => {
    const started = Date.now();
    await assert.rejects(lastValueFrom(client.createStream(uniqueName(), { encryption: true })), {
      code: ErrorCode.FailedPrecondition,
      retriable: false,
      message: /encryption/i,
    });
    // Retrying would take the whole retryTimeout (30 s by default).
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
  });

  it('errors - compactMaxGoroutines with compactEnabled false is refused at the call site', () => {
    invalidArgument(
      () => client.createStream('s', { compactMaxGoroutines: 4, compactEnabled: false }),
      'compactMaxGoroutines',
    );
  });

  it('errors - a stream deleted by another client: subscribe and publish are NOT_FOUND at once, not retriable', async () => {
    const name = uniqueName();
    const mine = server.client();
    await lastValueFrom(mine.createStream(name));
    await lastValueFrom(mine.publish('seen', { stream: name }));
    await lastValueFrom(mine.subscribe(name, { startPosition: 'EARLIEST' }).pipe(take(1)));
    await lastValueFrom(server.client().deleteStream(name));
    const started = Date.now();
    await assert.rejects(lastValueFrom(mine.subscribe(name, { startPosition: 'EARLIEST' })), {
      code: ErrorCode.NotFound,
      retriable: false,
    });
    await assert.rejects(lastValueFrom(mine.publish('after', { stream: name })), {
      code: ErrorCode.NotFound,
      retriable: false,
    });
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
  });

  it('errors - AckPolicy NONE: refused before sending on a stream known to use optimistic concurrency; a refusal the server sends later is on status$', async () => {
    const occ = uniqueName();
    await lastValueFrom(client.createStream(occ, { optimisticConcurrencyControl: true }));
    await assert.rejects(
      lastValueFrom(client.publish('x', { stream: occ, ackPolicy: AckPolicy.NONE })),
      { code: ErrorCode.InvalidArgument, message: /optimistic concurrency/ },
    );
    // Another client does not know: its NONE publish completes, the server
    // refuses it, and status$ says so; it then knows.
    const other = server.client();
    const rejected = firstValueFrom(
      other.status$.pipe(
        filter((e: ClientStatus): e is PublishRejectedStatus => e.type === 'publishRejected'),
      ),
    );
    await lastValueFrom(other.publish('x', { stream: occ, ackPolicy: AckPolicy.NONE }), {
      defaultValue: undefined,
    });
    const event = await rejected;
    assert.equal(event.stream, occ);
    assert.equal(event.partition, 0);
    assert.equal(event.error.code, ErrorCode.InvalidArgument);
    await assert.rejects(
      lastValueFrom(other.publish('y', { stream: occ, ackPolicy: AckPolicy.NONE })),
      { code: ErrorCode.InvalidArgument },
    );
    // A NONE publish to a stream that does not exist is reported the same way.
    const missing = firstValueFrom(
      other.status$.pipe(
        filter((e: ClientStatus): e is PublishRejectedStatus => e.type === 'publishRejected'),
      ),
    );
    const nowhere = uniqueName();
    await lastValueFrom(other.publish('z', { stream: nowhere, ackPolicy: AckPolicy.NONE }), {
      defaultValue: undefined,
    });
    assert.deepEqual(
      [(await missing).stream, (await missing).error.code],
      [nowhere, ErrorCode.NotFound],
    );
    // Nothing was stored by any of them.
    assert.equal((await lastValueFrom(client.fetchPartitionMetadata(occ))).newestOffset, -1n);
  });

  it('errors - a partition whose acks never come (ALL below minIsr) fails only its own request, when its own deadline passes; other requests and streams carry on', async () => {
    const slow = uniqueName();
    const healthy = uniqueName();
    await lastValueFrom(client.createStream(slow, { minIsr: 2 }));
    await lastValueFrom(client.createStream(healthy));
    const c = server.client();
    const events: ClientStatus[] = [];
    c.status$.subscribe((e) => events.push(e));
    await lastValueFrom(c.publish('warm', { stream: healthy }));
    const first = lastValueFrom(
      // 2.5 s: the ping that follows waits min(ackTimeout, 2 s) for the
      // broker's answer, ample on a busy machine.
      c.publish('a', { stream: slow, ackPolicy: AckPolicy.ALL, ackTimeout: 2_500 }),
    );
    await lastValueFrom(timer(300));
    let secondOutcome: unknown = 'pending';
    const second = c
      .publish('b', { stream: slow, ackPolicy: AckPolicy.ALL, ackTimeout: 60_000 })
      .subscribe({
        error: (err: unknown) => (secondOutcome = err),
        complete: () => (secondOutcome = 'acked'),
      });
    await assert.rejects(first, { code: ErrorCode.AckTimeout });
    // Past the first deadline and the ping that tells a slow broker from a frozen one.
    await lastValueFrom(timer(3_000));
    assert.equal(secondOutcome, 'pending', 'the other request still waits for its own ack');
    const ack = await lastValueFrom(c.publish('fine', { stream: healthy }));
    assert.equal(ack.offset, 1n);
    assert.deepEqual(
      events.filter((e) => e.type === 'reconnecting'),
      [],
      'the publish stream was never abandoned',
    );
    second.unsubscribe();
  });

  it('the server survives all of the above', async () => {
    const md = await lastValueFrom(client.fetchMetadata());
    assert.ok(md.brokers.size >= 1);
  });
});
