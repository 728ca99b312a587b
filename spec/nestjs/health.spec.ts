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
import {
  LiftbridgeClient,
  LiftbridgeHealthIndicator,
  LiftbridgeModule,
  LiftbridgeServer,
} from '../../lib/nestjs/index.js';
import { GROUP_TIMEOUTS } from '../helpers/groups.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { moduleOf, until } from './helpers.js';

describe('LiftbridgeHealthIndicator against a real server', async () => {
  const server = await useServer({ extraConfig: GROUP_TIMEOUTS });

  it('health - up, down while the broker is killed, up after it returns; the transport then reads on', async () => {
    const node = server.node;
    assert.ok(node, 'this spec kills its own server (not with LIFTBRIDGE_BROKERS)');
    const stream = uniqueName('health');
    const handled: unknown[] = [];
    @Controller()
    class Orders {
      @EventPattern<string>(stream, { cursorId: 'health' })
      on(@Payload() data: unknown) {
        handled.push(data);
      }
    }
    const app = await NestFactory.create(
      moduleOf([Orders], [LiftbridgeModule.forRoot({ brokers: server.brokers })]),
      { logger: false, abortOnError: false },
    );
    try {
      const client = app.get(LiftbridgeClient);
      await lastValueFrom(client.createStream(stream));
      app.connectMicroservice({ strategy: new LiftbridgeServer({ client }) });
      await app.startAllMicroservices();
      await app.init();
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
      // A restarted broker answers before it has loaded its streams (UNAVAILABLE, retriable).
      await until(
        () =>
          lastValueFrom(client.publish('"back"', { stream })).then(
            () => true,
            () => false,
          ),
        'a publish after the restart',
      );
      await until(() => handled.includes('back'), 'the handler reads after the restart', 20_000);
    } finally {
      await app.close();
    }
  });

  it('group mode - a read that fails past retryTimeout (broker killed) makes the member join again later, and it reads on', async () => {
    const node = server.node;
    assert.ok(node, 'this spec kills its own server (not with LIFTBRIDGE_BROKERS)');
    const stream = uniqueName('health-group');
    const handled: unknown[] = [];
    @Controller()
    class Jobs {
      @EventPattern<string>(stream, { group: uniqueName('g') })
      on(@Payload() data: unknown) {
        handled.push(data);
      }
    }
    const app = await NestFactory.create(
      moduleOf(
        [Jobs],
        [LiftbridgeModule.forRoot({ brokers: server.brokers, retryTimeout: 2_000 })],
      ),
      { logger: false, abortOnError: false },
    );
    const errors: unknown[] = [];
    try {
      const client = app.get(LiftbridgeClient);
      await lastValueFrom(client.createStream(stream, { waitForStream: true }));
      const transport = new LiftbridgeServer({ client });
      transport.on('error', (err: unknown) => errors.push(err));
      app.connectMicroservice({ strategy: transport });
      await app.startAllMicroservices();
      await app.init();
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
      await until(
        () =>
          lastValueFrom(client.publish('"back"', { stream })).then(
            () => true,
            () => false,
          ),
        'a publish after the restart',
        60_000,
      );
      await until(() => handled.includes('back'), 'the member reads after the restart', 90_000);
    } finally {
      await app.close();
    }
  });
});
