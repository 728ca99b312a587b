// The demo application: the Liftbridge module and the two controllers.
import { type DynamicModule, Module } from '@nestjs/common';
import { LiftbridgeModule } from 'liftbridge-rx/nestjs';
import { MessagesController } from './messages.controller.js';
import { OrdersController, OrdersLog } from './orders.controller.js';
import { REPLIES } from './streams.js';

@Module({ controllers: [MessagesController, OrdersController], providers: [OrdersLog] })
export class AppModule {}

/** The application for these brokers. */
export function appModule(brokers: string[]): DynamicModule {
  return {
    module: AppModule,
    imports: [LiftbridgeModule.forRoot({ brokers, replyStream: REPLIES })],
  };
}
