/**
 * Writes pulled messages (an AsyncIterable such as `client.messages()`) to
 * an HTTP response as Server-Sent Events, with heartbeats and backpressure
 * from the socket: while `write()` has returned false and 'drain' has not
 * come, nothing is pulled, so the source's flow control pauses its gRPC
 * stream; one source (one call) for the whole response.
 */
import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import { ErrorCode, isLiftbridgeError, LiftbridgeError, type Message } from '../index.js';
import { formatEventId, type SsePosition } from './event-id.js';
import { sseFrame } from './frame.js';
import { SSE_EVENT } from './params.js';
import { toSseMessage } from './to-sse-message.js';

/** Default time between heartbeat comments, in milliseconds. */
export const DEFAULT_SSE_HEARTBEAT_MS = 15_000;

/**
 * What {@link serveSse} needs of a response: Node's `ServerResponse`, as
 * Express hands it over and Fastify's `reply.raw` is, satisfies it.
 *
 * @example
 * ```ts
 * const target: SseResponse = res; // an http.ServerResponse
 * ```
 */
export interface SseResponse {
  /** Sends the status and headers. */
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  /** Writes; false when the socket is full (wait for 'drain'). */
  write(chunk: string): boolean;
  /** Ends the response. */
  end(chunk?: string): unknown;
  /** 'close' (the client left or the response ended), 'drain', 'error'. */
  once(event: 'close' | 'drain' | 'error', listener: () => void): unknown;
  /** Removes a listener. */
  off(event: 'close' | 'drain' | 'error', listener: () => void): unknown;
  /** Sends the headers now. */
  flushHeaders?(): void;
  /** end() was called. */
  readonly writableEnded: boolean;
  /** The connection is gone. */
  readonly destroyed: boolean;
}

/**
 * Options of {@link serveSse} (and of {@link sendSse}).
 *
 * @example
 * ```ts
 * const options: ServeSseOptions = { heartbeatMs: 10_000, retryMs: 1_000 };
 * ```
 */
export interface ServeSseOptions {
  /**
   * Milliseconds between heartbeat comments (`:` lines, which keep proxies
   * from closing an idle connection); 0: none.
   * @defaultValue {@link DEFAULT_SSE_HEARTBEAT_MS} (15 s)
   */
  heartbeatMs?: number;
  /** Reconnection delay sent to the browser (`retry:`), in ms; none: the browser's default. */
  retryMs?: number;
  /**
   * The data of a message's event.
   * @defaultValue the JSON of {@link toSseMessage}
   */
  encode?: (message: Message) => string;
  /** Where heartbeats get their time (tests pass a virtual one). @defaultValue rxjs' async scheduler */
  scheduler?: SchedulerLike;
  /**
   * Where the reader stands when the response starts (what `open` is
   * called with); each event id is this with its message applied.
   * @defaultValue an empty position
   */
  position?: SsePosition;
  /**
   * Send `position` first as a `position` event, so a reader that has no
   * message yet still has an id to resume from.
   * @defaultValue false
   */
  announce?: boolean;
}

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx would otherwise buffer the stream.
  'x-accel-buffering': 'no',
};

/** Checks a non-negative integer option; throws INVALID_ARGUMENT naming it. */
export function checkMs(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw new LiftbridgeError(
      ErrorCode.InvalidArgument,
      `${name}: expected an integer of 0 or more, got ${String(value)}`,
    );
  }
}

/**
 * Serves `open(position)` as an SSE response: status 200 and the event
 * stream headers, then one event per message (its id the reader's position
 * after it, see {@link formatEventId}; its data `encode(message)`),
 * heartbeat comments, and, if the source fails, a `stream-error` event
 * with `{ code, message }` before the response ends. The messages are
 * pulled one at a time: when the socket is full (`write()` returns false)
 * no more are pulled (nor heartbeats written) until 'drain', so a
 * flow-controlled source (`client.messages()`) stops reading its gRPC
 * stream and memory stays bounded, on one call for the whole response.
 * When the client leaves, the source is returned (`client.messages()`
 * cancels its gRPC call); the source ending ends the response.
 *
 * @param res - the response (nothing written yet).
 * @param open - the messages after a position, pulled (called once, with `options.position`).
 * @param options - heartbeats, retry, data encoding; see {@link ServeSseOptions}.
 * @returns a Promise that resolves once the response is over.
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   void serveSse(res, () => client.messages('orders', { startPosition: StartPosition.EARLIEST }));
 * });
 * ```
 */
export function serveSse(
  res: SseResponse,
  open: (position: SsePosition) => AsyncIterable<Message>,
  options: ServeSseOptions = {},
): Promise<void> {
  checkMs(options.heartbeatMs, 'heartbeatMs');
  checkMs(options.retryMs, 'retryMs');
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_SSE_HEARTBEAT_MS;
  const encode = options.encode ?? ((m: Message) => JSON.stringify(toSseMessage(m)));
  const position = new Map(options.position ?? []);

  return new Promise<void>((resolve) => {
    let source: AsyncIterator<Message> | undefined;
    let heartbeat: Subscription | undefined;
    let paused = false;
    let over = false;
    // Wakes the pump waiting for 'drain' (or for the end).
    let wake: (() => void) | undefined;

    const resume = () => {
      paused = false;
      const w = wake;
      wake = undefined;
      w?.();
    };
    const finish = () => {
      if (over) return;
      over = true;
      heartbeat?.unsubscribe();
      res.off('close', finish);
      res.off('error', finish);
      res.off('drain', resume);
      // Ends a pending pull (client.messages() cancels its call).
      const returned = source?.return?.();
      if (returned) void returned.then(undefined, () => undefined);
      resume();
      if (!res.writableEnded && !res.destroyed) res.end();
      resolve();
    };
    const write = (chunk: string) => {
      if (!res.write(chunk) && !over && !paused) {
        paused = true;
        res.once('drain', resume);
      }
    };
    const fail = (err: unknown) => {
      if (over) return;
      const code = isLiftbridgeError(err) ? err.code : 'UNKNOWN';
      const message = err instanceof Error ? err.message : String(err);
      res.write(
        sseFrame({ event: SSE_EVENT.streamError, data: JSON.stringify({ code, message }) }),
      );
      finish();
    };
    const pump = async () => {
      try {
        source = open(position)[Symbol.asyncIterator]();
      } catch (err) {
        fail(err);
        return;
      }
      while (!over) {
        if (paused) {
          await new Promise<void>((r) => {
            wake = r;
          });
          continue;
        }
        let result: IteratorResult<Message>;
        try {
          result = await source.next();
        } catch (err) {
          fail(err);
          return;
        }
        if (over) return;
        if (result.done === true) {
          finish();
          return;
        }
        const m = result.value;
        position.set(m.partition, m.offset);
        write(sseFrame({ id: formatEventId(position), data: encode(m) }));
      }
    };

    res.once('close', finish);
    res.once('error', finish);
    if (res.destroyed || res.writableEnded) {
      finish();
      return;
    }
    res.writeHead(200, HEADERS);
    let head = '';
    if (options.retryMs !== undefined) head += sseFrame({ retry: options.retryMs });
    if (options.announce === true) {
      head += sseFrame({ event: SSE_EVENT.position, id: formatEventId(position), data: '' });
    }
    // A comment first: the headers leave now, and the browser's open event fires.
    write(head + sseFrame({ comment: '' }));
    res.flushHeaders?.();
    if (heartbeatMs > 0) {
      heartbeat = interval(heartbeatMs, options.scheduler).subscribe(() => {
        if (!paused && !over) write(sseFrame({ comment: '' }));
      });
    }
    // A throw past the pulls (a user's encode, say) ends the response as a stream error, never as an unhandled rejection.
    pump().catch(fail);
  });
}
