/**
 * The text/event-stream format: one event (or a comment) as the text
 * written to the response.
 */

/**
 * The fields of one SSE event.
 *
 * @example
 * ```ts
 * const event: SseEvent = { id: '0:4', data: '{"offset":"4"}' };
 * ```
 */
export interface SseEvent {
  /** Event type (`event:`); none: a `message` event. */
  event?: string;
  /** Event id (`id:`): the browser sends the last one back as `Last-Event-ID`. */
  id?: string;
  /** Data; each line becomes a `data:` line. */
  data?: string;
  /** Reconnection delay for the browser (`retry:`), in milliseconds. */
  retry?: number;
  /** A comment line, which browsers ignore (heartbeats). */
  comment?: string;
}

// A line break inside a one-line field would end it early (and start another field).
const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

/**
 * The text of one event, ending with the blank line that dispatches it.
 *
 * @param e - the fields; `data` may hold line breaks.
 * @returns the text to write.
 * @example
 * ```ts
 * sseFrame({ id: '0:4', data: 'a\nb' }); // "id: 0:4\ndata: a\ndata: b\n\n"
 * sseFrame({ comment: '' }); // ":\n\n" (a heartbeat)
 * ```
 */
export function sseFrame(e: SseEvent): string {
  let text = '';
  if (e.comment !== undefined) text += `:${e.comment === '' ? '' : ` ${oneLine(e.comment)}`}\n`;
  if (e.event !== undefined) text += `event: ${oneLine(e.event)}\n`;
  if (e.id !== undefined) text += `id: ${oneLine(e.id).replace(/\0/g, '')}\n`;
  if (e.retry !== undefined) text += `retry: ${Math.max(0, Math.floor(e.retry))}\n`;
  if (e.data !== undefined) {
    for (const line of e.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  }
  return `${text}\n`;
}
