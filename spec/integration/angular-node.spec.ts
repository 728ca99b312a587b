/**
 * The Angular demo's Node side against a real Liftbridge: LiftbridgeStreamService
 * from an Angular environment injector, and destroying the injector ends its
 * streams, closes the client and lets the process exit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inject, runInInjectionContext } from '@angular/core';
import { concatMap, firstValueFrom, from, lastValueFrom, map, take, toArray } from 'rxjs';
import {
  createNodeInjector,
  LIFTBRIDGE_CLIENT,
  LiftbridgeStreamService,
  provideLiftbridge,
} from '../../demos/angular/node/liftbridge-stream.service.js';
import { StartPosition } from '../../lib/index.js';
import { projectRoot } from '../../scripts/testbed/paths.js';
import { uniqueName, useServer } from '../helpers/server.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe('Angular in Node (LiftbridgeStreamService)', async () => {
  const server = await useServer();

  it('LiftbridgeStreamService - inject() gives the service; messages() reads a stream', async () => {
    const injector = createNodeInjector([provideLiftbridge(server.brokers)]);
    try {
      const streams = runInInjectionContext(injector, () => inject(LiftbridgeStreamService));
      assert.equal(streams, injector.get(LiftbridgeStreamService), 'one service per injector');
      const stream = uniqueName('angular');
      await lastValueFrom(injector.get(LIFTBRIDGE_CLIENT).createStream(stream));
      const acks = await lastValueFrom(
        from(['a', 'b', 'c']).pipe(
          concatMap((v) => streams.publish(stream, `value ${v}`, `key ${v}`)),
          map((ack) => ack.offset),
          toArray(),
        ),
      );
      assert.deepEqual(acks, [0n, 1n, 2n]);
      const read = await lastValueFrom(
        streams.messages(stream).pipe(
          take(3),
          map((m) => `${m.offset} ${text(m.key)}=${text(m.value)}`),
          toArray(),
        ),
      );
      assert.deepEqual(read, ['0 key a=value a', '1 key b=value b', '2 key c=value c']);
    } finally {
      injector.destroy();
    }
  });

  it('LiftbridgeStreamService - destroying the injector completes live streams, then closes the client', async () => {
    const injector = createNodeInjector([provideLiftbridge(server.brokers)]);
    const client = injector.get(LIFTBRIDGE_CLIENT);
    const streams = injector.get(LiftbridgeStreamService);
    const stream = uniqueName('angular');
    await lastValueFrom(client.createStream(stream));
    const seen: string[] = [];
    let ended: string | undefined;
    const first = new Promise<void>((resolve) => {
      streams.messages(stream, { startPosition: StartPosition.EARLIEST }).subscribe({
        next: (m) => {
          seen.push(text(m.value));
          resolve();
        },
        error: (err: unknown) => {
          ended = `error ${err}`;
        },
        complete: () => {
          ended = 'complete';
        },
      });
    });
    await firstValueFrom(streams.publish(stream, 'one'));
    await first;
    assert.equal(client.closed, false);
    injector.destroy();
    assert.equal(ended, 'complete', 'the live stream completes, no CLIENT_CLOSED error');
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    assert.equal(client.closed, true, 'the client closes with the injector');
    assert.deepEqual(seen, ['one']);
  });

  it('read-stream demo - reads, ends its live subscription with the injector, exits on its own', () => {
    const res = spawnSync(
      process.execPath,
      [join(projectRoot, '.build', 'demos', 'angular', 'node', 'read-stream.js')],
      {
        cwd: projectRoot,
        env: { ...process.env, LIFTBRIDGE_BROKERS: server.brokers.join(',') },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(res.signal, null, `the demo did not exit by itself: ${res.stderr}`);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split('\n'), [
      'read 0: alpha, 1: beta, 2: gamma',
      'live: delta',
      'live subscription completed',
      'injector destroyed; live subscription closed: true',
    ]);
  });
});
