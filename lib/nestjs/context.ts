/**
 * LiftbridgeContext: what a LiftbridgeServer handler gets with `@Ctx()`.
 */
import { BaseRpcContext } from '@nestjs/microservices';
import type { Message } from '../index.js';

/**
 * The RPC context of a {@link LiftbridgeServer} handler: the message being
 * handled, with its stream, partition, offset, key and headers.
 *
 * @example
 * ```ts
 * @EventPattern('orders')
 * onOrder(@Payload() order: Order, @Ctx() ctx: LiftbridgeContext) {
 *   console.log(`${ctx.getStream()}/${ctx.getPartition()} at ${ctx.getOffset()}`);
 * }
 * ```
 */
export class LiftbridgeContext extends BaseRpcContext<[Message]> {
  /** The message being handled. */
  getMessage(): Message {
    return this.args[0];
  }

  /** Stream of the message. */
  getStream(): string {
    return this.args[0].stream;
  }

  /** Partition of the message. */
  getPartition(): number {
    return this.args[0].partition;
  }

  /** Offset of the message in its partition. */
  getOffset(): bigint {
    return this.args[0].offset;
  }

  /** Key of the message (empty when none). */
  getKey(): Uint8Array {
    return this.args[0].key;
  }

  /** Headers of the message. */
  getHeaders(): ReadonlyMap<string, Uint8Array> {
    return this.args[0].headers;
  }
}
