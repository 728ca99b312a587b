/**
 * Dead letters: a message whose handler failed, published to a named
 * stream with the error and its origin in headers (then the server commits
 * it, so the partition goes on).
 */
import { concatMap, from, ignoreElements, type Observable } from 'rxjs';
import type { LiftbridgeClientApi, Message, PublishOptions } from '../index.js';

/** Header of a dead letter: the handler's error message. */
export const DEAD_LETTER_ERROR_HEADER = 'dead-letter-error';
/** Header of a dead letter: the error's `code` (a LiftbridgeError code, say) or its name. */
export const DEAD_LETTER_CODE_HEADER = 'dead-letter-code';
/** Header of a dead letter: `stream/partition/offset` of the failed message. */
export const DEAD_LETTER_ORIGIN_HEADER = 'dead-letter-origin';

/**
 * The message and code of a handler's error, as text. Nest's exception
 * filters stand between a handler and the transport: an `RpcException`
 * arrives as its error (`{ status, message }` for a string), any other
 * error as `{ status: 'error', message: 'Internal server error' }`.
 */
function describe(err: unknown): { message: string; code: string } {
  if (typeof err === 'string') return { message: err, code: 'Error' };
  const e = (err ?? {}) as { message?: unknown; code?: unknown; name?: unknown };
  const message = typeof e.message === 'string' ? e.message : (JSON.stringify(err) ?? String(err));
  const code =
    typeof e.code === 'string' || typeof e.code === 'number'
      ? String(e.code)
      : typeof e.name === 'string'
        ? e.name
        : 'Error';
  return { message, code };
}

/**
 * Publishes each message to `stream` (in order; key, value and headers as
 * they were, plus the dead-letter headers); completes once all are acked.
 */
export function deadLetter(
  client: LiftbridgeClientApi,
  stream: string,
  messages: readonly Message[],
  err: unknown,
): Observable<never> {
  const { message: text, code } = describe(err);
  return from(messages).pipe(
    concatMap((m) => {
      const headers = new Map<string, Uint8Array | string>(m.headers);
      headers.set(DEAD_LETTER_ERROR_HEADER, text);
      headers.set(DEAD_LETTER_CODE_HEADER, code);
      headers.set(DEAD_LETTER_ORIGIN_HEADER, `${m.stream}/${m.partition}/${m.offset}`);
      const options: PublishOptions = { stream, headers };
      if (m.key.length > 0) options.key = m.key;
      return client.publish(m.value, options);
    }),
    ignoreElements(),
  );
}
