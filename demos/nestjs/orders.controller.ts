// The microservice side of the demo: handlers fed by the Liftbridge transport.
import { Controller, Injectable } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { LiftbridgeContext, type LiftbridgeHandlerOptions } from 'liftbridge-rx/nestjs';
import { Subject } from 'rxjs';
import { ORDERS, ORDERS_CURSOR, SUMS } from './streams.js';

/** An order the handler processed. */
export interface HandledOrder {
  offset: bigint;
  value: string;
}

/** What the order handler did, for whoever watches (the demo's main prints it). */
@Injectable()
export class OrdersLog {
  readonly handled$ = new Subject<HandledOrder>();
}

@Controller()
export class OrdersController {
  constructor(private readonly log: OrdersLog) {}

  // Cursor mode: resumes after the last committed offset; a message is
  // committed once this method's Promise resolves. (`<string>` picks the
  // untyped overload: Nest 12's typed one rejects a typed @Ctx() under
  // strictFunctionTypes.)
  @EventPattern<string>(ORDERS, { cursorId: ORDERS_CURSOR } satisfies LiftbridgeHandlerOptions)
  async onOrder(@Payload() order: string, @Ctx() ctx: LiftbridgeContext): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // some asynchronous work
    this.log.handled$.next({ offset: ctx.getOffset(), value: order });
  }

  // Request/response: the reply goes to the stream the request names.
  @MessagePattern(SUMS)
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }
}
