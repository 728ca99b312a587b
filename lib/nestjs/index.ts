/**
 * liftbridge-rx/nestjs: NestJS integration. A module providing an
 * injectable LiftbridgeClient, a microservice transport (server), a
 * ClientProxy and a health indicator. Only this subpath loads `@nestjs/*`
 * (optional peer dependencies); `liftbridge-rx` itself never does.
 */

export {
  LiftbridgeClient,
  type LiftbridgeClientApi,
} from '../index.js';
export { jsonSafeAck, type LiftbridgeAck } from './ack.js';
export { LiftbridgeClientProxy, type LiftbridgeClientProxyOptions } from './client-proxy.js';
export {
  CONTENT_TYPE_HEADER,
  decodeMessage,
  JSON_CONTENT_TYPE,
  type JsonDecoding,
  REPLY_TO_HEADER,
  REQUEST_ID_HEADER,
} from './codec.js';
export type { LiftbridgeConnection } from './connection.js';
export { type LiftbridgeCommitFn, LiftbridgeContext } from './context.js';
export {
  DEAD_LETTER_CODE_HEADER,
  DEAD_LETTER_ERROR_HEADER,
  DEAD_LETTER_ORIGIN_HEADER,
} from './dead-letter.js';
export { LiftbridgeDeserializer, type LiftbridgeDeserializerOptions } from './deserializer.js';
export {
  DEFAULT_HEALTH_PROBE_TIMEOUT_MS,
  type LiftbridgeHealthDetails,
  LiftbridgeHealthIndicator,
  type LiftbridgeHealthOptions,
  type LiftbridgeHealthResult,
} from './health.js';
export {
  LIFTBRIDGE_CLIENT,
  LIFTBRIDGE_MODULE_OPTIONS,
  LiftbridgeModule,
  type LiftbridgeModuleAsyncOptions,
  type LiftbridgeModuleOptions,
} from './module.js';
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_BATCH_TIME_MS,
  type LiftbridgeBatchOptions,
  type LiftbridgeHandlerOptions,
} from './plan.js';
export { LiftbridgeRecord, type LiftbridgeRecordOptions } from './record.js';
export {
  LIFTBRIDGE_TRANSPORT,
  type LiftbridgeCommit,
  LiftbridgeServer,
  type LiftbridgeServerEvents,
  type LiftbridgeServerOptions,
  type LiftbridgeServerStatus,
} from './server.js';
