/**
 * The batching of batch handlers, in virtual time: a batch is emitted once
 * full or `time` ms after it opened, never empty, and what is left when
 * the source completes.
 */
import { describe, it } from 'node:test';
import { batches } from '../../lib/nestjs/batch.js';
import { testScheduler } from '../helpers/marbles.js';

describe('nestjs - batches', () => {
  it('batches - a full batch goes at once; a partial one after time; no empty batch', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('abc--d 20ms ----|');
      // size 3: [a,b,c] at 2 (full, the next batch opens then); [d] when that
      // batch's 10 ms are up (at 12); the idle batches after it emit nothing.
      const result = source.pipe(batches(3, 10));
      expectObservable(result).toBe('--x---------y 17ms |', { x: ['a', 'b', 'c'], y: ['d'] });
      expectSubscriptions(source.subscriptions).toBe('^ 29ms !');
    });
  });

  it('batches - what is left is emitted when the source completes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab|');
      expectObservable(source.pipe(batches(5, 100))).toBe('--(x|)', { x: ['a', 'b'] });
    });
  });
});
