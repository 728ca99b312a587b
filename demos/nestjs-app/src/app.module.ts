// The application module: Liftbridge's module, the HTTP controller and the handlers.
import { Module } from '@nestjs/common';
import { LiftbridgeModule } from 'liftbridge-rx/nestjs';
import { OrdersController } from './orders.controller.js';
import { OrdersHandler } from './orders.handler.js';
import { HandledOrders } from './orders.js';
import { PaymentsHandler, SettledPayments } from './payments.handler.js';

const brokers = (process.env['LIFTBRIDGE_BROKERS'] ?? '127.0.0.1:9292').split(',');

@Module({
  imports: [LiftbridgeModule.forRoot({ brokers })],
  controllers: [OrdersController, OrdersHandler, PaymentsHandler],
  providers: [HandledOrders, SettledPayments],
})
export class AppModule {}
