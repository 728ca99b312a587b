/** AckOrder: in-order acks without a Map; acks out of order found through one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AckOrder } from '../../lib/internal/ack-order.js';

type E = { id: string; done: boolean };
const entries = (n: number): E[] =>
  Array.from({ length: n }, (_, i) => ({ id: `r${i}`, done: false }));

describe('AckOrder', () => {
  it('AckOrder - takes in-order acks from the head', () => {
    const order = new AckOrder<E>();
    const all = entries(3);
    for (const e of all) order.push(e);
    assert.deepEqual(
      ['r0', 'r1', 'r2'].map((id) => order.take(id)),
      all,
    );
    assert.equal(order.length, 0);
  });

  it('AckOrder - finds acks out of order, then in order again for later requests', () => {
    const order = new AckOrder<E>();
    const all = entries(6);
    for (const e of all.slice(0, 4)) order.push(e);
    assert.equal(order.take('r2'), all[2]);
    assert.equal(order.take('r0'), all[0]);
    for (const e of all.slice(4)) order.push(e);
    assert.equal(order.take('r4'), all[4]);
    assert.equal(order.take('r3'), all[3]);
    assert.equal(order.take('r1'), all[1]);
    assert.equal(order.take('r5'), all[5]);
    assert.equal(order.take('r5'), undefined);
    assert.equal(order.length, 0);
  });

  it('AckOrder - skips settled requests, forgets them, and finds and lists the awaited ones', () => {
    const order = new AckOrder<E>();
    const all = entries(4);
    for (const e of all) order.push(e);
    assert.equal(order.take('r1'), all[1]); // r0, r2, r3 move to the Map
    const r0 = all[0] as E;
    r0.done = true;
    order.forget(r0);
    assert.equal(order.take('r0'), undefined);
    assert.equal(order.find('r3'), all[3]);
    assert.deepEqual(order.awaited(), [all[2], all[3]]);
    order.clear();
    assert.equal(order.length, 0);
    assert.equal(order.take('r2'), undefined);
  });
});
