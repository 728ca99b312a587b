/**
 * The testing kit behaves like the real client: one scenario, typed against
 * LiftbridgeClientApi, runs against a real server and against the fake
 * (told to ack every publish, as a server does), with the same results.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ErrorCode,
  isLiftbridgeError,
  LiftbridgeClient,
  type LiftbridgeClientApi,
  LiftbridgeError,
  type Message,
  StartPosition,
  StopPosition,
} from 'liftbridge-rx';
import { FakeLiftbridgeClient } from 'liftbridge-rx/testing';
import {
  firstValueFrom,
  from,
  lastValueFrom,
  map,
  mergeMap,
  type Observable,
  of,
  take,
  toArray,
} from 'rxjs';
import { uniqueName, useServer } from '../helpers/server.js';

const code = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
    return 'ok';
  } catch (err) {
    return isLiftbridgeError(err) ? err.code : `not a LiftbridgeError: ${String(err)}`;
  }
};

/** Everything a scenario observes, comparable across clients. */
async function scenario(client: LiftbridgeClientApi): Promise<unknown[]> {
  const seen: unknown[] = [];
  const stream = uniqueName('conf');
  await lastValueFrom(client.createStream(stream, { partitions: 2 }));
  seen.push(await code(lastValueFrom(client.createStream(stream))));
  const acks = await lastValueFrom(
    from(['a', 'b', 'c']).pipe(
      mergeMap((v) => client.publish(v, { stream, key: v }), 1),
      map((a) => `${a.stream === stream} ${a.partition} ${a.offset}`),
      toArray(),
    ),
  );
  seen.push(acks);
  const read = (options: Parameters<typeof client.subscribe>[1]) =>
    lastValueFrom(
      client.subscribe(stream, { stopPosition: StopPosition.LATEST, ...options }).pipe(
        map(
          (m) => `${m.offset}:${Buffer.from(m.value).toString()}:${Buffer.from(m.key).toString()}`,
        ),
        toArray(),
      ),
    );
  seen.push(await read({ startPosition: StartPosition.EARLIEST }));
  seen.push(await read({ startPosition: StartPosition.OFFSET, startOffset: 1 }));
  seen.push(await read({ startPosition: StartPosition.LATEST }));
  seen.push(String(await lastValueFrom(client.fetchCursor(stream, 0, 'c'))));
  await lastValueFrom(client.setCursor(stream, 0, 'c', 0));
  seen.push(String(await lastValueFrom(client.fetchCursor(stream, 0, 'c'))));
  seen.push(await read({ startPosition: StartPosition.RESUME, cursorId: 'c' }));
  const md = await lastValueFrom(client.fetchMetadata([stream]));
  seen.push(md.streams.get(stream)?.partitions.size);
  seen.push(await code(firstValueFrom(client.publish('x', { stream: uniqueName('missing') }))));
  seen.push(await code(firstValueFrom(client.subscribe(uniqueName('missing')))));
  seen.push(await code(Promise.resolve().then(() => client.publish('x', { stream: '' }))));
  await lastValueFrom(client.deleteStream(stream));
  seen.push(await code(firstValueFrom(client.subscribe(stream))));
  await client.close();
  seen.push(await code(firstValueFrom(client.fetchMetadata())));
  return seen;
}

/** What a `partition: 'all'` subscription observes, comparable across clients. */
async function allPartitions(client: LiftbridgeClientApi): Promise<unknown[]> {
  const seen: unknown[] = [];
  const stream = uniqueName('conf-all');
  await lastValueFrom(client.createStream(stream, { partitions: 3 }));
  for (const [value, partition] of [
    ['a', 0],
    ['b', 1],
    ['c', 1],
  ] as const) {
    await lastValueFrom(client.publish(value, { stream, partition }));
  }
  const read = (options: Parameters<typeof client.subscribe>[1]) =>
    lastValueFrom(
      client
        .subscribe(stream, { partition: 'all', stopPosition: StopPosition.LATEST, ...options })
        .pipe(
          map((m) => `${m.partition}/${m.offset}:${Buffer.from(m.value).toString()}`),
          toArray(),
          // Merged partitions interleave as they arrive: compare the set.
          map((lines) => lines.sort()),
        ),
    );
  seen.push(await read({ startPosition: StartPosition.EARLIEST }));
  seen.push(await read({ startPosition: StartPosition.LATEST }));
  await lastValueFrom(client.setCursor(stream, 1, 'c', 0));
  seen.push(await read({ startPosition: StartPosition.RESUME, cursorId: 'c' }));
  seen.push(
    await code(firstValueFrom(client.subscribe(uniqueName('missing'), { partition: 'all' }))),
  );
  seen.push(
    await code(
      Promise.resolve().then(() =>
        client.subscribe(stream, { partition: 'every' as unknown as number }),
      ),
    ),
  );
  await lastValueFrom(client.deleteStream(stream));
  await client.close();
  return seen;
}

/** messages() and consume(), flow-controlled: what they read and how they fail. */
async function flowControlled(client: LiftbridgeClientApi): Promise<unknown[]> {
  const seen: unknown[] = [];
  const stream = uniqueName('flow');
  await lastValueFrom(client.createStream(stream, { partitions: 2 }));
  await lastValueFrom(
    from(['a', 'b', 'c', 'd', 'e']).pipe(
      mergeMap((v, i) => client.publish(v, { stream, partition: i % 2 }), 1),
      toArray(),
    ),
  );
  const all = {
    partition: 'all',
    startPosition: StartPosition.EARLIEST,
    stopPosition: StopPosition.LATEST,
  } as const;
  const pairs: string[] = [];
  for await (const m of client.messages(stream, { ...all, highWaterMark: 1 })) {
    pairs.push(`${m.partition}/${m.offset}:${Buffer.from(m.value).toString()}`);
  }
  seen.push(pairs.sort());
  const first: string[] = [];
  for await (const m of client.messages(stream, { startPosition: StartPosition.EARLIEST })) {
    first.push(Buffer.from(m.value).toString());
    if (first.length === 2) break;
  }
  seen.push(first);
  const handled = await lastValueFrom(
    client
      .consume(stream, async (m) => Buffer.from(m.value).toString(), {
        ...all,
        partition: 1,
        prefetch: 1,
      })
      .pipe(toArray()),
  );
  seen.push(handled);
  seen.push(
    await code(
      (async () => {
        for await (const _ of client.messages(uniqueName('missing'))) break;
      })(),
    ),
  );
  seen.push(await code(lastValueFrom(client.consume(uniqueName('missing'), (m) => [m]))));
  seen.push(
    await code(Promise.resolve().then(() => client.messages(stream, { lowWaterMark: 1.5 }))),
  );
  await client.close();
  seen.push(
    await code(
      (async () => {
        for await (const _ of client.messages(stream)) break;
      })(),
    ),
  );
  return seen;
}

/**
 * consumeGroup(), flow-controlled: what a member handles, where the next
 * member of the group starts (checkpoints cover handled messages only),
 * and how it fails.
 */
async function groupFlow(client: LiftbridgeClientApi): Promise<unknown[]> {
  const seen: unknown[] = [];
  const stream = uniqueName('conf-gflow');
  const group = uniqueName('g');
  await lastValueFrom(client.createStream(stream, { partitions: 2 }));
  const publish = (values: string[], partition?: number) =>
    lastValueFrom(
      from(values).pipe(
        mergeMap((v, i) => client.publish(v, { stream, partition: partition ?? i % 2 }), 1),
        toArray(),
      ),
    );
  await publish(['a', 'b', 'c', 'd', 'e', 'f']);
  const text = (m: Message) => `${m.partition}/${m.offset}:${Buffer.from(m.value).toString()}`;
  // A prefetch of 1 over two partitions; take(6) unsubscribes: the member checkpoints and leaves.
  const first = await lastValueFrom(
    client
      .consumeGroup(group, stream, async (m) => text(m), { prefetch: 1 })
      .pipe(take(6), toArray()),
  );
  seen.push(first.sort());
  await publish(['g', 'h'], 0);
  // The next member starts after the checkpoints; a handler failing on 'h' ends it, 'h' not checkpointed.
  const second: string[] = [];
  seen.push(
    await code(
      lastValueFrom(
        client.consumeGroup(group, stream, (m) => {
          if (Buffer.from(m.value).toString() === 'h')
            throw new LiftbridgeError(ErrorCode.Internal, 'boom');
          second.push(text(m));
          return [text(m)];
        }),
      ),
    ),
  );
  seen.push(second);
  seen.push(
    await lastValueFrom(
      client.consumeGroup(group, stream, (m) => of(text(m)), { concurrency: 2 }).pipe(take(1)),
    ),
  );
  seen.push(
    await code(
      Promise.resolve().then(() => client.consumeGroup(group, stream, (m) => [m], { prefetch: 0 })),
    ),
  );
  seen.push(
    await code(lastValueFrom(client.consumeGroup(group, uniqueName('missing'), (m) => [m]))),
  );
  await client.close();
  seen.push(await code(lastValueFrom(client.consumeGroup(group, stream, (m) => [m]))));
  return seen;
}

/** What a drain observes, comparable across clients. */
async function draining(client: LiftbridgeClientApi): Promise<unknown[]> {
  const seen: unknown[] = [];
  const stream = uniqueName('conf-drain');
  await lastValueFrom(client.createStream(stream));
  await lastValueFrom(client.publish('before', { stream }));
  const statuses: string[] = [];
  client.status$.subscribe((e) => {
    if (e.type === 'draining' || e.type === 'closed') statuses.push(e.type);
  });
  const ended = (source: Observable<unknown>) =>
    new Promise<string>((resolve) => {
      source.subscribe({
        complete: () => resolve('completed'),
        error: (err: unknown) => resolve(isLiftbridgeError(err) ? err.code : String(err)),
      });
    });
  // Both readers have their first message before the drain starts.
  let reading = 0;
  const live = ended(
    client.subscribe(stream, { startPosition: StartPosition.EARLIEST }).pipe(
      map(() => {
        reading += 1;
      }),
    ),
  );
  const group = ended(
    client.consumerGroup(uniqueName('g'), stream).pipe(
      map(() => {
        reading += 1;
      }),
    ),
  );
  const until = Date.now() + 20_000;
  while (reading < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const acks = ['p1', 'p2', 'p3'].map((v) =>
    lastValueFrom(client.publish(v, { stream })).then((a) => a.stream === stream),
  );
  const drained = client.drain();
  seen.push(client.drain() === drained);
  seen.push(await code(lastValueFrom(client.publish('late', { stream }))));
  seen.push(await code(lastValueFrom(client.subscribe(stream))));
  seen.push(await code(lastValueFrom(client.fetchCursor(stream, 0, 'c'))));
  await drained;
  seen.push(await Promise.all(acks));
  seen.push(await live, await group);
  seen.push(client.closed, statuses);
  seen.push(await code(lastValueFrom(client.fetchMetadata())));
  return seen;
}

describe('testing kit - conformance with the real client', async () => {
  const server = await useServer();

  it('FakeLiftbridgeClient - the same scenario gives the same results as a real server', async () => {
    // The package's own client, as users import it (not lib/ via the helpers).
    const real = await scenario(new LiftbridgeClient(server.brokers));
    const fake = new FakeLiftbridgeClient();
    fake.whenPublish().ack();
    const faked = await scenario(fake);
    assert.deepEqual(real, [
      ErrorCode.StreamExists,
      ['true 0 0', 'true 0 1', 'true 0 2'],
      ['0:a:a', '1:b:b', '2:c:c'],
      ['1:b:b', '2:c:c'],
      ['2:c:c'],
      '-1',
      '0',
      ['1:b:b', '2:c:c'],
      2,
      ErrorCode.NotFound,
      ErrorCode.NotFound,
      ErrorCode.InvalidArgument,
      ErrorCode.NotFound,
      ErrorCode.Closed,
    ]);
    assert.deepEqual(faked, real);
  });

  it('FakeLiftbridgeClient - cursor calls naming a missing stream or partition fail as on a real server', async () => {
    const cursors = async (client: LiftbridgeClientApi) => {
      const stream = uniqueName('cursors');
      await lastValueFrom(client.createStream(stream));
      return [
        await code(firstValueFrom(client.setCursor(stream, 9, 'c', 1))),
        await code(firstValueFrom(client.fetchCursor(stream, 9, 'c'))),
        await code(firstValueFrom(client.setCursor(uniqueName('missing'), 0, 'c', 1))),
        await code(firstValueFrom(client.fetchCursor(uniqueName('missing'), 0, 'c'))),
        String(await lastValueFrom(client.fetchCursor(stream, 0, 'c'))),
      ];
    };
    const realClient = new LiftbridgeClient(server.brokers);
    const real = await cursors(realClient);
    await realClient.close();
    const fake = new FakeLiftbridgeClient();
    const faked = await cursors(fake);
    await fake.close();
    assert.deepEqual(real, [
      ErrorCode.InvalidArgument,
      ErrorCode.InvalidArgument,
      ErrorCode.NotFound,
      ErrorCode.NotFound,
      '-1',
    ]);
    assert.deepEqual(faked, real);
  });

  it('FakeLiftbridgeClient - drain gives the same results as a real server', async () => {
    const real = await draining(new LiftbridgeClient(server.brokers));
    const fake = new FakeLiftbridgeClient();
    fake.whenPublish().ack();
    const faked = await draining(fake);
    assert.deepEqual(real, [
      true,
      ErrorCode.Closed,
      ErrorCode.Closed,
      ErrorCode.Closed,
      [true, true, true],
      'completed',
      'completed',
      true,
      ['draining', 'closed'],
      ErrorCode.Closed,
    ]);
    assert.deepEqual(faked, real);
  });

  it("FakeLiftbridgeClient - partition: 'all' gives the same results as a real server", async () => {
    const real = await allPartitions(new LiftbridgeClient(server.brokers));
    const fake = new FakeLiftbridgeClient();
    fake.whenPublish().ack();
    const faked = await allPartitions(fake);
    assert.deepEqual(real, [
      ['0/0:a', '1/0:b', '1/1:c'],
      ['0/0:a', '1/1:c'],
      ['0/0:a', '1/1:c'],
      ErrorCode.NotFound,
      ErrorCode.InvalidArgument,
    ]);
    assert.deepEqual(faked, real);
  });

  it('FakeLiftbridgeClient - messages() and consume() give the same results as a real server', async () => {
    const real = await flowControlled(new LiftbridgeClient(server.brokers));
    const fake = new FakeLiftbridgeClient();
    fake.whenPublish().ack();
    const faked = await flowControlled(fake);
    assert.deepEqual(real, [
      ['0/0:a', '0/1:c', '0/2:e', '1/0:b', '1/1:d'],
      ['a', 'c'],
      ['b', 'd'],
      ErrorCode.NotFound,
      ErrorCode.NotFound,
      ErrorCode.InvalidArgument,
      ErrorCode.Closed,
    ]);
    assert.deepEqual(faked, real);
  });

  it('FakeLiftbridgeClient - consumeGroup() gives the same results as a real server', async () => {
    const real = await groupFlow(new LiftbridgeClient(server.brokers));
    const fake = new FakeLiftbridgeClient();
    fake.whenPublish().ack();
    const faked = await groupFlow(fake);
    assert.deepEqual(real, [
      ['0/0:a', '0/1:c', '0/2:e', '1/0:b', '1/1:d', '1/2:f'],
      ErrorCode.Internal,
      ['0/3:g'],
      '0/4:h',
      ErrorCode.InvalidArgument,
      ErrorCode.NotFound,
      ErrorCode.Closed,
    ]);
    assert.deepEqual(faked, real);
  });
});
