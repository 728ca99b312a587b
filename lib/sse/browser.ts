/**
 * liftbridge-rx/sse/browser: the browser side of the SSE entry. Reads an
 * endpoint served by `sendSse` (liftbridge-rx/sse) as a cold Observable
 * over EventSource that resumes after the last event id when the
 * connection drops. Imports only rxjs: no Node module, no gRPC.
 *
 * @example
 * ```ts
 * import { fromEventSource, type SseMessage } from 'liftbridge-rx/sse/browser';
 *
 * fromEventSource<SseMessage>('/sse/orders?start=earliest').subscribe((m) => console.log(m.offset, m.value));
 * ```
 * @packageDocumentation
 * @module liftbridge-rx/sse/browser
 */
import { Observable, type SchedulerLike, type Subscription, timer } from 'rxjs';
import { LAST_EVENT_ID_PARAM, SSE_EVENT } from './params.js';
import type { SseMessage } from './sse-message.js';

export { LAST_EVENT_ID_PARAM, SSE_EVENT } from './params.js';
export type { SseMessage };

/** The part of a browser's MessageEvent this module reads. */
export interface SseMessageEvent {
  /** The event's data. */
  readonly data: string;
  /** The id of this event, or of the last one that had an id. */
  readonly lastEventId: string;
}

/**
 * The part of a browser's `EventSource` this module uses (the DOM's
 * EventSource has it).
 *
 * @example
 * ```ts
 * const source: EventSourceLike = new EventSource('/sse/orders');
 * ```
 */
export interface EventSourceLike {
  /** 0 connecting, 1 open, 2 closed (the browser gave up). */
  readonly readyState: number;
  /** Listens to `message`, `error` and the named events (an `error` event from the browser carries no data). */
  addEventListener(type: string, listener: (event: SseMessageEvent) => void): void;
  /** Closes the connection for good. */
  close(): void;
}

/**
 * Options of {@link fromEventSource}.
 *
 * @example
 * ```ts
 * const options: FromEventSourceOptions<string> = { parse: (data) => data, reconnectDelayMs: 2_000 };
 * ```
 */
export interface FromEventSourceOptions<T> {
  /** Resume after this event id on the first connection too (sent as the `lastEventId` query parameter). */
  lastEventId?: string;
  /** Send cookies to another origin (EventSource's `withCredentials`). @defaultValue false */
  withCredentials?: boolean;
  /**
   * Milliseconds before reconnecting by hand once the browser gave up (it
   * does on an HTTP error status, such as a proxy's 502); the n-th attempt
   * in a row waits n times this.
   * @defaultValue 1000
   */
  reconnectDelayMs?: number;
  /**
   * Reconnections by hand in a row (without an event in between) before
   * the Observable errors with {@link SseConnectionError}.
   * @defaultValue 10
   */
  maxReconnects?: number;
  /** Turns an event's data into a value. @defaultValue `JSON.parse` */
  parse?: (data: string) => T;
  /** Makes the EventSource. @defaultValue `new EventSource(url, { withCredentials })` */
  eventSource?: (url: string, init: { withCredentials: boolean }) => EventSourceLike;
  /** Where reconnection delays get their time. @defaultValue rxjs' async scheduler */
  scheduler?: SchedulerLike;
}

/**
 * The server ended the stream with a `stream-error` event (the stream was
 * deleted, the cluster failed): `code` is the liftbridge-rx error code.
 *
 * @example
 * ```ts
 * catchError((err) => (err instanceof SseStreamError && err.code === 'STREAM_DELETED' ? EMPTY : throwError(() => err)));
 * ```
 */
export class SseStreamError extends Error {
  /** `'SseStreamError'`. */
  override readonly name = 'SseStreamError';
  /** The server's error code (`NOT_FOUND`, `STREAM_DELETED`, ...). */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The endpoint could not be reached `maxReconnects` times in a row, or its
 * data could not be parsed.
 *
 * @example
 * ```ts
 * if (err instanceof SseConnectionError) console.warn(`gave up on ${err.url}`);
 * ```
 */
export class SseConnectionError extends Error {
  /** `'SseConnectionError'`. */
  override readonly name = 'SseConnectionError';
  /** The endpoint. */
  readonly url: string;
  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.url = url;
  }
}

const CLOSED = 2;

/** `url` with `name=value` in its query string. */
function withParam(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const base = hash >= 0 ? url.slice(0, hash) : url;
  const param = `${name}=${encodeURIComponent(value)}`;
  return `${base}${base.includes('?') ? '&' : '?'}${param}${hash >= 0 ? url.slice(hash) : ''}`;
}

function browserEventSource(url: string, init: { withCredentials: boolean }): EventSourceLike {
  const EventSourceClass = (
    globalThis as unknown as {
      EventSource?: new (url: string, init: { withCredentials: boolean }) => EventSourceLike;
    }
  ).EventSource;
  if (EventSourceClass === undefined) {
    throw new SseConnectionError(url, 'EventSource is not available here (server-side rendering?)');
  }
  return new EventSourceClass(url, init);
}

/**
 * The messages of an SSE endpoint as a cold Observable: each subscriber
 * opens its own EventSource, closed on unsubscribe; each `message` event's
 * data is parsed (JSON by default). After a dropped connection the browser
 * reconnects by itself and sends the `Last-Event-ID` header; when it gives
 * up instead (an HTTP error status), this reconnects by hand with the last
 * id as the `lastEventId` query parameter. Either way a `sendSse` endpoint
 * resumes right after the last event delivered: no gap, no duplicate.
 * Never completes; errors with {@link SseStreamError} when the server ends
 * the stream with an error, {@link SseConnectionError} after
 * `maxReconnects` failed reconnections or on data that does not parse.
 * Fit for Angular's `toSignal` (give it an `initialValue`).
 *
 * @param url - the endpoint, e.g. `/sse/orders?start=earliest`.
 * @param options - see {@link FromEventSourceOptions}.
 * @returns a cold Observable of the parsed events.
 * @example
 * ```ts
 * const messages = toSignal(
 *   fromEventSource<SseMessage>('/sse/orders').pipe(scan((all, m) => [...all, m], [] as SseMessage[])),
 *   { initialValue: [] },
 * );
 * ```
 */
export function fromEventSource<T = SseMessage>(
  url: string,
  options: FromEventSourceOptions<T> = {},
): Observable<T> {
  const parse = options.parse ?? ((data: string) => JSON.parse(data) as T);
  const make = options.eventSource ?? browserEventSource;
  const delayMs = options.reconnectDelayMs ?? 1000;
  const maxReconnects = options.maxReconnects ?? 10;
  return new Observable<T>((subscriber) => {
    let last = options.lastEventId;
    let source: EventSourceLike | undefined;
    let waiting: Subscription | undefined;
    let failures = 0;

    const close = () => {
      source?.close();
      source = undefined;
    };
    const fail = (err: unknown) => {
      close();
      subscriber.error(err);
    };
    const seen = (event: SseMessageEvent) => {
      failures = 0;
      last = event.lastEventId;
    };
    const open = () => {
      const target =
        last === undefined || last === '' ? url : withParam(url, LAST_EVENT_ID_PARAM, last);
      let es: EventSourceLike;
      try {
        es = make(target, { withCredentials: options.withCredentials === true });
      } catch (err) {
        fail(err);
        return;
      }
      source = es;
      es.addEventListener('message', (event) => {
        let value: T;
        try {
          value = parse(event.data);
        } catch (err) {
          fail(
            new SseConnectionError(url, `unreadable event data: ${String(err)}`, { cause: err }),
          );
          return;
        }
        seen(event);
        subscriber.next(value);
      });
      es.addEventListener(SSE_EVENT.position, seen);
      es.addEventListener(SSE_EVENT.streamError, (event) => {
        let code = 'UNKNOWN';
        let message = event.data;
        try {
          ({ code, message } = JSON.parse(event.data) as { code: string; message: string });
        } catch {
          // not JSON: the text is the message
        }
        fail(new SseStreamError(code, message));
      });
      es.addEventListener('error', () => {
        // CONNECTING: the browser reconnects by itself, with Last-Event-ID.
        if (es.readyState !== CLOSED || source !== es) return;
        close();
        if (failures >= maxReconnects) {
          subscriber.error(
            new SseConnectionError(url, `no connection after ${failures} reconnections`),
          );
          return;
        }
        failures++;
        waiting = timer(delayMs * failures, options.scheduler).subscribe(open);
      });
    };
    open();
    return () => {
      waiting?.unsubscribe();
      close();
    };
  });
}
