/**
 * A message as the SSE endpoint sends it to browsers: JSON, offsets and
 * timestamps as JSON can carry them. Shared by the server (which makes it)
 * and the browser side (which reads it); type-only for the browser.
 */
import type { Message } from '../index.js';

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

const utf8 = new TextDecoder();

/**
 * The {@link SseMessage} of a message: key and value decoded as UTF-8
 * (invalid bytes become U+FFFD), offset as a string, timestamp in ms.
 *
 * @param m - a message from `subscribe`.
 * @returns its JSON-ready form.
 * @example
 * ```ts
 * client.subscribe('orders').pipe(map(toSseMessage)).subscribe((m) => console.log(m.offset, m.value));
 * ```
 */
export function toSseMessage(m: Message): SseMessage {
  return {
    stream: m.stream,
    partition: m.partition,
    offset: m.offset.toString(),
    key: m.key.length > 0 ? utf8.decode(m.key) : null,
    value: utf8.decode(m.value),
    timestamp: Number(m.timestamp / 1_000_000n),
  };
}
