/** A subscribed message as the JSON the SSE endpoint sends ({@link SseMessage}). */
import type { Message } from '../index.js';
import type { SseMessage } from './sse-message.js';

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
