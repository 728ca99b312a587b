/** Reading a text/event-stream response in specs (fetch, no EventSource). */

/** One event as the stream carried it (comments dropped). */
export interface ReadEvent {
  event: string | undefined;
  id: string | undefined;
  data: string;
}

/**
 * Reads events from `url` until `enough(events)` holds (or the response
 * ends), then disconnects. Returns the status, the body of a refused request,
 * and the events.
 */
export async function readSse(
  url: string,
  enough: (events: ReadEvent[]) => boolean,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; events: ReadEvent[] }> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: ReadEvent[] = [];
  if (res.status !== 200 || !res.body)
    return { status: res.status, body: await res.text(), events };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    while (!enough(events)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffered += chunk.value;
      const blocks = buffered.split('\n\n');
      buffered = blocks.pop() ?? '';
      for (const block of blocks) {
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        if (lines.length === 0) continue;
        const field = (name: string) =>
          lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
        if (field('retry').length > 0 && field('data').length === 0) continue;
        events.push({
          event: field('event')[0],
          id: field('id')[0],
          data: field('data').join('\n'),
        });
      }
    }
  } finally {
    abort.abort();
  }
  return { status: res.status, body: '', events };
}
