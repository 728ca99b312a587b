// Batches, manual commit and a dead-letter stream: payments are settled up
// to 100 at a time; a batch that fails goes to the dead-letter stream.
import { Controller, Injectable } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RpcException } from '@nestjs/microservices';
import { LiftbridgeContext, type LiftbridgeHandlerOptions } from 'liftbridge-rx/nestjs';

export const PAYMENTS = 'app-payments';
export const PAYMENTS_DEAD_LETTERS = 'app-payments-dead';

export interface Payment {
  order: number;
  amount: number;
}

@Injectable()
export class SettledPayments {
  count = 0;
}

@Controller()
export class PaymentsHandler {
  constructor(private readonly settled: SettledPayments) {}

  @EventPattern<string>(PAYMENTS, {
    cursorId: 'payments-app',
    batch: { size: 100, time: 500 },
    commit: 'manual',
    deadLetter: PAYMENTS_DEAD_LETTERS,
  } satisfies LiftbridgeHandlerOptions)
  async settle(@Payload() payments: Payment[], @Ctx() ctx: LiftbridgeContext): Promise<void> {
    // An RpcException keeps its message (Nest's filters turn other errors
    // into "Internal server error"): it goes into the dead letter's headers.
    if (payments.some((p) => !(p.amount > 0)))
      throw new RpcException(`no positive amount in batch ending at ${ctx.getOffset()}`);
    this.settled.count += payments.length;
    await ctx.commit(); // stores the offset of the batch's last message
  }
}
