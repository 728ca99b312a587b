// Angular's dependency injection around liftbridge-rx, for Angular code that
// runs in Node (Angular's server, a script, a worker): browsers cannot speak
// gRPC, so this never ships to a browser.
//
// Plain classes with inject() and factory providers: no decorators, so the
// file runs in Node as tsc emits it, with no Angular compiler (AOT or JIT).

import {
  createEnvironmentInjector,
  DestroyRef,
  EnvironmentInjector,
  type EnvironmentProviders,
  InjectionToken,
  Injector,
  inject,
  makeEnvironmentProviders,
  type Provider,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  type Ack,
  LiftbridgeClient,
  type Message,
  StartPosition,
  type SubscribeOptions,
} from 'liftbridge-rx';
import type { Observable } from 'rxjs';

/**
 * The LiftbridgeClient of an injector; `provideLiftbridge` provides it.
 *
 * @example
 * const client = inject(LIFTBRIDGE_CLIENT);
 */
export const LIFTBRIDGE_CLIENT = new InjectionToken<LiftbridgeClient>('LIFTBRIDGE_CLIENT');

/**
 * Messages of a stream as an Observable that ends with its injector: destroying
 * the injector (an application, a request's injector) completes every stream it
 * handed out, then closes the client.
 *
 * @example
 * inject(LiftbridgeStreamService).messages('orders').subscribe((m) => handle(m));
 */
export class LiftbridgeStreamService {
  private readonly client = inject(LIFTBRIDGE_CLIENT);
  private readonly destroyRef = inject(DestroyRef);

  /** The messages of `stream` (partition 0, from the earliest one unless `options` say otherwise). */
  messages(
    stream: string,
    options: SubscribeOptions = { startPosition: StartPosition.EARLIEST },
  ): Observable<Message> {
    return this.client.subscribe(stream, options).pipe(takeUntilDestroyed(this.destroyRef));
  }

  /** Publishes `value` to partition 0 of `stream`; emits the Ack. */
  publish(stream: string, value: string, key?: string): Observable<Ack> {
    return this.client.publish(value, key === undefined ? { stream } : { stream, key });
  }
}

/**
 * Providers for a LiftbridgeClient on `brokers` and a LiftbridgeStreamService.
 * The client is created on first use and closed when the injector is destroyed.
 *
 * @example
 * bootstrapApplication(App, { providers: [provideLiftbridge(['127.0.0.1:9292'])] });
 */
export function provideLiftbridge(brokers: string[]): EnvironmentProviders {
  return makeEnvironmentProviders([
    {
      provide: LIFTBRIDGE_CLIENT,
      useFactory: () => {
        const client = new LiftbridgeClient(brokers);
        // Close after the other destroy hooks ran (they complete the streams first).
        inject(DestroyRef).onDestroy(() => queueMicrotask(() => void client.close()));
        return client;
      },
    },
    { provide: LiftbridgeStreamService, useFactory: () => new LiftbridgeStreamService() },
  ]);
}

/**
 * An Angular environment injector outside any application (a Node script or
 * worker); `destroy()` it to end what it handed out.
 *
 * @example
 * const injector = createNodeInjector([provideLiftbridge(BROKERS)]);
 */
export function createNodeInjector(
  providers: (Provider | EnvironmentProviders)[],
): EnvironmentInjector {
  // Injector.create() makes a root injector that is an EnvironmentInjector at
  // run time, though typed as Injector.
  const root = Injector.create({ providers: [], name: 'node' });
  if (!(root instanceof EnvironmentInjector)) {
    throw new Error('Injector.create() did not return an EnvironmentInjector');
  }
  return createEnvironmentInjector(providers, root, 'liftbridge');
}
