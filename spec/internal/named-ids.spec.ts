/** The caller-named correlation ids in flight (publisher.ts refuses a second request with one). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NamedIds } from '../../lib/internal/named-ids.js';

describe('NamedIds', () => {
  it('NamedIds - an id is in flight from add until its mark settles, then free again', () => {
    const ids = new NamedIds();
    assert.equal(ids.inFlight('a'), false);
    const a = ids.add('a');
    assert.equal(ids.inFlight('a'), true);
    assert.equal(ids.inFlight('b'), false);
    ids.settle(a);
    assert.equal(ids.inFlight('a'), false);
    const again = ids.add('a');
    assert.equal(ids.inFlight('a'), true);
    ids.settle(a); // an old mark settling again changes nothing
    assert.equal(ids.inFlight('a'), true);
    ids.settle(again);
    assert.equal(ids.inFlight('a'), false);
  });

  it('NamedIds - settled ids are dropped by rebuilds: the Map stays within max(1024, 4 x live) while live ids survive', () => {
    const ids = new NamedIds();
    const held = Array.from({ length: 300 }, (_, i) => ids.add(`held-${i}`));
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      ids.settle(ids.add(`m-${i}`));
      largest = Math.max(largest, ids.size);
    }
    // 301 live at most (the 300 held and the one being added).
    assert.ok(largest <= 4 * 301, `largest ${largest}`);
    assert.ok(largest >= 1024, `rebuilt only past 1024 (largest ${largest})`);
    for (let i = 0; i < 300; i++) assert.equal(ids.inFlight(`held-${i}`), true);
    assert.equal(ids.inFlight('m-99999'), false);
    for (const mark of held) ids.settle(mark);
    for (let i = 0; i < 2000; i++) ids.settle(ids.add(`n-${i}`));
    assert.ok(ids.size <= 1024, `size ${ids.size} once nothing is in flight`);
    assert.equal(ids.inFlight('held-0'), false);
  });
});
