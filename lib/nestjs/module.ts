/**
 * LiftbridgeModule: a Nest dynamic module providing one LiftbridgeClient
 * (and a LiftbridgeClientProxy on it), closed on application shutdown.
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
import { type ClientOptions, LiftbridgeClient } from '../index.js';
import { invalidArgument } from './checks.js';
import { LiftbridgeClientProxy } from './client-proxy.js';

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
    // biome-ignore lint/suspicious/noExplicitAny: Nest hands injected providers of any type.
    ...args: any[]
  ) => LiftbridgeModuleOptions | Promise<LiftbridgeModuleOptions>;
  /** Register the module globally (no need to import it elsewhere); default false. */
  global?: boolean;
}

/** Injection token of the resolved {@link LiftbridgeModuleOptions}. */
export const LIFTBRIDGE_MODULE_OPTIONS: unique symbol = Symbol('LIFTBRIDGE_MODULE_OPTIONS');
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

/** The providers every variant shares: the client, the proxy, the shutdown hook. */
function providers(): Provider[] {
  return [
    {
      provide: LiftbridgeClient,
      useFactory: clientOf,
      inject: [LIFTBRIDGE_MODULE_OPTIONS],
    },
    {
      provide: LiftbridgeClientProxy,
      useFactory: (client: LiftbridgeClient, options: LiftbridgeModuleOptions) =>
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
      useFactory: (client: LiftbridgeClient, proxy: LiftbridgeClientProxy) =>
        ({
          async onApplicationShutdown() {
            await proxy.close();
            await client.close();
          },
        }) satisfies OnApplicationShutdown,
      inject: [LiftbridgeClient, LiftbridgeClientProxy],
    },
  ];
}

/**
 * A Nest module providing a {@link LiftbridgeClient} (inject it by class)
 * and a {@link LiftbridgeClientProxy} on the same client; the client is
 * closed on application shutdown (`app.close()`, or a signal with
 * `enableShutdownHooks()`).
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
      exports: [LiftbridgeClient, LiftbridgeClientProxy, LIFTBRIDGE_MODULE_OPTIONS],
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
      exports: [LiftbridgeClient, LiftbridgeClientProxy, LIFTBRIDGE_MODULE_OPTIONS],
    };
  }
}
