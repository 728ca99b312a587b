import { Injectable, InjectionToken, inject } from '@angular/core';
import { Observable } from 'rxjs';
import type { StartAt, StreamMessage } from './stream-message';

/**
 * Origin of the SSE endpoint; default '' (the page's own server).
 *
 * @example
 * providers: [{ provide: SSE_BASE_URL, useValue: 'http://127.0.0.1:3000' }]
 */
export const SSE_BASE_URL = new InjectionToken<string>('SSE_BASE_URL', {
  providedIn: 'root',
  factory: () => '',
});

/**
 * Browsers cannot speak gRPC to Liftbridge: this service reads a stream
 * through the Nest demo's Server-Sent Events endpoint instead.
 *
 * @example
 * inject(SseStreamService).messages('orders').pipe(takeUntilDestroyed()).subscribe(show);
 */
@Injectable({ providedIn: 'root' })
export class SseStreamService {
  private readonly baseUrl = inject(SSE_BASE_URL);

  /**
   * The messages of `stream` as they arrive, from `start` (default 'earliest').
   * Cold: each subscriber opens its own EventSource, closed on unsubscribe.
   * EventSource reconnects by itself after a dropped connection and the
   * server then starts again at `start`: offsets already seen are skipped.
   */
  messages(stream: string, start: StartAt = 'earliest'): Observable<StreamMessage> {
    const url = `${this.baseUrl}/sse/${encodeURIComponent(stream)}?start=${start}`;
    return new Observable<StreamMessage>((subscriber) => {
      const seen = new Map<number, bigint>();
      const source = new EventSource(url);
      source.onmessage = (event: MessageEvent<string>) => {
        const message = JSON.parse(event.data) as StreamMessage;
        const offset = BigInt(message.offset);
        const last = seen.get(message.partition);
        if (last !== undefined && offset <= last) return;
        seen.set(message.partition, offset);
        subscriber.next(message);
      };
      source.onerror = () => {
        // CONNECTING: the browser retries by itself. CLOSED: it gave up.
        if (source.readyState === EventSource.CLOSED) {
          subscriber.error(new Error(`SSE connection to ${url} closed`));
        }
      };
      return () => source.close();
    });
  }
}
