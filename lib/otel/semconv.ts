/**
 * The OpenTelemetry messaging semantic-convention names this entry uses
 * (spelled here, so `@opentelemetry/semantic-conventions` is not needed).
 */
export const ATTR = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
  bodySize: 'messaging.message.body.size',
  /** Liftbridge-specific: the offset of the message in its partition. */
  offset: 'messaging.liftbridge.message.offset',
  errorType: 'error.type',
  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
} as const;

export const METRIC = {
  sent: 'messaging.client.sent.messages',
  operationDuration: 'messaging.client.operation.duration',
  consumed: 'messaging.client.consumed.messages',
  processDuration: 'messaging.process.duration',
  /** Liftbridge-specific: high watermark minus the offset last delivered. */
  lag: 'messaging.liftbridge.consumer.lag',
} as const;

/** `messaging.system` of every span and metric. */
export const SYSTEM = 'liftbridge';
