/**
 * The NestJS transport drains the client on application shutdown instead
 * of closing it: publishes under way at app.close() are acked and stored,
 * live subscriptions complete, then the client is closed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom, Observable } from 'rxjs';
import { type Ack, LiftbridgeClient, StartPosition } from '../../lib/index.js';
import { LiftbridgeClientProxy, LiftbridgeModule } from '../../lib/nestjs/index.js';
import { readAll, text, waitFor } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { moduleOf } from './helpers.js';

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
});
