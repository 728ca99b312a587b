/**
 * The test kit's FakeLiftbridgeClient under LiftbridgeModule in a Nest
 * testing module: overrideProvider(LiftbridgeClient) puts it under the
 * client, the LIFTBRIDGE_CLIENT token, the proxy and the health indicator;
 * emit() is pending for expectPublish right after the call; the Ack it
 * emits serializes to JSON.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Body, Controller, Inject, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import {
  LIFTBRIDGE_CLIENT,
  type LiftbridgeAck,
  LiftbridgeClient,
  type LiftbridgeClientApi,
  LiftbridgeClientProxy,
  LiftbridgeHealthIndicator,
  LiftbridgeModule,
} from '../../lib/nestjs/index.js';
import { FakeLiftbridgeClient } from '../../lib/testing/index.js';

@Controller('orders')
class OrdersController {
  constructor(
    private readonly proxy: LiftbridgeClientProxy,
    @Inject(LIFTBRIDGE_CLIENT) readonly client: LiftbridgeClientApi,
  ) {}

  @Post()
  create(@Body() order: { id: number }): Promise<LiftbridgeAck> {
    return lastValueFrom(this.proxy.emit('orders', order));
  }
}

async function testingModule(fake: FakeLiftbridgeClient) {
  const moduleRef = await Test.createTestingModule({
    imports: [LiftbridgeModule.forRoot({ brokers: ['127.0.0.1:1'] })],
    controllers: [OrdersController],
  })
    .overrideProvider(LiftbridgeClient)
    .useValue(fake)
    .compile();
  return moduleRef;
}

describe('nestjs - the fake client in a Nest testing module', () => {
  it('testing module - overrideProvider(LiftbridgeClient) puts the fake under the token, the proxy and health', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    const moduleRef = await testingModule(fake);
    const controller = moduleRef.get(OrdersController);
    assert.equal(controller.client, fake, '@Inject(LIFTBRIDGE_CLIENT) gets the fake');
    assert.equal(moduleRef.get(LiftbridgeClientProxy).unwrap(), fake);
    assert.equal(await moduleRef.get(LiftbridgeHealthIndicator).isHealthy(), true);
    await moduleRef.close();
    assert.equal(fake.closed, true, 'the module closes the client on shutdown');
  });

  it('testing module - emit() is pending right after the call: expectPublish, ack, and the Ack serializes', async () => {
    const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
    const moduleRef = await testingModule(fake);
    const controller = moduleRef.get(OrdersController);
    const result = controller.create({ id: 7 });
    fake.expectPublish({ stream: 'orders', value: '{"id":7}' }).ack();
    const ack = await result;
    assert.equal(ack.offset, 0n);
    const json = JSON.parse(JSON.stringify(ack)) as Record<string, unknown>;
    assert.equal(json['offset'], '0');
    assert.equal(json['stream'], 'orders');
    assert.equal(typeof json['commitTimestamp'], 'string');
    fake.verify();
    await moduleRef.close();
  });
});
