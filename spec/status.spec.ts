/** leaderChanges: the leaderChanged events status$ derives from two metadata snapshots. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterMetadata, PartitionInfo, StreamInfo } from '../lib/index.js';
import { leaderChanges } from '../lib/status.js';

function partition(id: number, leader: string | undefined): PartitionInfo {
  const zero = { first: 0n, latest: 0n };
  return {
    id,
    leader,
    replicas: [],
    isr: [],
    highWatermark: 0n,
    newestOffset: 0n,
    paused: false,
    readonly: false,
    messagesReceived: zero,
    pauseChanged: zero,
    readonlyChanged: zero,
  };
}

function snapshot(streams: Record<string, { created?: bigint; leaders: (string | undefined)[] }>) {
  const map = new Map<string, StreamInfo>();
  for (const [name, { created = 1n, leaders }] of Object.entries(streams)) {
    map.set(name, {
      name,
      subject: name,
      creationTimestamp: created,
      partitions: new Map(leaders.map((l, i) => [i, partition(i, l)])),
    });
  }
  return { brokers: new Map(), streams: map, updatedAt: 0 } satisfies ClusterMetadata;
}

describe('status', () => {
  it('leaderChanges - reports moved, lost and regained leaders per partition', () => {
    const before = snapshot({ a: { leaders: ['n1', 'n2', undefined] }, b: { leaders: ['n1'] } });
    const after = snapshot({ a: { leaders: ['n3', undefined, 'n1'] }, b: { leaders: ['n1'] } });
    assert.deepEqual(leaderChanges(before, after), [
      { type: 'leaderChanged', stream: 'a', partition: 0, previous: 'n1', leader: 'n3' },
      { type: 'leaderChanged', stream: 'a', partition: 1, previous: 'n2', leader: undefined },
      { type: 'leaderChanged', stream: 'a', partition: 2, previous: undefined, leader: 'n1' },
    ]);
  });

  it('leaderChanges - nothing for a first snapshot, new or recreated streams', () => {
    const after = snapshot({ a: { leaders: ['n1'] }, c: { created: 9n, leaders: ['n2'] } });
    assert.deepEqual(leaderChanges(undefined, after), []);
    const before = snapshot({ c: { created: 1n, leaders: ['n1'] } });
    assert.deepEqual(leaderChanges(before, after), [], 'c was deleted and created again');
  });
});
