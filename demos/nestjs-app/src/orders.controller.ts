// The HTTP side: POST /orders publishes, GET /orders/handled and GET /health report.
import { Body, Controller, Get, Post, ServiceUnavailableException } from '@nestjs/common';
import {
  type LiftbridgeAck,
  LiftbridgeClientProxy,
  LiftbridgeHealthIndicator,
} from 'liftbridge-rx/nestjs';
import type { Observable } from 'rxjs';
import { HandledOrders, ORDERS, type Order } from './orders.js';

@Controller()
export class OrdersController {
  constructor(
    private readonly proxy: LiftbridgeClientProxy,
    private readonly health: LiftbridgeHealthIndicator,
    private readonly handled: HandledOrders,
  ) {}

  // The Ack serializes: {"stream":"app-orders","offset":"0",...} (64-bit fields as strings).
  @Post('orders')
  create(@Body() order: Order): Observable<LiftbridgeAck> {
    return this.proxy.emit(ORDERS, order);
  }

  @Get('orders/handled')
  list(): Order[] {
    return this.handled.orders;
  }

  @Get('health')
  async check() {
    const result = await this.health.check('liftbridge');
    if (result['liftbridge']?.status !== 'up') throw new ServiceUnavailableException(result);
    return result;
  }
}
