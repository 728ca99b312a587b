/**
 * LiftbridgeHealthIndicator against a real server that is killed and
 * started again: up while a broker answers, down while none does, up again
 * once it is back (the transport's subscription notices both); the
 * transport reads the partition again once the broker is back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { ClientOptions } from '../../lib/index.js';
import {
  LiftbridgeClient,
  type LiftbridgeClientApi,
  type LiftbridgeHandlerOptions,
  LiftbridgeHealthIndicator,
  LiftbridgeModule,
  LiftbridgeServer,
} from '../../lib/nestjs/index.js';
import { GROUP_TIMEOUTS } from '../helpers/groups.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { moduleOf, until } from './helpers.js';

describe('LiftbridgeHealthIndicator against a real server', async () => {
  const server = await useServer({ extraConfig: GROUP_TIMEOUTS });

  /**
   * A hybrid app with one handler of `stream` (`handler` options) that
   * records what it gets: the stream made, the transport listening.
   */
  async function recordingApp(
    stream: string,
    handler: LiftbridgeHandlerOptions,
    options: ClientOptions = {},
  ) {
    const handled: unknown[] = [];
    @Controller()
    class Recorder {
      @EventPattern<string>(stream, handler)
      on(@Payload() data: unknown) {
        handled.push(data);
      }
    }
    const app = await NestFactory.create(
      moduleOf([Recorder], [LiftbridgeModule.forRoot({ brokers: server.brokers, ...options })]),
      { logger: false, abortOnError: false },
    );
    const client = app.get(LiftbridgeClient);
    const transport = new LiftbridgeServer({ client });
    try {
      await lastValueFrom(client.createStream(stream, { waitForStream: true }));
      app.connectMicroservice({ strategy: transport });
      await app.startAllMicroservices();
      await app.init();
    } catch (err) {
      await app.close();
      throw err;
    }
    return { app, client, transport, handled };
  }

  /** Publishes `value` until it is accepted (a restarted broker answers before it has loaded its streams). */
  const publishOnceBack = (client: LiftbridgeClientApi, stream: string, value: string) =>
    until(
      () =>
        lastValueFrom(client.publish(value, { stream })).then(
          () => true,
          () => false,
        ),
      'a publish after the restart',
      60_000,
    );

  it('health - up, down while the broker is killed, up after it returns; the transport then reads on', async () => {
    const node = server.node;
    assert.ok(node, 'this spec kills its own server (not with LIFTBRIDGE_BROKERS)');
    const stream = uniqueName('health');
    const { app, client, handled } = await recordingApp(stream, { cursorId: 'health' });
    try {
      const health = app.get(LiftbridgeHealthIndicator);
      const up = await health.check('liftbridge');
      assert.equal(up['liftbridge']?.status, 'up', JSON.stringify(up));
      assert.deepEqual(up['liftbridge']?.brokers, server.brokers);

      await node.kill();
      await until(async () => !(await health.isHealthy()), 'health down', 30_000);
      const down = await health.check();
      assert.equal(down['liftbridge']?.status, 'down');
      assert.ok(down['liftbridge']?.error, 'down says why');

      await node.restart();
      await until(() => health.isHealthy(), 'health up again', 60_000);
      assert.equal((await health.check())['liftbridge']?.status, 'up');
      await publishOnceBack(client, stream, '"back"');
      await until(() => handled.includes('back'), 'the handler reads after the restart', 20_000);
    } finally {
      await app.close();
    }
  });

  it('group mode - a read that fails past retryTimeout (broker killed) makes the member join again later, and it reads on', async () => {
    const node = server.node;
    assert.ok(node, 'this spec kills its own server (not with LIFTBRIDGE_BROKERS)');
    const stream = uniqueName('health-group');
    const { app, client, transport, handled } = await recordingApp(
      stream,
      { group: uniqueName('g') },
      { retryTimeout: 2_000 },
    );
    const errors: unknown[] = [];
    transport.on('error', (err: unknown) => errors.push(err));
    try {
      await until(
        () =>
          lastValueFrom(client.publish('"before"', { stream })).then(
            () => handled.includes('before'),
            () => false,
          ),
        'the member to read',
        30_000,
      );
      await node.kill();
      // Past the client's retryTimeout: the membership's read fails and is reported.
      await until(() => errors.length > 0, 'the failed read to be reported', 30_000);
      await node.restart();
      await publishOnceBack(client, stream, '"back"');
      await until(() => handled.includes('back'), 'the member reads after the restart', 90_000);
    } finally {
      await app.close();
    }
  });
});
