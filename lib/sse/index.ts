/**
 * liftbridge-rx/sse: Liftbridge streams to browsers as Server-Sent Events,
 * for Node's http, Express, Fastify (`reply.raw`) and Nest (`@Res()`).
 * Each event id holds the reader's offset in every partition it reads, so
 * a browser that reconnects resumes with no gap and no duplicate. The
 * browser side is `liftbridge-rx/sse/browser` (no Node modules).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { LiftbridgeClient } from 'liftbridge-rx';
 * import { sendSse } from 'liftbridge-rx/sse';
 *
 * const client = new LiftbridgeClient(['127.0.0.1:9292']);
 * createServer((req, res) => {
 *   void sendSse(client, req, res, 'orders', { start: 'earliest', partition: 'all' });
 * }).listen(3000);
 * ```
 * @packageDocumentation
 * @module liftbridge-rx/sse
 */
export {
  formatEventId,
  MAX_EVENT_ID_PARTITIONS,
  parseEventId,
  type SsePosition,
} from './event-id.js';
export { type SseEvent, sseFrame } from './frame.js';
export { LAST_EVENT_ID_PARAM, SSE_EVENT } from './params.js';
export {
  lastEventIdOf,
  SSE_STARTS,
  type SseClient,
  type SseOptions,
  type SseRequest,
  type SseStart,
  sendSse,
} from './send.js';
export {
  DEFAULT_SSE_HEARTBEAT_MS,
  type ServeSseOptions,
  type SseResponse,
  serveSse,
} from './serve.js';
export type { SseMessage } from './sse-message.js';
export { toSseMessage } from './to-sse-message.js';
