/**
 * liftbridge-rx/nestjs: NestJS integration. A module providing an
 * injectable LiftbridgeClient, a microservice transport (server) and a
 * ClientProxy. Only this subpath loads `@nestjs/*` (optional peer
 * dependencies); `liftbridge-rx` itself never does.
 */

export { LiftbridgeClientProxy, type LiftbridgeClientProxyOptions } from './client-proxy.js';
export {
  CONTENT_TYPE_HEADER,
  decodeMessage,
  JSON_CONTENT_TYPE,
  REPLY_TO_HEADER,
  REQUEST_ID_HEADER,
} from './codec.js';
export type { LiftbridgeConnection } from './connection.js';
export { LiftbridgeContext } from './context.js';
export {
  LIFTBRIDGE_MODULE_OPTIONS,
  LiftbridgeModule,
  type LiftbridgeModuleAsyncOptions,
  type LiftbridgeModuleOptions,
} from './module.js';
export { LiftbridgeRecord, type LiftbridgeRecordOptions } from './record.js';
export {
  LIFTBRIDGE_TRANSPORT,
  type LiftbridgeCommit,
  type LiftbridgeHandlerOptions,
  LiftbridgeServer,
  type LiftbridgeServerEvents,
  type LiftbridgeServerOptions,
  type LiftbridgeServerStatus,
} from './server.js';
