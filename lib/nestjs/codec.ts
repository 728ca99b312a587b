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
 * How {@link decodeMessage} treats a value: `'auto'` parses any value that
 * is valid JSON, `'header'` only a value whose `content-type` header says
 * `application/json`, `'never'` parses nothing.
 */
export type JsonDecoding = 'auto' | 'header' | 'never';

/**
 * A message's value as a handler's data: parsed JSON when the `content-type`
 * header says `application/json` (a malformed value throws), else (with
 * `json` `'auto'`, the default) parsed JSON when the value is valid JSON,
 * else the value as a UTF-8 string. As Nest's Kafka and NATS transports do,
 * a value published without the header (from the CLI or another client) is
 * parsed too; a plain text value stays text.
 *
 * @example
 * ```ts
 * decodeMessage(message); // '{"id":7}' -> { id: 7 }; 'hello' -> 'hello'
 * decodeMessage(message, 'header'); // JSON only when the header says so
 * ```
 */
export function decodeMessage(message: Message, json: JsonDecoding = 'auto'): unknown {
  const text = utf8.decode(message.value);
  if (json === 'never') return text;
  const type = headerText(message, CONTENT_TYPE_HEADER);
  if (type?.startsWith(JSON_CONTENT_TYPE)) return JSON.parse(text);
  if (json === 'header' || !looksLikeJson(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A cheap first test before trying JSON.parse (text starting with a JSON token). */
function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first !== undefined && '{["-0123456789tfn'.includes(first);
}
