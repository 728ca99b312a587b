/**
 * The public surface of a client, as a type: what LiftbridgeClient offers
 * and what a test double must offer too.
 */
import type { LiftbridgeClient } from './client.js';

/**
 * Every public member of {@link LiftbridgeClient}, as a structural type.
 * Type your own code's client parameter with it so the testing kit's
 * `FakeLiftbridgeClient` (`liftbridge-rx/testing`) can stand in for the
 * real client; the fake `implements` it, so the compiler fails the build the
 * day the two drift apart.
 *
 * @example
 * ```ts
 * function publishOrder(client: LiftbridgeClientApi, order: { id: string }): Observable<Ack> {
 *   return client.publish(JSON.stringify(order), { stream: 'orders' });
 * }
 * ```
 */
export type LiftbridgeClientApi = Pick<LiftbridgeClient, keyof LiftbridgeClient>;
