/** The ring-buffer FIFO under the publish path's queues. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fifo } from '../../lib/internal/fifo.js';

describe('Fifo', () => {
  it('Fifo - keeps order across growth and wrap-around', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    let next = 0;
    // Interleaved pushes and shifts move the head round the ring while it grows.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round + 3; i++) q.push(next++);
      for (let i = 0; i < round + 1; i++) out.push(q.shift());
    }
    while (q.length > 0) out.push(q.shift());
    assert.deepEqual(
      out,
      Array.from({ length: next }, (_, i) => i),
    );
  });

  it('Fifo - peek, length and clear', () => {
    const q = new Fifo<string>();
    assert.equal(q.length, 0);
    q.push('a');
    q.push('b');
    assert.equal(q.peek(), 'a');
    assert.equal(q.length, 2);
    assert.equal(q.shift(), 'a');
    assert.equal(q.peek(), 'b');
    q.clear();
    assert.equal(q.length, 0);
    q.push('c');
    assert.equal(q.shift(), 'c');
  });

  it('Fifo - an emptied large queue starts small again and still works', () => {
    const q = new Fifo<number>();
    for (let i = 0; i < 10_000; i++) q.push(i);
    for (let i = 0; i < 10_000; i++) assert.equal(q.shift(), i);
    assert.equal(q.length, 0);
    for (let i = 0; i < 20; i++) q.push(i);
    for (let i = 0; i < 20; i++) assert.equal(q.shift(), i);
  });
});
