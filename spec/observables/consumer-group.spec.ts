/**
 * Consumer-group logic against a scripted in-process coordinator (no
 * server): how assignments become epoch-carrying subscriptions, where each
 * partition starts, when checkpoints are written, how fencing, epoch
 * changes, an unreachable coordinator and unsubscribing are handled. The
 * real-server behaviour is in spec/integration/groups*.spec.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BehaviorSubject, defer, finalize, type Observable, of, Subject, throwError } from 'rxjs';
import { ErrorCode, LiftbridgeError, type Message } from '../../lib/index.js';
import type { GroupCalls } from '../../lib/internal/group-member.js';
import {
  type AssignedPartition,
  type GroupContext,
  type GroupMessage,
  groupPartitions,
} from '../../lib/observables/consumer-group.js';
import type { GroupFlow } from '../../lib/observables/group-flow.js';
import type { GroupClaim, SubscribeOptions } from '../../lib/observables/subscribe.js';
import { waitFor } from '../helpers/oracle.js';

interface Opened {
  stream: string;
  options: SubscribeOptions;
  claim: GroupClaim;
  paused: Observable<boolean> | undefined;
  messages: Subject<Message>;
  closed: boolean;
}

/** A coordinator and cursor store scripted by the spec. */
class FakeGroup {
  epoch = 1n;
  coordinator = 'b1';
  assigned: Record<string, number[]> = {};
  reachable = true;
  readonly calls: string[] = [];
  readonly cursors = new Map<string, bigint>();
  readonly checkpoints: string[] = [];
  readonly opened: Opened[] = [];
  readonly goodbyes: Promise<void>[] = [];
  /** The client's drain signal (next() to start draining). */
  readonly draining = new Subject<void>();
  /** Who is told when the client closes (close() tells them). */
  readonly closers = new Set<() => void>();
  live = 0;

  private handle(method: string, request: { epoch?: unknown }): unknown {
    this.calls.push(method);
    switch (method) {
      case 'JoinConsumerGroup':
        return {
          coordinator: this.coordinator,
          epoch: Number(this.epoch),
          consumerTimeout: 100_000_000, // 100 ms: fetch every 40 ms
          coordinatorTimeout: 200_000_000,
        };
      case 'FetchConsumerGroupAssignments': {
        if (!this.reachable) throw new LiftbridgeError(ErrorCode.Unavailable, 'down');
        if (BigInt(String(request.epoch)) !== this.epoch)
          throw new LiftbridgeError(ErrorCode.GroupFenced, 'client-provided group epoch differs');
        return {
          epoch: Number(this.epoch),
          assignments: Object.entries(this.assigned).map(([stream, partitions]) => ({
            stream,
            partitions,
          })),
        };
      }
      default:
        return {};
    }
  }

  private readonly conn = {
    unary: (method: string, request: { epoch?: unknown }) =>
      defer(() => {
        try {
          return of(this.handle(method, request));
        } catch (err) {
          return throwError(() => err);
        }
      }),
  };

  readonly cluster = {
    closed: false,
    options: { requestTimeout: 1000 },
    anyBroker: (call: (conn: unknown, attempt: number) => Observable<unknown>) =>
      call(this.conn, 1),
    atBroker: (_id: string, call: (conn: unknown) => Observable<unknown>) => call(this.conn),
    fetchGroup: () => of({ id: 'g', coordinator: this.coordinator, epoch: this.epoch }),
  } as unknown as GroupCalls;

  readonly context: GroupContext = {
    cluster: this.cluster,
    draining: this.draining,
    subscribe: (stream, options, claim, paused) =>
      defer(() => {
        const opened: Opened = {
          stream,
          options,
          claim,
          paused,
          messages: new Subject(),
          closed: false,
        };
        this.opened.push(opened);
        return opened.messages.pipe(
          finalize(() => {
            opened.closed = true;
          }),
        );
      }),
    fetchCursor: (stream, partition) => of(this.cursors.get(`${stream}/${partition}`) ?? -1n),
    setCursor: (stream, partition, _id, offset) =>
      defer(() => {
        this.checkpoints.push(`${stream}/${partition}=${offset}`);
        return of(undefined);
      }),
    live: () => {
      this.live += 1;
      return () => {
        this.live -= 1;
      };
    },
    goodbye: (_group, work) => {
      this.goodbyes.push(work);
    },
    onClosing: (giveUp: () => void) => {
      this.closers.add(giveUp);
      return () => this.closers.delete(giveUp);
    },
    settled: async () => {
      await Promise.allSettled(this.goodbyes);
    },
  };

  /** Sends a message on the latest subscription of a partition. */
  deliver(stream: string, partition: number, offset: bigint): void {
    const sub = this.latest(stream, partition);
    sub.messages.next({ stream, partition, offset } as Message);
  }

  /** The client closes: whoever waits for handlers gives up. */
  close(): void {
    for (const giveUp of [...this.closers]) giveUp();
  }

  latest(stream: string, partition: number): Opened {
    const found = this.opened.filter(
      (o) => o.stream === stream && o.options.partition === partition,
    );
    const last = found[found.length - 1];
    if (!last) throw new Error(`${stream}/${partition} never opened`);
    return last;
  }
}

/** Subscribes to the group; records each partition's messages and whether it completed. */
function consume(fake: FakeGroup, options = {}, flow?: GroupFlow) {
  const partitions = new Map<string, { messages: GroupMessage[]; completed: boolean }>();
  let ended = 'open';
  const context = flow ? { ...fake.context, flow } : fake.context;
  const subscription = groupPartitions(context, 'g', ['s'], {
    autoCheckpoint: 0,
    ...options,
  }).subscribe({
    next: (assigned: AssignedPartition) => {
      const record = { messages: [] as GroupMessage[], completed: false };
      partitions.set(`${assigned.stream}/${assigned.partition}`, record);
      assigned.subscribe({
        next: (m) => record.messages.push(m),
        complete: () => {
          record.completed = true;
        },
      });
    },
    complete: () => {
      ended = 'completed';
    },
    error: (err: unknown) => {
      ended = String(err);
    },
  });
  return { partitions, stop: () => subscription.unsubscribe(), ended: () => ended };
}

describe('consumer group logic (scripted coordinator)', () => {
  it('consumerGroupPartitions - each assigned partition starts after its checkpoint (or at autoOffset) and subscribes with the group epoch', async () => {
    const fake = new FakeGroup();
    fake.assigned = { s: [0, 1] };
    fake.cursors.set('s/0', 4n);
    const group = consume(fake, { autoOffset: 'latest' });
    await waitFor(() => fake.opened.length === 2, 2000, 'two subscriptions');
    const p0 = fake.latest('s', 0);
    const p1 = fake.latest('s', 1);
    assert.deepEqual(p0.options, { partition: 0, startPosition: 'OFFSET', startOffset: 5n });
    assert.deepEqual(p1.options, { partition: 1, startPosition: 'LATEST' });
    assert.equal(p0.claim.epoch, 1n);
    assert.equal(p0.claim.groupId, 'g');
    fake.deliver('s', 0, 5n);
    assert.deepEqual(
      group.partitions.get('s/0')?.messages.map((m) => [m.offset, m.groupEpoch]),
      [[5n, 1n]],
    );
    group.stop();
  });

  it('consumerGroupPartitions - a new epoch resubscribes kept partitions after what was delivered (not the older checkpoint); a partition taken away completes and is checkpointed', async () => {
    const fake = new FakeGroup();
    fake.assigned = { s: [0, 1] };
    const group = consume(fake, { autoCheckpoint: 60_000 });
    await waitFor(() => fake.opened.length === 2, 2000, 'two subscriptions');
    fake.deliver('s', 0, 0n);
    fake.deliver('s', 0, 1n);
    fake.deliver('s', 1, 0n);
    fake.epoch = 2n;
    fake.assigned = { s: [0] };
    await waitFor(() => group.partitions.get('s/1')?.completed, 2000, 's/1 taken away');
    await waitFor(() => fake.latest('s', 0).claim.epoch === 2n, 2000, 's/0 under epoch 2');
    assert.deepEqual(fake.latest('s', 0).options, {
      partition: 0,
      startPosition: 'OFFSET',
      startOffset: 2n,
    });
    await waitFor(() => fake.checkpoints.includes('s/1=0'), 2000, 's/1 checkpointed');
    assert.equal(group.partitions.get('s/0')?.completed, false);
    assert.ok(fake.calls.includes('FetchConsumerGroupAssignments'));
    group.stop();
  });

  it('consumerGroupPartitions - a subscription the server ends (a newer assignee took it) asks the coordinator at once and reopens if still assigned', async () => {
    const fake = new FakeGroup();
    fake.assigned = { s: [0] };
    const group = consume(fake, { fetchAssignmentsInterval: 60_000 });
    await waitFor(() => fake.opened.length === 1, 2000, 'subscribed');
    const fetches = fake.calls.filter((c) => c === 'FetchConsumerGroupAssignments').length;
    fake.deliver('s', 0, 7n);
    fake.latest('s', 0).messages.complete();
    await waitFor(() => fake.opened.length === 2, 2000, 'reopened without waiting a minute');
    assert.equal(
      fake.calls.filter((c) => c === 'FetchConsumerGroupAssignments').length,
      fetches + 1,
    );
    assert.equal(fake.latest('s', 0).options.startOffset, 8n);
    group.stop();
  });

  it('consumerGroupPartitions - an epoch mismatch is resolved from group metadata; a coordinator silent beyond its timeout is reported', async () => {
    const fake = new FakeGroup();
    fake.assigned = { s: [0] };
    const group = consume(fake);
    await waitFor(() => fake.opened.length === 1, 2000, 'subscribed');
    fake.epoch = 5n; // the member still asks with epoch 1: fenced, then metadata says 5
    await waitFor(() => fake.latest('s', 0).claim.epoch === 5n, 2000, 'epoch 5 adopted');
    fake.reachable = false;
    await waitFor(
      () => fake.calls.includes('ReportConsumerGroupCoordinator'),
      3000,
      'coordinator reported',
    );
    group.stop();
  });

  it('consumerGroupPartitions - unsubscribing completes the partitions, checkpoints what was delivered and leaves', async () => {
    const fake = new FakeGroup();
    fake.assigned = { s: [0, 1] };
    const group = consume(fake, { autoCheckpoint: 60_000 });
    await waitFor(() => fake.opened.length === 2, 2000, 'subscribed');
    assert.equal(fake.live, 1);
    fake.deliver('s', 1, 3n);
    group.stop();
    assert.equal(fake.live, 0);
    assert.equal(group.partitions.get('s/0')?.completed, true);
    assert.equal(group.partitions.get('s/1')?.completed, true);
    await Promise.all(fake.goodbyes);
    assert.deepEqual(fake.checkpoints, ['s/1=3']);
    assert.equal(fake.calls[fake.calls.length - 1], 'LeaveConsumerGroup');
  });

  it('consumerGroupPartitions - draining completes the group (not an error): partitions complete, what was delivered is checkpointed, the member leaves', async () => {
    const fake = new FakeGroup();
    fake.assigned = { s: [0, 1] };
    const group = consume(fake, { autoCheckpoint: 60_000 });
    await waitFor(() => fake.opened.length === 2, 2000, 'subscribed');
    fake.deliver('s', 0, 7n);
    fake.deliver('s', 1, 3n);
    fake.draining.next();
    assert.equal(group.ended(), 'completed');
    assert.equal(fake.live, 0);
    assert.equal(group.partitions.get('s/0')?.completed, true);
    assert.equal(group.partitions.get('s/1')?.completed, true);
    assert.equal(
      fake.goodbyes.length,
      1,
      'the checkpoint and leave are handed to the client (a drain waits for them)',
    );
    await Promise.all(fake.goodbyes);
    assert.deepEqual(fake.checkpoints.sort(), ['s/0=7', 's/1=3']);
    assert.equal(fake.calls[fake.calls.length - 1], 'LeaveConsumerGroup');
  });

  it('consumeGroup membership - under flow control: every subscription gets the pause signal, assignments are told, checkpoints cover what was handled (not delivered), the last one waits for the handlers', async () => {
    const fake = new FakeGroup();
    fake.assigned = { s: [0, 1] };
    const told: string[] = [];
    const handled = new Map<string, bigint>();
    let handlersOver: (() => void) | undefined;
    const paused = new BehaviorSubject(false);
    const flow: GroupFlow = {
      paused,
      assigned: (s, p) => told.push(`assigned ${s}/${p}`),
      revoked: (s, p) => told.push(`revoked ${s}/${p}`),
      handled: (s, p) => handled.get(`${s}/${p}`),
      ended: (callback) => {
        handlersOver = callback;
      },
    };
    const group = consume(fake, { autoCheckpoint: 60_000 }, flow);
    await waitFor(() => fake.opened.length === 2, 2000, 'two subscriptions');
    assert.ok(
      fake.opened.every((o) => o.paused === paused),
      'each call follows the pause signal',
    );
    assert.deepEqual(told, ['assigned s/0', 'assigned s/1']);
    fake.deliver('s', 0, 0n);
    fake.deliver('s', 0, 1n);
    fake.deliver('s', 1, 0n);
    fake.deliver('s', 1, 1n);
    handled.set('s/0', 0n);
    handled.set('s/1', 1n);
    // s/1 is taken away: told, and checkpointed at what was handled.
    fake.epoch = 2n;
    fake.assigned = { s: [0] };
    await waitFor(() => told.includes('revoked s/1'), 2000, 's/1 revoked');
    await waitFor(() => fake.checkpoints.includes('s/1=1'), 2000, 's/1 checkpointed');
    handled.set('s/0', 1n);
    group.stop();
    await new Promise((r) => setImmediate(r));
    assert.ok(
      !fake.checkpoints.some((c) => c.startsWith('s/0')),
      'no last checkpoint while handlers run',
    );
    assert.ok(!fake.calls.includes('LeaveConsumerGroup'), 'not left while handlers run');
    handlersOver?.();
    await Promise.all(fake.goodbyes);
    assert.deepEqual(fake.checkpoints, ['s/1=1', 's/0=1']);
    assert.equal(fake.calls[fake.calls.length - 1], 'LeaveConsumerGroup');
  });

  it('consumeGroup membership - closing while handlers run gives them up: their partitions are revoked (signals abort), the last checkpoint covers what was handled, then it leaves; nothing waits for them after', async () => {
    const fake = new FakeGroup();
    fake.assigned = { s: [0] };
    const told: string[] = [];
    const handled = new Map<string, bigint>();
    const flow: GroupFlow = {
      paused: new BehaviorSubject(false),
      assigned: (s, p) => told.push(`assigned ${s}/${p}`),
      revoked: (s, p) => told.push(`revoked ${s}/${p}`),
      handled: (s, p) => handled.get(`${s}/${p}`),
      ended: () => {}, // the handlers never end
    };
    const group = consume(fake, { autoCheckpoint: 60_000 }, flow);
    await waitFor(() => fake.opened.length === 1, 2000, 'the subscription');
    fake.deliver('s', 0, 0n);
    fake.deliver('s', 0, 1n);
    handled.set('s/0', 0n);
    group.stop();
    await new Promise((r) => setImmediate(r));
    assert.equal(fake.closers.size, 1, 'the goodbye waits for the handlers or the close');
    assert.ok(!fake.calls.includes('LeaveConsumerGroup'), 'not left while handlers run');
    fake.close();
    await Promise.all(fake.goodbyes);
    assert.ok(told.includes('revoked s/0'), 'the running handlers were given up');
    assert.deepEqual(fake.checkpoints, ['s/0=0']);
    assert.equal(fake.calls[fake.calls.length - 1], 'LeaveConsumerGroup');
    assert.equal(fake.closers.size, 0, 'no callback left behind');
  });

  it('consumeGroup membership - a goodbye whose handlers end first leaves no close callback behind', async () => {
    const fake = new FakeGroup();
    fake.assigned = { s: [0] };
    let handlersOver: (() => void) | undefined;
    const flow: GroupFlow = {
      paused: new BehaviorSubject(false),
      assigned: () => {},
      revoked: () => {},
      handled: () => undefined,
      ended: (callback) => {
        handlersOver = callback;
      },
    };
    const group = consume(fake, {}, flow);
    await waitFor(() => fake.opened.length === 1, 2000, 'the subscription');
    group.stop();
    await new Promise((r) => setImmediate(r));
    assert.equal(fake.closers.size, 1);
    handlersOver?.();
    await Promise.all(fake.goodbyes);
    assert.equal(fake.closers.size, 0, 'cancelled once the handlers ended');
  });
});
