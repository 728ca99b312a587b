/** TestScheduler wired to node:assert. */
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}
