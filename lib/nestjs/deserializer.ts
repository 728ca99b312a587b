/**
 * LiftbridgeDeserializer: the default deserializer of LiftbridgeServer,
 * under Nest's `Deserializer` interface (replace it with the server's
 * `deserializer` option, as with Nest's own transports).
 */
import type { IncomingEvent } from '@nestjs/microservices';
import { invalidArgument, type Message } from '../index.js';
import { decodeMessage, type JsonDecoding } from './codec.js';

/** Options of {@link LiftbridgeDeserializer}. */
export interface LiftbridgeDeserializerOptions {
  /** When a value is parsed as JSON; default `'auto'` (see {@link decodeMessage}). */
  json?: JsonDecoding;
}

/**
 * Turns a {@link Message} into Nest's incoming packet: the pattern is the
 * stream, the data the value decoded by {@link decodeMessage} (JSON when it
 * is valid JSON, else UTF-8 text). The raw message stays on the context
 * (`ctx.getMessage()`).
 *
 * @example
 * ```ts
 * new LiftbridgeServer({ client, deserializer: new LiftbridgeDeserializer({ json: 'header' }) });
 * // Raw bytes instead: any object with deserialize(message) => ({ pattern, data }).
 * new LiftbridgeServer({ client, deserializer: { deserialize: (m: Message) => ({ pattern: m.stream, data: m.value }) } });
 * ```
 */
export class LiftbridgeDeserializer {
  private readonly json: JsonDecoding;

  /** @param options see {@link LiftbridgeDeserializerOptions}. */
  constructor(options: LiftbridgeDeserializerOptions = {}) {
    const json = options.json ?? 'auto';
    if (json !== 'auto' && json !== 'header' && json !== 'never')
      throw invalidArgument('options.json', "expected 'auto', 'header' or 'never'");
    this.json = json;
  }

  /** The packet of a message: `{ pattern: stream, data }`. */
  deserialize(message: Message): IncomingEvent {
    return { pattern: message.stream, data: decodeMessage(message, this.json) };
  }
}
