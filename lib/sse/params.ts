/**
 * Names both sides of the SSE entry agree on (no imports: the browser side
 * loads this file too).
 */

/**
 * The query parameter that carries the last event id when a browser
 * reconnects by hand (EventSource sends the `Last-Event-ID` header only on
 * its own reconnects); {@link sendSse} reads both.
 *
 * @example
 * ```ts
 * fetch(`/sse/orders?${LAST_EVENT_ID_PARAM}=${encodeURIComponent('0:41')}`);
 * ```
 */
export const LAST_EVENT_ID_PARAM = 'lastEventId';

/**
 * The event types the SSE endpoint sends besides messages (unnamed
 * `message` events): `position` carries only an id (where a reader that
 * starts at `new` or `latest` stands before its first message), and
 * `stream-error` the JSON `{ code, message }` of the error that ended the stream.
 *
 * @example
 * ```ts
 * source.addEventListener(SSE_EVENT.streamError, (e) => console.error(e.data));
 * ```
 */
export const SSE_EVENT = {
  /** An id-only event: where the reader stands before its first message. */
  position: 'position',
  /** The error that ended the stream, as JSON `{ code, message }`. */
  streamError: 'stream-error',
} as const;
