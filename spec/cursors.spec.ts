/** Cursor placement: CRC-32 (IEEE) of "<cursorId>,<stream>,<partition>" mod the __cursors partitions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, cursorPartition } from '../lib/index.js';

describe('cursors', () => {
  it('crc32 - the IEEE check value of "123456789" is 0xCBF43926', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });
  it('crc32 - unsigned for values with the top bit set', () => {
    const value = crc32(Buffer.from('a'));
    assert.equal(value, 0xe8b7be43);
    assert.ok(value > 0);
  });
  it('cursorPartition - hashes "<cursorId>,<stream>,<partition>"', () => {
    const expected = crc32(Buffer.from('my-cursor,orders,2')) % 3;
    assert.equal(cursorPartition('my-cursor', 'orders', 2, 3), expected);
    const spread = new Set(
      Array.from({ length: 30 }, (_, i) => cursorPartition(`c${i}`, 's', 0, 3)),
    );
    assert.equal(spread.size, 3, 'spreads over every partition');
  });
});
