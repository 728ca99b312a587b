/**
 * The public surface of a client, as an explicit interface: what
 * LiftbridgeClient offers and what a test double must offer too. Each
 * capability's calls are documented on its own interface, beside its
 * options (lib/admin/, lib/publish/, lib/observables/).
 */
import type { Observable } from 'rxjs';
import type { CursorApi } from './admin/cursors.js';
import type { MetadataApi } from './admin/metadata.js';
import type { StreamAdminApi } from './admin/streams.js';
import type { DrainOptions } from './lifecycle.js';
import type { ClusterMetadata } from './metadata/metadata.js';
import type { GroupApi } from './observables/group-api.js';
import type { SubscribeApi } from './observables/subscribe-api.js';
import type { PublishApi } from './publish/publish.js';
import type { ClientStatus } from './status.js';

/**
 * Every public member of {@link LiftbridgeClient}. Type your own code's
 * client parameter with it so the testing kit's `FakeLiftbridgeClient`
 * (`liftbridge-rx/testing`) can stand in for the real client; both
 * `implements` it, so the compiler fails the build the day they drift apart.
 *
 * @example
 * ```ts
 * function publishOrder(client: LiftbridgeClientApi, order: { id: string }): Observable<Ack> {
 *   return client.publish(JSON.stringify(order), { stream: 'orders' });
 * }
 * ```
 */
export interface LiftbridgeClientApi
  extends StreamAdminApi,
    MetadataApi,
    PublishApi,
    SubscribeApi,
    CursorApi,
    GroupApi,
    AsyncDisposable {
  /**
   * Connection and routing events as they happen (hot: no replay): a broker
   * connected or stopped answering, a partition leader changed, metadata
   * was refreshed, the client closed. Completes after `closed`; subscribing
   * does not connect.
   *
   * @example
   * ```ts
   * client.status$.subscribe((event) => {
   *   if (event.type === 'reconnecting') console.warn(`${event.broker}: ${event.error.code}`);
   *   if (event.type === 'leaderChanged') console.log(`${event.stream}/${event.partition} -> ${event.leader}`);
   * });
   * ```
   */
  readonly status$: Observable<ClientStatus>;

  /**
   * The current cluster metadata: replays the latest snapshot (if any), then
   * every refresh; completes on close. Subscribing does not fetch: metadata
   * arrives with the client's calls, {@link fetchMetadata} and the
   * background refresh.
   *
   * @example
   * ```ts
   * client.metadata$.subscribe((md) => console.log(`${md.brokers.size} broker(s), ${md.streams.size} stream(s)`));
   * await lastValueFrom(client.fetchMetadata());
   * ```
   */
  readonly metadata$: Observable<ClusterMetadata>;

  /**
   * True once {@link close} was called (or the `signal` option aborted).
   *
   * @example
   * ```ts
   * await client.close();
   * console.log(client.closed); // true
   * ```
   */
  readonly closed: boolean;

  /**
   * Closes the client: live consumer groups checkpoint and leave (waiting
   * up to `requestTimeout`), in-flight publishes fail with `CLIENT_CLOSED`,
   * live subscriptions and other operations end with `CLIENT_CLOSED`,
   * {@link metadata$} and {@link status$} complete, every channel closes,
   * and the process can exit. Idempotent: later calls return the same promise.
   *
   * @returns a promise that resolves once closed.
   * @example
   * ```ts
   * const client = new LiftbridgeClient(['127.0.0.1:9292']);
   * try {
   *   await lastValueFrom(client.publish('hello', { stream: 'orders' }));
   * } finally {
   *   await client.close();
   * }
   * ```
   */
  close(): Promise<void>;

  /**
   * Closes the client gracefully, as nats.js's `drain()` does: it takes no
   * new work (every new operation, publish, bulk request, subscribe or
   * admin call, fails with `CLIENT_CLOSED`; `status$` emits `draining`),
   * lets the work it accepted finish, then closes as {@link close} does:
   * - publishes already sent settle, each with its Ack or its own typed
   *   error; a bulk stops taking requests, fails those still waiting in its
   *   window with `CLIENT_CLOSED`, and completes once its requests in flight settle;
   * - live subscriptions complete (a plain `subscribe()` at once: it has no
   *   handler to wait for; `messages()` loops and `consume()` stop pulling
   *   and end once the messages already received are handled);
   * - consumer groups complete, store their checkpoints (cursors) and leave;
   * - other calls under way (admin, cursors) finish.
   * It waits at most `timeout` (default the `drainTimeout` client option,
   * 10000 ms); what is still live then is closed as close() closes it
   * (publishes in flight fail with `CLIENT_CLOSED`). Calling drain again
   * returns the same promise; close() during a drain closes at once; after
   * close(), drain returns close()'s promise.
   *
   * @param options - see {@link DrainOptions}: `timeout` (ms).
   * @returns a promise that resolves once the client is closed.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a bad `timeout`, at the call site.
   * @example
   * ```ts
   * process.once('SIGTERM', () => void client.drain({ timeout: 5_000 }));
   * ```
   */
  drain(options?: DrainOptions): Promise<void>;

  /**
   * Calls {@link close}, so `await using` closes the client at scope exit.
   *
   * @example
   * ```ts
   * {
   *   await using client = new LiftbridgeClient(['127.0.0.1:9292']);
   *   await lastValueFrom(client.fetchMetadata());
   * } // closed here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void>;
}
