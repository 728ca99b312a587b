/** Consumer-group members and delivery checks for the group specs. */
import assert from 'node:assert/strict';
import { lastValueFrom } from 'rxjs';
import {
  type AssignedPartition,
  ErrorCode,
  type GroupMessage,
  groupCursorId,
  type LiftbridgeClient,
} from '../../lib/index.js';

/** Consumer timeout 2 s (so assignments are fetched every 800 ms), coordinator timeout 2 s. */
export const GROUP_TIMEOUTS = ['groups.consumer.timeout: 2s', 'groups.coordinator.timeout: 2s'];

/** A live consumer-group member that records what it receives. */
export function member(
  client: LiftbridgeClient,
  group: string,
  streams: string[],
  options: Parameters<LiftbridgeClient['consumerGroup']>[2] = {},
) {
  const received: GroupMessage[] = [];
  let failure: unknown;
  const subscription = client.consumerGroup(group, streams, options).subscribe({
    next: (m) => received.push(m),
    error: (err: unknown) => {
      failure = err;
    },
  });
  return { received, error: () => failure, stop: () => subscription.unsubscribe() };
}

/** A member through consumerGroupPartitions: which partitions it holds now, and what it read. */
export function partitionMember(
  client: LiftbridgeClient,
  group: string,
  streams: string[],
  options: Parameters<LiftbridgeClient['consumerGroup']>[2] = {},
) {
  const held = new Set<string>();
  const received: GroupMessage[] = [];
  let failure: unknown;
  const subscription = client.consumerGroupPartitions(group, streams, options).subscribe({
    next: (assigned: AssignedPartition) => {
      const key = `${assigned.stream}/${assigned.partition}`;
      held.add(key);
      assigned.subscribe({
        next: (m) => received.push(m),
        complete: () => held.delete(key),
        error: (err: unknown) => {
          failure = err;
        },
      });
    },
    error: (err: unknown) => {
      failure = err;
    },
  });
  return {
    held,
    received,
    error: () => failure,
    stop: () => subscription.unsubscribe(),
  };
}

/**
 * Every offset 0..count-1 of each partition was delivered, and no member
 * got one offset twice within one group epoch. Returns how many deliveries
 * repeated an offset delivered before (in an earlier epoch).
 */
export function assertGroupDelivery(
  deliveries: { member: string; received: GroupMessage[] }[],
  stream: string,
  partitions: number,
  count: number,
): number {
  const seen = new Map<string, string>();
  const covered = new Set<string>();
  for (const { member, received } of deliveries) {
    for (const m of received) {
      const at = `${m.partition}@${m.offset}`;
      covered.add(at);
      const withinEpoch = `${at}#${m.groupEpoch}`;
      const before = seen.get(withinEpoch);
      assert.equal(
        before,
        undefined,
        `${at} delivered twice in epoch ${m.groupEpoch} (${before}, ${member})`,
      );
      seen.set(withinEpoch, member);
    }
  }
  for (let p = 0; p < partitions; p++) {
    for (let o = 0; o < count; o++)
      assert.ok(covered.has(`${p}@${o}`), `${stream}/${p}@${o} was delivered to the group`);
  }
  return seen.size - covered.size;
}

export const label = (m: GroupMessage) => `${m.stream}/${m.partition}@${m.offset}`;

export const cursorOf = (
  client: LiftbridgeClient,
  stream: string,
  partition: number,
  group: string,
) => lastValueFrom(client.fetchCursor(stream, partition, groupCursorId(group)));

export const groupGone = (client: LiftbridgeClient, group: string) =>
  lastValueFrom(client.fetchConsumerGroup(group)).then(
    () => false,
    (err: { code?: string }) => err.code === ErrorCode.NotFound,
  );

/** Polls `probe` until it returns true; fails with its last answer after `ms`. */
export async function eventually(probe: () => Promise<true | string>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const answer = await probe();
    if (answer === true) return;
    if (Date.now() > until) assert.fail(`still ${answer} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
