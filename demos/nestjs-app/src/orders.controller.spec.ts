// The app's own unit test: the real module with the test kit's fake client.
import { Test } from '@nestjs/testing';
import { LiftbridgeClient } from 'liftbridge-rx/nestjs';
import { FakeLiftbridgeClient } from 'liftbridge-rx/testing';
import { lastValueFrom } from 'rxjs';
import { AppModule } from './app.module.js';
import { OrdersController } from './orders.controller.js';
import { ORDERS } from './orders.js';

describe('OrdersController', () => {
  let fake: FakeLiftbridgeClient;
  let controller: OrdersController;

  beforeEach(async () => {
    fake = new FakeLiftbridgeClient({ streams: { [ORDERS]: 1 } });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(LiftbridgeClient)
      .useValue(fake)
      .compile();
    controller = moduleRef.get(OrdersController);
  });

  it('publishes an order and answers with a JSON-safe ack', async () => {
    const ack$ = controller.create({ id: 7, item: 'tea' });
    fake.expectPublish({ stream: ORDERS, value: '{"id":7,"item":"tea"}' }).ack();
    const ack = await lastValueFrom(ack$);
    expect(JSON.parse(JSON.stringify(ack))).toMatchObject({ stream: ORDERS, offset: '0' });
    fake.verify();
  });
});
