/** orderBrokers: the order any-broker calls try brokers in, per policy. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderBrokers, type SelectionState } from '../../lib/internal/broker-selection.js';

const all = ['a:1', 'b:2', 'c:3', 'd:4'];
function state(over: Partial<SelectionState> = {}): SelectionState {
  return {
    preferred: undefined,
    rotation: 0,
    down: new Set(),
    latency: new Map(),
    workload: () => 0,
    random: Math.random,
    ...over,
  };
}

describe('broker selection', () => {
  it("broker selection - 'sticky': the last broker that answered, then the rest in turn; down ones last", () => {
    assert.deepEqual(orderBrokers('sticky', all, state()), all);
    assert.deepEqual(orderBrokers('sticky', all, state({ preferred: 'c:3', rotation: 1 })), [
      'c:3',
      'b:2',
      'd:4',
      'a:1',
    ]);
    assert.deepEqual(orderBrokers('sticky', all, state({ down: new Set(['a:1', 'b:2']) })), [
      'c:3',
      'd:4',
      'a:1',
      'b:2',
    ]);
  });

  it("broker selection - 'lowestLatency': unmeasured first (to measure them), then fastest", () => {
    const latency = new Map([
      ['a:1', 9],
      ['b:2', 1],
      ['d:4', 4],
    ]);
    assert.deepEqual(orderBrokers('lowestLatency', all, state({ latency })), [
      'c:3',
      'b:2',
      'd:4',
      'a:1',
    ]);
    assert.deepEqual(
      orderBrokers('lowestLatency', all, state({ latency, down: new Set(['c:3', 'b:2']) })),
      ['d:4', 'a:1', 'c:3', 'b:2'],
    );
  });

  it("broker selection - 'lowestWorkload': fewest partitions + leaders first", () => {
    const workload = new Map([
      ['a:1', 5],
      ['b:2', 2],
      ['c:3', 7],
      ['d:4', 0],
    ]);
    assert.deepEqual(
      orderBrokers('lowestWorkload', all, state({ workload: (a) => workload.get(a) ?? 0 })),
      ['d:4', 'b:2', 'a:1', 'c:3'],
    );
  });

  it("broker selection - 'random': every broker once, in an order the random source decides", () => {
    const seq = [0.9, 0.1, 0.5];
    let i = 0;
    const order = orderBrokers(
      'random',
      all,
      state({ random: () => seq[i++ % seq.length] as number }),
    );
    assert.deepEqual([...order].sort(), all);
    assert.notDeepEqual(order, all);
    const down = orderBrokers('random', all, state({ down: new Set(['b:2']) }));
    assert.equal(down.at(-1), 'b:2');
  });
});
