/**
 * LiftbridgeModule against a real server: forRoot and forRootAsync provide
 * a LiftbridgeClient (injected by class) and a LiftbridgeClientProxy on it;
 * app.close() closes the client, and a process that ran a whole Nest
 * application exits by itself after app.close().
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom } from 'rxjs';
import { ErrorCode, isLiftbridgeError, LiftbridgeClient } from '../../lib/index.js';
import {
  LIFTBRIDGE_MODULE_OPTIONS,
  LiftbridgeClientProxy,
  LiftbridgeModule,
  type LiftbridgeModuleOptions,
} from '../../lib/nestjs/index.js';
import { runChild } from '../helpers/exit/index.js';
import { uniqueName, useServer } from '../helpers/server.js';
import { moduleOf } from './helpers.js';

const appExit = join(fileURLToPath(new URL('.', import.meta.url)), 'child', 'app-exit.js');

const BROKERS = Symbol('BROKERS');

@Injectable()
class StreamMaker {
  constructor(readonly client: LiftbridgeClient) {}

  async make(): Promise<string> {
    const name = uniqueName('nestm');
    await lastValueFrom(this.client.createStream(name));
    return name;
  }
}

const context = (module: ReturnType<typeof moduleOf>) =>
  NestFactory.createApplicationContext(module, { logger: false, abortOnError: false });

describe('LiftbridgeModule against a real server', async () => {
  const server = await useServer();

  it('forRoot - a service gets the LiftbridgeClient by class; the proxy shares it; app.close() closes it', async () => {
    const app = await context(
      moduleOf([], [LiftbridgeModule.forRoot({ brokers: server.brokers })], [StreamMaker]),
    );
    const maker = app.get(StreamMaker);
    const client = app.get(LiftbridgeClient);
    assert.equal(maker.client, client, 'one client, injected by class');
    assert.equal(app.get(LiftbridgeClientProxy).unwrap(), client);
    const name = await maker.make();
    const ack = await lastValueFrom(client.publish('hello', { stream: name }));
    assert.equal(ack.offset, 0n);
    assert.equal(client.closed, false);
    await app.close();
    assert.equal(client.closed, true, 'closed on application shutdown');
  });

  it('forRootAsync - options from an async factory with injected providers from imported modules', async () => {
    @Module({ providers: [{ provide: BROKERS, useValue: server.brokers }], exports: [BROKERS] })
    class ConfigModule {}
    const app = await context(
      moduleOf(
        [],
        [
          LiftbridgeModule.forRootAsync({
            imports: [ConfigModule],
            inject: [BROKERS],
            useFactory: async (brokers: string[]) => ({ brokers, ackTimeout: 7000 }),
          }),
        ],
        [StreamMaker],
      ),
    );
    const options = app.get<LiftbridgeModuleOptions>(LIFTBRIDGE_MODULE_OPTIONS);
    assert.deepEqual(options, { brokers: server.brokers, ackTimeout: 7000 });
    const client = app.get(LiftbridgeClient);
    await app.get(StreamMaker).make();
    await app.close();
    assert.equal(client.closed, true);
  });

  it('forRoot - global: true makes the client injectable in modules that do not import it', async () => {
    @Injectable()
    class Elsewhere {
      constructor(@Inject(LiftbridgeClient) readonly client: LiftbridgeClient) {}
    }
    const Feature = moduleOf([], [], [Elsewhere]);
    const app = await context(
      moduleOf([], [LiftbridgeModule.forRoot({ brokers: server.brokers, global: true }), Feature]),
    );
    const client = app.get(Elsewhere).client;
    assert.ok(client instanceof LiftbridgeClient);
    await app.close();
    assert.equal(client.closed, true);
  });

  it('forRoot - bad options are INVALID_ARGUMENT: at the call, or when the client is made', async () => {
    assert.throws(
      () => LiftbridgeModule.forRoot(null as never),
      (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
    );
    assert.throws(
      () => LiftbridgeModule.forRootAsync({} as never),
      (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
    );
    await assert.rejects(
      context(moduleOf([], [LiftbridgeModule.forRoot({ brokers: ['no-port'] })])),
      (err: unknown) => isLiftbridgeError(err, ErrorCode.InvalidArgument),
    );
  });

  it('exit - a process that ran the demo app (HTTP, open SSE, transport, send) exits by itself after app.close()', async () => {
    const { code, out, err } = await runChild(appExit, [server.brokers.join(','), 'close'], {
      killAfterMs: 30_000,
    });
    assert.equal(code, 0, `exit code (killed after 30 s if it hung): ${out} ${err}`);
    assert.match(out, /posted 201, sse 200, sum 5/);
    assert.match(out, /done/);
  });

  it('exit - control: without app.close() the process stays alive (so the check above can fail)', async () => {
    const { code, out } = await runChild(appExit, [server.brokers.join(','), 'no-close'], {
      killAfterMs: 60_000,
      afterDoneMs: 3000,
    });
    assert.match(out, /done/);
    assert.equal(code, null, 'killed 3 s after its work, still running');
  });
});
