/** leaderChanges: the leaderChanged events status$ derives from two metadata snapshots. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaderChanges } from '../lib/status.js';
import { clusterMetadata } from './helpers/metadata.js';

const snapshot = (streams: Parameters<typeof clusterMetadata>[0]) => clusterMetadata(streams);

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
