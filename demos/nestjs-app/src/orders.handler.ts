// The microservice side: a handler fed by the Liftbridge transport.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { LiftbridgeContext, type LiftbridgeHandlerOptions } from 'liftbridge-rx/nestjs';
import { HandledOrders, ORDERS, ORDERS_CURSOR, type Order } from './orders.js';

@Controller()
export class OrdersHandler {
  constructor(private readonly handled: HandledOrders) {}

  // `<string>`: Nest's typed overload would reject a typed @Ctx() under strict.
  @EventPattern<string>(ORDERS, { cursorId: ORDERS_CURSOR } satisfies LiftbridgeHandlerOptions)
  onOrder(@Payload() order: Order, @Ctx() ctx: LiftbridgeContext): void {
    this.handled.orders.push({ ...order, offset: ctx.getOffset().toString() });
  }
}
