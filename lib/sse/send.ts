/**
 * A Liftbridge stream as a Server-Sent Events response, for Node's http
 * and the frameworks built on it (Express, Fastify's `reply.raw`, Nest's
 * `@Res()`): resumes after the browser's `Last-Event-ID`, every partition
 * after its own last offset.
 */
import { forkJoin, lastValueFrom, map, type Observable } from 'rxjs';
import {
  ErrorCode,
  isLiftbridgeError,
  type LiftbridgeClientApi,
  LiftbridgeError,
  type Message,
  planSubscribe,
  StartPosition,
} from '../index.js';
import { parseEventId, type SsePosition } from './event-id.js';
import { mergeIterables } from './merge-iterables.js';
import { LAST_EVENT_ID_PARAM } from './params.js';
import { checkMs, type ServeSseOptions, type SseResponse, serveSse } from './serve.js';

/**
 * Where a reader without a `Last-Event-ID` starts: the first message, the
 * newest one, or only messages after the request.
 *
 * @example
 * ```ts
 * const start: SseStart = 'new';
 * ```
 */
export type SseStart = 'earliest' | 'latest' | 'new';

/** The start positions of {@link SseStart}, for checks and query strings. */
export const SSE_STARTS: readonly SseStart[] = ['earliest', 'latest', 'new'];

/**
 * What {@link sendSse} needs of a client: `LiftbridgeClient` and the
 * testing kit's `FakeLiftbridgeClient` both have it.
 *
 * @example
 * ```ts
 * const reader: SseClient = new LiftbridgeClient(['127.0.0.1:9292']);
 * ```
 */
export type SseClient = Pick<
  LiftbridgeClientApi,
  'messages' | 'fetchMetadata' | 'fetchPartitionMetadata'
>;

/**
 * What {@link sendSse} reads of a request: its headers and URL (Node's
 * `IncomingMessage`, Express's and Fastify's requests all have them).
 *
 * @example
 * ```ts
 * const request: SseRequest = { headers: { 'last-event-id': '0:41' }, url: '/sse/orders' };
 * ```
 */
export interface SseRequest {
  /** Request headers, lower-case names (`last-event-id`). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Path and query string (`lastEventId`). */
  readonly url?: string | undefined;
}

/**
 * Options of {@link sendSse}.
 *
 * @example
 * ```ts
 * const options: SseOptions = { partition: 'all', start: 'earliest', heartbeatMs: 10_000 };
 * ```
 */
export interface SseOptions extends Omit<ServeSseOptions, 'position' | 'announce'> {
  /**
   * The partition to read, or `'all'` (every partition, interleaved; each
   * event id holds every partition's offset).
   * @defaultValue 0
   */
  partition?: number | 'all';
  /**
   * Where a reader starts when the request names no last event id.
   * @defaultValue `'new'`
   */
  start?: SseStart;
}

const START: Record<SseStart, StartPosition> = {
  earliest: StartPosition.EARLIEST,
  latest: StartPosition.LATEST,
  new: StartPosition.NEW_ONLY,
};

/**
 * The last event id a request names: the `Last-Event-ID` header (an
 * EventSource's own reconnects), else the `lastEventId` query parameter
 * (a reconnect by hand); undefined when neither is there.
 *
 * @param req - the request.
 * @returns the position it resumes from, or undefined.
 * @throws `LiftbridgeError` `INVALID_ARGUMENT` for an id that
 *   {@link parseEventId} refuses.
 * @example
 * ```ts
 * lastEventIdOf({ headers: {}, url: '/sse/orders?lastEventId=0%3A41' })?.get(0); // 41n
 * ```
 */
export function lastEventIdOf(req: SseRequest): SsePosition | undefined {
  const header = req.headers['last-event-id'];
  let id = Array.isArray(header) ? header[0] : header;
  if (id === undefined && req.url !== undefined) {
    const query = req.url.indexOf('?');
    if (query >= 0) {
      id = new URLSearchParams(req.url.slice(query + 1)).get(LAST_EVENT_ID_PARAM) ?? undefined;
    }
  }
  return id === undefined ? undefined : parseEventId(id);
}

/** The HTTP status for an error before the stream starts. */
function statusOf(err: unknown): number {
  if (isLiftbridgeError(err, ErrorCode.InvalidArgument)) return 400;
  if (isLiftbridgeError(err, ErrorCode.NotFound)) return 404;
  if (isLiftbridgeError(err) && err.retriable) return 503;
  return 502;
}

/**
 * Sends the messages of a stream as Server-Sent Events on `res` (see
 * {@link serveSse} for the events, heartbeats and backpressure). A request
 * with a last event id (header or `lastEventId` query parameter) resumes
 * each partition after its offset there; a partition it does not name,
 * or a request without one, starts at `start`. A reader that starts at
 * `new` or `latest` first gets a `position` event whose id holds the
 * offsets it starts after, so a reconnect misses nothing published in
 * between. Before the stream starts, a bad last event id is answered 400,
 * an unknown stream or partition 404, an unreachable cluster 503 (plain
 * text); once it runs, an error ends it with a `stream-error` event.
 * Fastify: call `reply.hijack()` and pass `reply.raw`.
 *
 * @param client - the client to read with.
 * @param req - the request (for its last event id).
 * @param res - the response, nothing written yet.
 * @param stream - the stream to read.
 * @param options - partition (default 0), start (default `'new'`),
 *   heartbeats (default 15 s), retry, data; see {@link SseOptions}.
 * @returns a Promise that resolves once the response is over (the client
 *   left, or the stream ended).
 * @throws `LiftbridgeError` `INVALID_ARGUMENT` for a bad stream name or option, at the call site.
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   void sendSse(client, req, res, 'orders', { start: 'earliest' });
 * });
 * ```
 */
export function sendSse(
  client: SseClient,
  req: SseRequest,
  res: SseResponse,
  stream: string,
  options: SseOptions = {},
): Promise<void> {
  const plan = planSubscribe(stream, { partition: options.partition ?? 0 });
  const start = options.start ?? 'new';
  if (!SSE_STARTS.includes(start)) {
    throw new LiftbridgeError(
      ErrorCode.InvalidArgument,
      `start: expected one of ${SSE_STARTS.join(', ')}, got ${String(start)}`,
    );
  }
  checkMs(options.heartbeatMs, 'heartbeatMs');
  checkMs(options.retryMs, 'retryMs');
  return respond(client, req, res, plan.stream, plan.partition, start, options);
}

/** The partitions read: all of the stream's, or the one named (NOT_FOUND when missing). */
async function partitionsOf(
  client: SseClient,
  stream: string,
  partition: number | 'all',
): Promise<number[]> {
  const md = await lastValueFrom(client.fetchMetadata([stream]));
  const info = md.streams.get(stream);
  if (info === undefined) {
    throw new LiftbridgeError(ErrorCode.NotFound, `stream ${stream} not found`);
  }
  if (partition === 'all') return [...info.partitions.keys()].sort((a, b) => a - b);
  if (!info.partitions.has(partition)) {
    throw new LiftbridgeError(ErrorCode.NotFound, `stream ${stream} has no partition ${partition}`);
  }
  return [partition];
}

/**
 * The offset a reader starting at `start` stands after in each partition
 * `missing` (from its high watermark): the newest message for `new`, the
 * one before it for `latest`.
 */
function baseline(
  client: SseClient,
  stream: string,
  missing: number[],
  start: 'latest' | 'new',
): Observable<[number, bigint][]> {
  return forkJoin(
    missing.map((p) =>
      client.fetchPartitionMetadata(stream, p).pipe(
        map(({ highWatermark: hw }): [number, bigint] => {
          if (start === 'new') return [p, hw];
          return [p, hw < 0n ? -1n : hw - 1n];
        }),
      ),
    ),
  );
}

async function respond(
  client: SseClient,
  req: SseRequest,
  res: SseResponse,
  stream: string,
  partition: number | 'all',
  start: SseStart,
  options: SseOptions,
): Promise<void> {
  let partitions: number[];
  let position: Map<number, bigint>;
  let announce = false;
  try {
    const after = lastEventIdOf(req);
    partitions = await partitionsOf(client, stream, partition);
    position = new Map([...(after ?? [])].filter(([p]) => partitions.includes(p)));
    const missing = partitions.filter((p) => !position.has(p));
    if (start !== 'earliest' && missing.length > 0) {
      for (const [p, offset] of await lastValueFrom(baseline(client, stream, missing, start))) {
        position.set(p, offset);
      }
      announce = true;
    }
  } catch (err) {
    refuse(res, statusOf(err), err instanceof Error ? err.message : String(err));
    return;
  }
  // One flow-controlled read per partition, each from its own offset.
  const open = (at: SsePosition): AsyncIterable<Message> => {
    const reads = partitions.map((p) => {
      const last = at.get(p);
      return last === undefined
        ? client.messages(stream, { partition: p, startPosition: START[start] })
        : client.messages(stream, {
            partition: p,
            startPosition: StartPosition.OFFSET,
            startOffset: last + 1n,
          });
    });
    return reads.length === 1 && reads[0] !== undefined ? reads[0] : mergeIterables(reads);
  };
  return serveSse(res, open, { ...options, position, announce });
}

/** Answers a request the stream cannot start for, in plain text. */
function refuse(res: SseResponse, status: number, text: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}
