/**
 * Where a Nest transport gets its LiftbridgeClient: one it is given (shared,
 * closed by its owner) or one it makes from brokers and closes itself.
 */
import { Logger } from '@nestjs/common';
import {
  type ClientOptions,
  invalidArgument,
  LiftbridgeClient,
  type LiftbridgeClientApi,
} from '../index.js';

/**
 * A shared client (`{ client }`, never closed by the transport) or seed
 * brokers and client options (`{ brokers, ...options }`: the transport
 * makes its own client and closes it on close()).
 *
 * @example
 * ```ts
 * const shared: LiftbridgeConnection = { client: app.get(LiftbridgeClient) };
 * const own: LiftbridgeConnection = { brokers: ['127.0.0.1:9292'], ackTimeout: 10_000 };
 * ```
 */
export type LiftbridgeConnection =
  | {
      /**
       * A client to share; whoever made it closes it. Any
       * {@link LiftbridgeClientApi}: the test kit's `FakeLiftbridgeClient` too.
       */
      client: LiftbridgeClientApi;
      /** Not with `client`. */
      brokers?: never;
    }
  | ({
      /** Seed brokers, `host:port`: a client is made from them and closed with the transport. */
      brokers: string[];
      /** Not with `brokers`. */
      client?: never;
    } & ClientOptions);

/** The client to use, and whether the caller made it (and so closes it). */
export interface Connection {
  client: LiftbridgeClientApi;
  owned: boolean;
}

/** Validates a {@link LiftbridgeConnection}; the client is made at once (it connects lazily). */
export function connect(options: LiftbridgeConnection, extraKeys: readonly string[]): Connection {
  if (options === null || typeof options !== 'object')
    throw invalidArgument('options', 'expected { client } or { brokers, ...clientOptions }');
  if (options.client !== undefined) {
    if (!isClient(options.client))
      throw invalidArgument(
        'options.client',
        'expected a LiftbridgeClient (or a FakeLiftbridgeClient)',
      );
    if (options.brokers !== undefined)
      throw invalidArgument('options', 'give client or brokers, not both');
    return { client: options.client, owned: false };
  }
  const { brokers, ...rest } = options;
  // Nest's logger unless the options name one.
  const clientOptions: Record<string, unknown> = {
    logger: new Logger('LiftbridgeClient'),
    ...rest,
  };
  for (const key of extraKeys) delete clientOptions[key];
  return { client: new LiftbridgeClient(brokers, clientOptions as ClientOptions), owned: true };
}

/** A LiftbridgeClientApi by its shape (the real client, or the test kit's fake). */
function isClient(value: unknown): value is LiftbridgeClientApi {
  if (value instanceof LiftbridgeClient) return true;
  const c = value as Partial<Record<keyof LiftbridgeClientApi, unknown>> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.publish === 'function' &&
    typeof c.subscribe === 'function' &&
    typeof c.close === 'function'
  );
}
