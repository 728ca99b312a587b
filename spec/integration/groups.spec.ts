/** Consumer groups against a real server (one node; short group timeouts). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { lastValueFrom, take, toArray } from 'rxjs';
import { ErrorCode, groupCursorId } from '../../lib/index.js';
import { childScript } from '../helpers/exit/index.js';
import {
  assertGroupDelivery,
  cursorOf,
  eventually,
  GROUP_TIMEOUTS,
  groupGone,
  label,
  member,
  partitionMember,
} from '../helpers/groups.js';
import { publishEach, text, waitFor } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';

const memberScript = childScript('group-member');

describe('consumer groups against a real server', async () => {
  const server = await useServer({ extraConfig: GROUP_TIMEOUTS });
  const client = server.client();
  const other = server.client();

  async function streamWith(partitions: number, perPartition: number): Promise<string> {
    const stream = uniqueName('grp');
    await lastValueFrom(client.createStream(stream, { partitions }));
    for (let p = 0; p < partitions; p++) {
      for (let i = 0; i < perPartition; i++)
        await lastValueFrom(client.publish(`p${p}-${i}`, { stream, partition: p }));
    }
    return stream;
  }

  it('consumerGroup - one member reads every partition of two streams once; unsubscribe checkpoints and leaves (the group is gone)', async () => {
    const a = await streamWith(2, 5);
    const b = await streamWith(1, 5);
    const group = uniqueName('g');
    const m = member(client, group, [a, b]);
    await waitFor(() => m.received.length >= 15, 30_000, '15 messages');
    const labels = m.received.map(label);
    assert.equal(new Set(labels).size, 15, 'each message once');
    assert.equal(labels.length, 15);
    assert.deepEqual(
      m.received.filter((x) => x.stream === a && x.partition === 1).map(text),
      ['p1-0', 'p1-1', 'p1-2', 'p1-3', 'p1-4'],
      'in order within a partition',
    );
    assert.equal(typeof m.received[0]?.groupEpoch, 'bigint');
    m.stop();
    // The goodbye runs in the background: the checkpoint is the last offset
    // delivered, and the group (now empty) is deleted.
    await eventually(async () => {
      const cursors = [
        await cursorOf(other, a, 0, group),
        await cursorOf(other, a, 1, group),
        await cursorOf(other, b, 0, group),
      ];
      const gone = await groupGone(other, group);
      return cursors.every((c) => c === 4n) && gone
        ? true
        : `cursors ${cursors.join(',')}, group gone: ${gone}`;
    });
  });

  it('consumerGroup - a member of the same group later starts after the checkpoint: only new messages', async () => {
    const stream = await streamWith(1, 3);
    const group = uniqueName('g');
    const own = server.client();
    const first = member(own, group, [stream]);
    await waitFor(() => first.received.length >= 3, 30_000, 'first member reads 3');
    // close() ends the group with CLIENT_CLOSED after its checkpoint and leave.
    await own.close();
    assert.equal((first.error() as { code?: string } | undefined)?.code, ErrorCode.Closed);
    assert.equal(await cursorOf(other, stream, 0, group), 2n);
    assert.ok(await groupGone(other, group), 'left the group');
    await publishEach(other, stream, 'new-', 0, 2);
    const later = await lastValueFrom(other.consumerGroup(group, stream).pipe(take(2), toArray()));
    assert.deepEqual(later.map(text), ['new-0', 'new-1']);
    assert.deepEqual(
      later.map((m) => m.offset),
      [3n, 4n],
    );
  });

  it('consumerGroupPartitions - a second member takes half the partitions, gives them back when it leaves; every message reaches the group, none twice within an epoch', async (t) => {
    const stream = uniqueName('grp');
    await lastValueFrom(client.createStream(stream, { partitions: 4 }));
    const group = uniqueName('g');
    const a = partitionMember(server.client(), group, [stream], { autoCheckpoint: 200 });
    await waitFor(() => a.held.size === 4, 20_000, 'A holds all 4');
    let sent = 0;
    const publishRound = async () => {
      for (let p = 0; p < 4; p++)
        await lastValueFrom(client.publish(`m${sent}`, { stream, partition: p }));
      sent += 1;
    };
    for (let i = 0; i < 5; i++) await publishRound();
    const b = partitionMember(server.client(), group, [stream], { autoCheckpoint: 200 });
    // Publish while the group rebalances.
    const until = Date.now() + 20_000;
    while (!(a.held.size === 2 && b.held.size === 2)) {
      assert.ok(Date.now() < until, `A holds ${[...a.held]}, B holds ${[...b.held]}`);
      await publishRound();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(
      [...a.held, ...b.held].sort(),
      [0, 1, 2, 3].map((p) => `${stream}/${p}`),
      'each partition held by one member',
    );
    for (let i = 0; i < 5; i++) await publishRound();
    b.stop();
    await waitFor(() => a.held.size === 4, 20_000, 'A holds all 4 again');
    for (let i = 0; i < 5; i++) await publishRound();
    await waitFor(
      () => a.received.filter((m) => m.offset === BigInt(sent - 1)).length === 4,
      20_000,
      'A read the last round',
    );
    assert.equal(a.error(), undefined);
    assert.equal(b.error(), undefined);
    assert.ok(b.received.length > 0, 'B read its partitions');
    const repeats = assertGroupDelivery(
      [
        { member: 'A', received: a.received },
        { member: 'B', received: b.received },
      ],
      stream,
      4,
      sent,
    );
    t.diagnostic(
      `${sent * 4} messages; A read ${a.received.length}, B ${b.received.length}; ${repeats} again in a later epoch`,
    );
    a.stop();
  });

  it('consumerGroup - a member too slow to fetch its assignments is dropped (its partitions go to the others), then rejoins by itself', async () => {
    const stream = uniqueName('grp');
    await lastValueFrom(client.createStream(stream, { partitions: 2 }));
    const group = uniqueName('g');
    const steady = partitionMember(server.client(), group, [stream]);
    await waitFor(() => steady.held.size === 2, 20_000, 'steady member holds both');
    // Fetches every 5 s while the server drops members silent for 2 s.
    const slow = partitionMember(server.client(), group, [stream], {
      fetchAssignmentsInterval: 5_000,
    });
    await waitFor(() => slow.held.size === 1 && steady.held.size === 1, 20_000, 'split 1/1');
    const split = (await lastValueFrom(client.fetchConsumerGroup(group))).epoch;
    // Dropped and back: the epoch moves on twice (removed, then added). The
    // rejoin is prompt (its fenced subscription makes it ask at once), so
    // the steady member may never see the epoch in which it held both.
    const deadline = Date.now() + 30_000;
    let epoch = split;
    while (!(epoch >= split + 2n && slow.held.size === 1 && steady.held.size === 1)) {
      assert.ok(
        Date.now() < deadline,
        `epoch ${split} -> ${epoch}; slow holds ${slow.held.size}, steady ${steady.held.size}`,
      );
      await new Promise((r) => setTimeout(r, 200));
      epoch = (await lastValueFrom(client.fetchConsumerGroup(group))).epoch;
    }
    for (let p = 0; p < 2; p++)
      await lastValueFrom(client.publish('after', { stream, partition: p }));
    await waitFor(
      () => steady.received.length + slow.received.length >= 2,
      20_000,
      'both partitions read',
    );
    assert.equal(slow.error(), undefined);
    assert.equal(steady.error(), undefined);
    assertGroupDelivery(
      [
        { member: 'steady', received: steady.received },
        { member: 'slow', received: slow.received },
      ],
      stream,
      2,
      1,
    );
    slow.stop();
    steady.stop();
  });

  it('consumerGroup - a crashed member restarted with the same consumerId (still a member) carries on after the checkpoint', async () => {
    const stream = await streamWith(1, 3);
    const group = uniqueName('g');
    const child = spawn(
      process.execPath,
      [memberScript, server.brokers.join(','), group, stream, 'worker-1'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor(() => out.includes('0@2'), 30_000, 'the child read 3 messages');
    await eventually(async () => {
      const at = await cursorOf(client, stream, 0, group);
      return at === 2n || `checkpoint ${at}`;
    });
    // Connected before the kill: the restart must join within the server's
    // 2 s consumer timeout, or the group forgets worker-1 first.
    const restarted = server.client();
    await lastValueFrom(restarted.fetchMetadata());
    const before = await lastValueFrom(client.fetchConsumerGroup(group));
    child.kill('SIGKILL');
    await exited;
    const again = member(restarted, group, [stream], { consumerId: 'worker-1' });
    await publishEach(client, stream, 'later-', 0, 2);
    await waitFor(() => again.received.length >= 2, 20_000, 'the two later messages');
    again.stop();
    assert.deepEqual(again.received.map(text), ['later-0', 'later-1']);
    assert.equal(
      again.received[0]?.groupEpoch,
      before.epoch,
      'took over the membership (no new join)',
    );
  });

  it('consumerGroup - autoOffset: latest starts at the newest message, newOnly after it, none fails NOT_FOUND without a checkpoint', async () => {
    const stream = await streamWith(1, 3);
    const latest = await lastValueFrom(
      client
        .consumerGroup(uniqueName('g'), stream, { autoOffset: 'latest' })
        .pipe(take(1), toArray()),
    );
    assert.deepEqual(latest.map(text), ['p0-2']);
    const fresh = member(client, uniqueName('g'), [stream], { autoOffset: 'newOnly' });
    // Published until one arrives (one sent before the member's subscription
    // starts is, rightly, never seen): only new messages ever arrive.
    const deadline = Date.now() + 20_000;
    while (fresh.received.length === 0) {
      assert.ok(Date.now() < deadline, 'the new message');
      await lastValueFrom(client.publish('fresh', { stream }));
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(
      fresh.received.every((m) => text(m) === 'fresh'),
      fresh.received.map(text).join(),
    );
    fresh.stop();
    await assert.rejects(
      lastValueFrom(client.consumerGroup(uniqueName('g'), stream, { autoOffset: 'none' })),
      (err: { code?: string; message?: string }) =>
        err.code === ErrorCode.NotFound && /no checkpoint/.test(err.message ?? ''),
    );
  });

  it('consumerGroup - autoCheckpoint: 0 stores nothing by itself; a checkpoint set with groupCursorId is where the group resumes', async () => {
    const stream = await streamWith(1, 4);
    const group = uniqueName('g');
    const own = server.client();
    const read = await lastValueFrom(
      own.consumerGroup(group, stream, { autoCheckpoint: 0 }).pipe(take(4), toArray()),
    );
    assert.equal(read.length, 4);
    await own.close();
    assert.equal(await cursorOf(client, stream, 0, group), -1n, 'nothing checkpointed');
    // Processed up to offset 1: checkpoint it by hand.
    await lastValueFrom(client.setCursor(stream, 0, groupCursorId(group), 1));
    const rest = await lastValueFrom(client.consumerGroup(group, stream).pipe(take(2), toArray()));
    assert.deepEqual(rest.map(text), ['p0-2', 'p0-3']);
  });

  it('consumerGroup - bad arguments throw INVALID_ARGUMENT at the call site; an unknown stream is NOT_FOUND; fetchConsumerGroup tells coordinator and epoch', async () => {
    for (const call of [
      () => client.consumerGroup('', 's'),
      () => client.consumerGroup('g', []),
      () => client.consumerGroup('g', 's', { autoOffset: 'first' as 'earliest' }),
      () => client.consumerGroup('g', 's', { autoCheckpoint: -1 }),
      () => client.consumerGroup('g', 's', { fetchAssignmentsInterval: 0 }),
      () => client.consumerGroup('g', 's', { consumerId: '' }),
      () => client.fetchConsumerGroup(''),
    ]) {
      assert.throws(call, { code: ErrorCode.InvalidArgument });
    }
    await assert.rejects(lastValueFrom(client.consumerGroup(uniqueName('g'), uniqueName('none'))), {
      code: ErrorCode.NotFound,
    });
    const stream = await streamWith(1, 1);
    const group = uniqueName('g');
    const m = member(client, group, [stream]);
    await waitFor(() => m.received.length === 1, 20_000, 'one message');
    const info = await lastValueFrom(client.fetchConsumerGroup(group));
    assert.equal(info.id, group);
    assert.ok(info.coordinator.length > 0);
    assert.equal(info.epoch, m.received[0]?.groupEpoch);
    m.stop();
    await assert.rejects(lastValueFrom(client.fetchConsumerGroup(uniqueName('none'))), {
      code: ErrorCode.NotFound,
    });
  });
});
