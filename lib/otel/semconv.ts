/**
 * The OpenTelemetry messaging semantic-convention names this entry uses
 * (spelled here, so `@opentelemetry/semantic-conventions` is not needed).
 */
/**
 * Span and metric attribute names (the messaging and RPC semantic conventions).
 *
 * @example
 * ```ts
 * const producers = spans.filter((s) => s.attributes[MESSAGING_ATTRIBUTES.destination] === 'orders');
 * ```
 */
export const ATTR = {
  /** `liftbridge` on every span and metric. */
  system: 'messaging.system',
  /** The stream. */
  destination: 'messaging.destination.name',
  /** The partition, as a string. */
  partition: 'messaging.destination.partition.id',
  /** `send` or `process`. */
  operationName: 'messaging.operation.name',
  /** `send` or `process`. */
  operationType: 'messaging.operation.type',
  /** The correlation id. */
  messageId: 'messaging.message.id',
  /** The value's size in bytes. */
  bodySize: 'messaging.message.body.size',
  /** Liftbridge-specific: the offset of the message in its partition. */
  offset: 'messaging.liftbridge.message.offset',
  /** The error's code (`NOT_FOUND`, ...), or `cancelled`. */
  errorType: 'error.type',
  /** `grpc` on admin call spans. */
  rpcSystem: 'rpc.system',
  /** `proto.API` on admin call spans. */
  rpcService: 'rpc.service',
  /** The RPC of an admin call span. */
  rpcMethod: 'rpc.method',
} as const;

/**
 * Metric names.
 *
 * @example
 * ```ts
 * const lagViews = [{ instrumentName: MESSAGING_METRICS.lag }];
 * ```
 */
export const METRIC = {
  /** Counter: messages sent (with `error.type` when they failed). */
  sent: 'messaging.client.sent.messages',
  /** Histogram (s): a send, from the request to its ack. */
  operationDuration: 'messaging.client.operation.duration',
  /** Counter: messages delivered to subscribers. */
  consumed: 'messaging.client.consumed.messages',
  /** Histogram (s): the delivery of a message to its subscriber. */
  processDuration: 'messaging.process.duration',
  /** Liftbridge-specific: high watermark minus the offset last delivered. */
  lag: 'messaging.liftbridge.consumer.lag',
} as const;

/** `messaging.system` of every span and metric. */
export const SYSTEM = 'liftbridge';
