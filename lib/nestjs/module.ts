/**
 * LiftbridgeModule: a Nest dynamic module providing one LiftbridgeClient
 * (and a LiftbridgeClientProxy on it), drained on application shutdown.
 * Plain objects and factories only: no decorators needed.
 */
import type {
  DynamicModule,
  FactoryProvider,
  ModuleMetadata,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { Logger } from '@nestjs/common';
import {
  type ClientOptions,
  invalidArgument,
  LiftbridgeClient,
  type LiftbridgeClientApi,
} from '../index.js';
import { LiftbridgeClientProxy } from './client-proxy.js';
import { LiftbridgeHealthIndicator } from './health.js';

/** Options of the module's client: seed brokers and {@link ClientOptions}. */
export interface LiftbridgeModuleOptions extends ClientOptions {
  /** Seed brokers, `host:port`. */
  brokers: string[];
  /** Reply stream of the provided {@link LiftbridgeClientProxy}'s send(); default none (send() fails). */
  replyStream?: string;
}

/** Options of {@link LiftbridgeModule.forRootAsync}. */
export interface LiftbridgeModuleAsyncOptions {
  /** Modules exporting what `inject` names. */
  imports?: ModuleMetadata['imports'];
  /** Providers passed to `useFactory`, in order. */
  inject?: FactoryProvider['inject'];
  /** Builds the options (may be async). */
  useFactory: (
    // never[]: any typed factory, e.g. (config: ConfigService) => ..., fits.
    ...args: never[]
  ) => LiftbridgeModuleOptions | Promise<LiftbridgeModuleOptions>;
  /** Register the module globally (no need to import it elsewhere); default false. */
  global?: boolean;
}

/** Injection token of the resolved {@link LiftbridgeModuleOptions}. */
export const LIFTBRIDGE_MODULE_OPTIONS: unique symbol = Symbol('LIFTBRIDGE_MODULE_OPTIONS');

/**
 * Injection token of the module's client, for a parameter typed by its
 * interface (an interface is no injection token): it resolves to the
 * {@link LiftbridgeClient} provider, so `overrideProvider(LiftbridgeClient)`
 * replaces both.
 *
 * @example
 * ```ts
 * constructor(@Inject(LIFTBRIDGE_CLIENT) private readonly client: LiftbridgeClientApi) {}
 * ```
 */
export const LIFTBRIDGE_CLIENT: unique symbol = Symbol('LIFTBRIDGE_CLIENT');
const SHUTDOWN = Symbol('LIFTBRIDGE_SHUTDOWN');

function checkOptions(options: unknown): LiftbridgeModuleOptions {
  if (options === null || typeof options !== 'object')
    throw invalidArgument('LiftbridgeModule options', 'expected { brokers, ...clientOptions }');
  return options as LiftbridgeModuleOptions;
}

function clientOf(options: LiftbridgeModuleOptions): LiftbridgeClient {
  const { brokers, replyStream: _reply, ...clientOptions } = checkOptions(options);
  const rest: Record<string, unknown> = { ...clientOptions };
  delete rest['global'];
  // Nest's logger unless the options name one.
  return new LiftbridgeClient(brokers, {
    logger: new Logger('LiftbridgeClient'),
    ...rest,
  } as ClientOptions);
}

/** What the module exports. */
const EXPORTS = [
  LiftbridgeClient,
  LIFTBRIDGE_CLIENT,
  LiftbridgeClientProxy,
  LiftbridgeHealthIndicator,
  LIFTBRIDGE_MODULE_OPTIONS,
];

/** The providers every variant shares: the client, the proxy, the shutdown hook. */
function providers(): Provider[] {
  return [
    {
      provide: LiftbridgeClient,
      useFactory: clientOf,
      inject: [LIFTBRIDGE_MODULE_OPTIONS],
    },
    { provide: LIFTBRIDGE_CLIENT, useExisting: LiftbridgeClient },
    {
      provide: LiftbridgeHealthIndicator,
      useFactory: (client: LiftbridgeClientApi) => new LiftbridgeHealthIndicator(client),
      inject: [LiftbridgeClient],
    },
    {
      provide: LiftbridgeClientProxy,
      useFactory: (client: LiftbridgeClientApi, options: LiftbridgeModuleOptions) =>
        new LiftbridgeClientProxy(
          options.replyStream === undefined
            ? { client }
            : { client, replyStream: options.replyStream },
        ),
      inject: [LiftbridgeClient, LIFTBRIDGE_MODULE_OPTIONS],
    },
    {
      // Nest calls onApplicationShutdown on every provider instance that has
      // it, after HTTP servers and microservices have closed.
      provide: SHUTDOWN,
      useFactory: (
        client: LiftbridgeClientApi,
        proxy: LiftbridgeClientProxy,
        health: LiftbridgeHealthIndicator,
      ) =>
        ({
          async onApplicationShutdown() {
            health.dispose();
            await proxy.close();
            // Publishes under way settle, groups checkpoint, then it closes.
            await client.drain();
          },
        }) satisfies OnApplicationShutdown,
      inject: [LiftbridgeClient, LiftbridgeClientProxy, LiftbridgeHealthIndicator],
    },
  ];
}

/**
 * A Nest module providing a {@link LiftbridgeClient} (inject it by class,
 * or with `@Inject(LIFTBRIDGE_CLIENT)`), a {@link LiftbridgeClientProxy} and
 * a {@link LiftbridgeHealthIndicator} on the same client; the client is
 * drained (`client.drain()`: publishes under way settle, consumer groups
 * checkpoint, then it closes) on application shutdown (`app.close()`, or a signal with
 * `enableShutdownHooks()`). In tests,
 * `.overrideProvider(LiftbridgeClient).useValue(new FakeLiftbridgeClient(...))`
 * puts the test kit's fake under all of them.
 *
 * @example
 * ```ts
 * @Module({ imports: [LiftbridgeModule.forRoot({ brokers: ['127.0.0.1:9292'] })] })
 * class AppModule {}
 *
 * @Injectable()
 * class Orders {
 *   constructor(private readonly client: LiftbridgeClient) {}
 * }
 * ```
 */
// biome-ignore lint/complexity/noStaticOnlyClass: Nest names a dynamic module by its class.
export class LiftbridgeModule {
  /**
   * The module with options known now.
   * @param options brokers, any {@link ClientOptions}, `replyStream`, and `global` (default false).
   */
  static forRoot(options: LiftbridgeModuleOptions & { global?: boolean }): DynamicModule {
    const checked = checkOptions(options);
    return {
      module: LiftbridgeModule,
      global: options.global ?? false,
      providers: [{ provide: LIFTBRIDGE_MODULE_OPTIONS, useValue: checked }, ...providers()],
      exports: EXPORTS,
    };
  }

  /**
   * The module with options made by a factory (from a config service, say).
   *
   * @example
   * ```ts
   * LiftbridgeModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ brokers: config.brokers }),
   * });
   * ```
   */
  static forRootAsync(options: LiftbridgeModuleAsyncOptions): DynamicModule {
    if (options === null || typeof options !== 'object' || typeof options.useFactory !== 'function')
      throw invalidArgument('options.useFactory', 'expected a function returning the options');
    return {
      module: LiftbridgeModule,
      global: options.global ?? false,
      imports: options.imports ?? [],
      providers: [
        {
          provide: LIFTBRIDGE_MODULE_OPTIONS,
          useFactory: options.useFactory,
          inject: options.inject ?? [],
        },
        ...providers(),
      ],
      exports: EXPORTS,
    };
  }
}
