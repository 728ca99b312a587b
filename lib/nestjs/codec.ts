/**
 * How Nest payloads travel as Liftbridge messages: the value, a JSON marker
 * header, and the two headers of a request that wants replies.
 */
import type { Message } from '../index.js';

/** Header marking a value that was serialized as JSON (`application/json`). */
export const CONTENT_TYPE_HEADER = 'content-type';
/** The content type of JSON values. */
export const JSON_CONTENT_TYPE = 'application/json';
/** Header of a request: the stream replies go to. */
export const REPLY_TO_HEADER = 'nest-reply-to';
/** Header of a request and its replies: the request id. */
export const REQUEST_ID_HEADER = 'nest-request-id';

const utf8 = new TextDecoder();

/** A value to publish and its headers. */
export interface EncodedData {
  value: Uint8Array | string;
  headers: Record<string, string>;
}

/** A JSON.stringify replacer: bigints (offsets, timestamps) as decimal strings. */
export const bigintSafe = (_key: string, v: unknown): unknown =>
  typeof v === 'bigint' ? v.toString() : v;

/** Bytes and strings go as they are; anything else as JSON, marked by a header. */
export function encodeData(data: unknown): EncodedData {
  if (data instanceof Uint8Array || typeof data === 'string') return { value: data, headers: {} };
  const json = JSON.stringify(data, bigintSafe);
  return {
    value: json ?? 'null',
    headers: { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE },
  };
}

/** A header's value as text, or undefined when the message has none. */
export function headerText(message: Message, name: string): string | undefined {
  const value = message.headers.get(name);
  return value === undefined ? undefined : utf8.decode(value);
}

/**
 * The default decoding of a message's value for a handler: parsed JSON when
 * the `content-type` header says `application/json`, otherwise the value
 * as a UTF-8 string.
 *
 * @example
 * ```ts
 * new LiftbridgeServer({ brokers, decode: (message) => message.value }); // raw bytes instead
 * ```
 */
export function decodeMessage(message: Message): unknown {
  const text = utf8.decode(message.value);
  const type = headerText(message, CONTENT_TYPE_HEADER);
  return type?.startsWith(JSON_CONTENT_TYPE) ? JSON.parse(text) : text;
}
