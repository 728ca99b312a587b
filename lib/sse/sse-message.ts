/**
 * A message as the SSE endpoint sends it to browsers: JSON, offsets and
 * timestamps as JSON can carry them. Shared by the server (which makes it)
 * and the browser side (which reads it), so it imports nothing: a browser
 * build type-checks it without the Node side's types.
 */

/**
 * One message as {@link sendSse} sends it (the `data` of an SSE event, as JSON).
 *
 * @example
 * ```ts
 * const m: SseMessage = { stream: 'orders', partition: 0, offset: '4', key: null, value: 'stock check', timestamp: 1795000000000 };
 * ```
 */
export interface SseMessage {
  /** Stream name. */
  stream: string;
  /** Partition number. */
  partition: number;
  /** The int64 offset as a decimal string (JSON has no 64-bit integers). */
  offset: string;
  /** The key as UTF-8 text; null when empty. */
  key: string | null;
  /** The value as UTF-8 text. */
  value: string;
  /** When the broker received it, milliseconds since the epoch. */
  timestamp: number;
}
