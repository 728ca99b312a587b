/**
 * Child process of drain.spec: a Nest application whose Liftbridge
 * transport has a handler in flight (cursor mode on one stream, a consumer
 * group on another) when app.close() is called; the handlers finish after
 * close() started, their offsets are committed, and the process must then
 * exit on its own. argv: brokers (comma-separated), cursor stream, group stream.
 */
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { LiftbridgeClient, type LiftbridgeClientApi } from 'liftbridge-rx';
import { LiftbridgeModule, LiftbridgeServer } from 'liftbridge-rx/nestjs';
import { lastValueFrom } from 'rxjs';
import { moduleOf } from '../helpers.js';

const [brokers = '', cursorStream = '', groupStream = ''] = process.argv.slice(2);

// Each handler announces that it runs, then waits for `release`.
let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => {
  release = resolve;
});
const started = new Set<string>();

@Controller()
class Slow {
  @EventPattern<string>(cursorStream, { cursorId: 'drain' })
  async byCursor(@Payload() data: unknown) {
    started.add('cursor');
    await released;
    console.log(`cursor handled ${String(data)}`);
  }

  @EventPattern<string>(groupStream, { group: 'drain', autoOffset: 'earliest' })
  async byGroup(@Payload() data: unknown) {
    started.add('group');
    await released;
    console.log(`group handled ${String(data)}`);
  }
}

const app = await NestFactory.create(
  moduleOf([Slow], [LiftbridgeModule.forRoot({ brokers: brokers.split(',') })]),
  { logger: false, abortOnError: false },
);
const client: LiftbridgeClientApi = app.get(LiftbridgeClient);
const strategy = new LiftbridgeServer({ client });
// The handlers are released once the transport's close() has started (Nest
// calls it from app.close(), after its own hooks), so they are in flight then.
const close = strategy.close.bind(strategy);
strategy.close = () => {
  const closing = close();
  release();
  return closing;
};
app.connectMicroservice({ strategy });
await app.startAllMicroservices();
await app.init();
await lastValueFrom(client.publish('1', { stream: cursorStream }));
await lastValueFrom(client.publish('2', { stream: groupStream }));
while (started.size < 2) await new Promise((resolve) => setTimeout(resolve, 20));
console.log('in flight');
await app.close();
console.log('closed');
