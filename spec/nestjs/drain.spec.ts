/**
 * The NestJS transport drains the client on application shutdown instead
 * of closing it: publishes under way at app.close() are acked and stored,
 * live subscriptions complete, then the client is closed; handlers in
 * flight at app.close() finish and commit, and the process exits by itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { lastValueFrom, Observable } from 'rxjs';
import {
  type Ack,
  ErrorCode,
  groupCursorId,
  isLiftbridgeError,
  LiftbridgeClient,
  StartPosition,
} from '../../lib/index.js';
import {
  LiftbridgeClientProxy,
  LiftbridgeModule,
  LiftbridgeServer,
} from '../../lib/nestjs/index.js';
import { readAll, text, waitFor } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { cursorOf, moduleOf, startMicroservice, until } from './helpers.js';

/** Runs node with `args`; SIGKILL after `killAfterMs` (exit code null). */
function runChild(
  args: string[],
  killAfterMs: number,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, out, err });
    });
  });
}

describe('NestJS transport - drain on shutdown', async () => {
  const server = await useServer();

  it('LiftbridgeModule - app.close() drains the client: publishes under way are acked and stored, a live subscription completes, then it is closed', async () => {
    const app = await NestFactory.createApplicationContext(
      moduleOf([], [LiftbridgeModule.forRoot({ brokers: server.brokers })]),
      { logger: false, abortOnError: false },
    );
    const client = app.get(LiftbridgeClient);
    const stream = uniqueName('nest-drain');
    await lastValueFrom(client.createStream(stream));
    let live = 'open';
    client.subscribe(stream, { startPosition: StartPosition.EARLIEST }).subscribe({
      complete: () => {
        live = 'completed';
      },
      error: (err: unknown) => {
        live = String(err);
      },
    });
    const acks = Array.from({ length: 50 }, (_, i) =>
      lastValueFrom(client.publish(`n${i}`, { stream })).then((a) => a.offset),
    );
    await app.close();
    assert.equal((await Promise.all(acks)).length, 50, 'every publish under way was acked');
    assert.equal(live, 'completed', 'the live subscription completed (not CLIENT_CLOSED)');
    assert.equal(client.closed, true, 'closed after the drain');
    const stored = await readAll(server.brokers, stream);
    assert.equal(new Set(stored.map(text)).size, 50, 'all 50 stored');
  });

  it('LiftbridgeClientProxy - close() drains a client it made: an emit under way is acked', async () => {
    const stream = uniqueName('nest-drain-proxy');
    const admin = new LiftbridgeClient(server.brokers);
    await lastValueFrom(admin.createStream(stream));
    await admin.close();
    const proxy = new LiftbridgeClientProxy({ brokers: server.brokers });
    // Nest's emit connects first (asynchronously): close the proxy right
    // after the emit's publish is subscribed, so it is under way.
    const client = proxy.unwrap<LiftbridgeClient>();
    const publish = client.publish.bind(client);
    let closed: Promise<void> | undefined;
    client.publish = (value, options) =>
      new Observable<Ack>((subscriber) => {
        const under = publish(value, options).subscribe(subscriber);
        closed = proxy.close();
        return under;
      });
    const ack = lastValueFrom(proxy.emit(stream, { id: 1 }));
    await waitFor(() => closed, 10_000, 'the emit under way');
    await closed;
    assert.equal(client.closed, true);
    assert.equal(typeof (await ack).offset, 'bigint', 'the emit under way was acked');
    const stored = await readAll(server.brokers, stream);
    assert.equal(stored.length, 1);
  });
  it('LiftbridgeServer - app.close() lets the handlers in flight finish and commit (cursor and group), then the process exits by itself', async () => {
    const cursorStream = uniqueName('nest-drain-cursor');
    const groupStream = uniqueName('nest-drain-group');
    const admin = new LiftbridgeClient(server.brokers);
    try {
      await lastValueFrom(admin.createStream(cursorStream));
      await lastValueFrom(admin.createStream(groupStream));
      const script = join(fileURLToPath(new URL('.', import.meta.url)), 'child', 'drain-exit.js');
      const { code, out, err } = await runChild(
        [script, server.brokers.join(','), cursorStream, groupStream],
        60_000,
      );
      assert.equal(code, 0, `exit code (killed after 60 s if it hung): ${out} ${err}`);
      const lines = out.trim().split('\n');
      assert.equal(lines[0], 'in flight');
      assert.deepEqual(
        lines.slice(1, 3).sort(),
        ['cursor handled 1', 'group handled 2'],
        'both handlers finished after close() started',
      );
      assert.equal(lines[3], 'closed', 'app.close() resolved after the handlers finished');
      assert.equal(
        await lastValueFrom(admin.fetchCursor(cursorStream, 0, 'drain')),
        0n,
        'the cursor of the message handled during close() was stored',
      );
      assert.equal(
        await lastValueFrom(admin.fetchCursor(groupStream, 0, groupCursorId('drain'))),
        0n,
        "the group's checkpoint of the message handled during close() was stored",
      );
    } finally {
      await admin.close();
    }
  });
  it('LiftbridgeServer - a handler still running after drainTimeout is stopped uncommitted: close() resolves', async () => {
    const stream = uniqueName('nest-drain-stuck');
    const admin = new LiftbridgeClient(server.brokers);
    await lastValueFrom(admin.createStream(stream));
    let started = false;
    @Controller()
    class Stuck {
      @EventPattern<string>(stream, { cursorId: 'stuck' })
      on() {
        started = true;
        return new Promise<void>(() => undefined);
      }
    }
    const { app } = await startMicroservice([Stuck], {
      brokers: server.brokers,
      drainTimeout: 300,
    });
    try {
      await lastValueFrom(admin.publish('x', { stream }));
      await until(() => started, 'the handler runs');
      await app.close();
      assert.equal(await cursorOf(admin, stream, 0, 'stuck'), -1n, 'nothing committed');
    } finally {
      await admin.close();
    }
  });

  it('LiftbridgeServer - drainTimeout must be a number of ms above 0 (INVALID_ARGUMENT)', () => {
    for (const drainTimeout of [0, -1, Number.NaN, '5' as unknown as number]) {
      assert.throws(
        () => new LiftbridgeServer({ brokers: server.brokers, drainTimeout }),
        (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
        String(drainTimeout),
      );
    }
  });
});
