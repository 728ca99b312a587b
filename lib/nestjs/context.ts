/**
 * LiftbridgeContext: what a LiftbridgeServer handler gets with `@Ctx()`.
 */
import type { Message } from '../index.js';
import { microservices } from './peers.js';

/** Stores the offset of the message (or batch) being handled; rejects when that fails. */
export type LiftbridgeCommitFn = () => Promise<void>;

/**
 * The RPC context of a {@link LiftbridgeServer} handler: the message being
 * handled (the raw {@link Message}: stream, partition, offset, key,
 * headers, value), the whole batch for a batch handler, and `commit()`.
 *
 * @example
 * ```ts
 * @EventPattern<string>('orders', { cursorId: 'billing', commit: 'manual' })
 * async onOrder(@Payload() order: Order, @Ctx() ctx: LiftbridgeContext) {
 *   console.log(`${ctx.getStream()}/${ctx.getPartition()} at ${ctx.getOffset()}`);
 *   await ctx.commit();
 * }
 * ```
 */
export class LiftbridgeContext extends microservices.BaseRpcContext<
  [Message, readonly Message[], LiftbridgeCommitFn]
> {
  /** The message being handled (for a batch handler: the batch's last message). */
  getMessage(): Message {
    return this.args[0];
  }

  /** Every message of a batch handler's batch, in order; `[getMessage()]` for a one-message handler. */
  getMessages(): readonly Message[] {
    return this.args[1];
  }

  /** Stream of the message. */
  getStream(): string {
    return this.args[0].stream;
  }

  /** Partition of the message. */
  getPartition(): number {
    return this.args[0].partition;
  }

  /** Offset of the message in its partition (for a batch: the last one's). */
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

  /**
   * Stores the offset of {@link getMessage} now (the cursor, or the consumer
   * group's checkpoint): with `commit: 'manual'` nothing else does. Rejects
   * with the commit's error, or `INVALID_ARGUMENT` when the handler has
   * neither `cursorId` nor `group`.
   */
  commit(): Promise<void> {
    return this.args[2]();
  }
}
