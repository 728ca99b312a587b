/** One timer for many ack deadlines, in virtual time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asyncScheduler, timer } from 'rxjs';
import { Deadlines } from '../../lib/internal/deadlines.js';
import { testScheduler } from '../helpers/marbles.js';

describe('Deadlines', () => {
  it('Deadlines - expires items at their deadline unless done, per wait', () => {
    testScheduler().run(({ flush }) => {
      const expired: string[] = [];
      const at: number[] = [];
      const d = new Deadlines<{ done: boolean; name: string }>((item, wait) => {
        expired.push(`${item.name}/${wait}`);
        at.push(asyncScheduler.now());
      });
      const a = { done: false, name: 'a' };
      const b = { done: false, name: 'b' };
      const c = { done: false, name: 'c' };
      d.add(a, 10);
      d.add(b, 10);
      d.add(c, 3);
      timer(5).subscribe(() => {
        b.done = true;
      });
      flush();
      assert.deepEqual(expired, ['c/3', 'a/10']);
      assert.deepEqual(at, [3, 10]);
    });
  });

  it('Deadlines - clear() forgets every deadline', () => {
    testScheduler().run(({ flush }) => {
      const expired: unknown[] = [];
      const d = new Deadlines<{ done: boolean }>((item) => expired.push(item));
      d.add({ done: false }, 5);
      d.clear();
      flush();
      assert.deepEqual(expired, []);
    });
  });
});
