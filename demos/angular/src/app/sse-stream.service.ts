import { Injectable, InjectionToken, inject } from '@angular/core';
import { fromEventSource, type SseMessage } from 'liftbridge-rx/sse/browser';
import type { Observable } from 'rxjs';

/** Origin of the SSE endpoint (the Nest demo's GET /sse/:stream); default '': the page's own. */
export const SSE_BASE_URL = new InjectionToken<string>('SSE_BASE_URL', {
  providedIn: 'root',
  factory: () => '',
});

/**
 * A stream's messages from the server's SSE endpoint (browsers cannot speak
 * gRPC). Cold: one EventSource per subscriber, closed on unsubscribe; after
 * a dropped connection it resumes after the last message, no gap, no duplicate.
 */
@Injectable({ providedIn: 'root' })
export class SseStreamService {
  private readonly baseUrl = inject(SSE_BASE_URL);

  messages(
    stream: string,
    start: 'earliest' | 'latest' | 'new' = 'earliest',
  ): Observable<SseMessage> {
    return fromEventSource(`${this.baseUrl}/sse/${encodeURIComponent(stream)}?start=${start}`);
  }
}
