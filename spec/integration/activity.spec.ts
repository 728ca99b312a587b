/** activity$ against real servers, with and without `activity.stream.enabled`. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { filter, lastValueFrom, take, timeout, toArray } from 'rxjs';
import { type ActivityEvent, ErrorCode, LiftbridgeClient } from '../../lib/index.js';
import { LiftbridgeNode } from '../../scripts/testbed/node.js';
import { uniqueName } from '../helpers/server.js';

describe('activity stream', { timeout: 60_000 }, async () => {
  // Own nodes: the flag is a server setting.
  const [withActivity, without] = await Promise.all([
    LiftbridgeNode.start({ extraConfig: ['activity.stream.enabled: true'] }),
    LiftbridgeNode.start(),
  ]);
  const client = new LiftbridgeClient([withActivity.address], { retryTimeout: 10_000 });
  after(async () => {
    await client.close();
    await Promise.all([withActivity.stop(), without.stop()]);
  });

  it('activity$ - create, pause, resume, readonly and delete arrive as typed events, in order', async () => {
    const stream = uniqueName('act');
    await lastValueFrom(client.createStream(stream, { partitions: 2 }));
    await lastValueFrom(client.pauseStream(stream, { partitions: [1], resumeAll: true }));
    await lastValueFrom(client.publish('wake', { stream, partition: 1 }));
    await lastValueFrom(client.setStreamReadonly(stream, { partitions: [0] }));
    await lastValueFrom(client.deleteStream(stream));
    const mine = (e: ActivityEvent) => 'stream' in e && e.stream === stream;
    const events = await lastValueFrom(
      client
        .activity$({ startPosition: 'EARLIEST' })
        .pipe(filter(mine), take(5), timeout(20_000), toArray()),
    );
    assert.deepEqual(
      events.map((e) => {
        const { id, offset, ...rest } = e;
        assert.ok(id > 0n && offset >= 0n);
        return rest;
      }),
      [
        { type: 'streamCreated', stream, partitions: [0, 1] },
        { type: 'streamPaused', stream, partitions: [1], resumeAll: true },
        { type: 'streamResumed', stream, partitions: [1] },
        { type: 'streamReadonly', stream, partitions: [0], readonly: true },
        { type: 'streamDeleted', stream },
      ],
    );
  });

  it('activity$ - a server without the activity stream: NOT_FOUND, no retry loop', async () => {
    const plain = new LiftbridgeClient([without.address]);
    await assert.rejects(lastValueFrom(plain.activity$({ startPosition: 'EARLIEST' })), {
      code: ErrorCode.NotFound,
    });
    await plain.close();
  });
});
