/** publishToSubject against a real server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom, toArray } from 'rxjs';
import { AckPolicy, ErrorCode, type Message } from '../../lib/index.js';
import { readAtLeast, readPartition } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';

const text = (m: Message) => Buffer.from(m.value).toString();

describe('publishToSubject against a real server', async () => {
  const server = await useServer();
  const client = server.client();

  const read = (stream: string, partition = 0) => readPartition(client, stream, partition);

  it('publishToSubject - the stream on that subject stores it; the ack names stream, partition, key and headers arrive', async () => {
    const stream = uniqueName('subj');
    await lastValueFrom(client.createStream(stream, { subject: `${stream}.in`, partitions: 2 }));
    const ack = await lastValueFrom(
      client.publishToSubject(`${stream}.in`, 'zero', {
        key: 'k',
        headers: { h: 'v' },
        correlationId: 'c-1',
        ackPolicy: AckPolicy.ALL,
      }),
    );
    assert.equal(ack.stream, stream);
    assert.equal(ack.partition, 0);
    assert.equal(ack.offset, 0n);
    assert.equal(ack.correlationId, 'c-1');
    assert.equal(ack.ackPolicy, AckPolicy.ALL);
    const one = await lastValueFrom(client.publishToSubject(`${stream}.in.1`, 'one'));
    assert.equal(one.partition, 1, 'partition N listens on <subject>.N');
    const [stored] = await read(stream);
    assert.equal(stored && text(stored), 'zero');
    assert.equal(stored && Buffer.from(stored.key).toString(), 'k');
    assert.equal(stored && Buffer.from(stored.headers.get('h') ?? []).toString(), 'v');
    assert.deepEqual((await read(stream, 1)).map(text), ['one']);
  });

  it('publishToSubject - AckPolicy NONE completes without an ack; the message is stored', async () => {
    const stream = uniqueName('subj');
    await lastValueFrom(client.createStream(stream));
    const acks = await lastValueFrom(
      client.publishToSubject(stream, 'quiet', { ackPolicy: AckPolicy.NONE }).pipe(toArray()),
    );
    assert.deepEqual(acks, []);
    assert.deepEqual((await readAtLeast(client, stream, 1)).map(text), ['quiet']);
  });

  it('publishToSubject - a subject no stream consumes is ACK_TIMEOUT after ackTimeout, not retried; a bad subject throws at the call site', async () => {
    const t0 = Date.now();
    await assert.rejects(
      lastValueFrom(client.publishToSubject(uniqueName('nobody'), 'x', { ackTimeout: 500 })),
      { code: ErrorCode.AckTimeout },
    );
    assert.ok(Date.now() - t0 < 3_000, `ended after about ackTimeout (${Date.now() - t0} ms)`);
    assert.throws(() => client.publishToSubject('bad subject', 'x'), {
      code: ErrorCode.InvalidArgument,
    });
    assert.throws(() => client.publishToSubject('ok', 'x', { ackPolicy: 'SOME' as never }), {
      code: ErrorCode.InvalidArgument,
    });
  });
});
