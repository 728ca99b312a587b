import { DatePipe } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  DOCUMENT,
  InjectionToken,
  inject,
  signal,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import type { SseMessage } from 'liftbridge-rx/sse/browser';
import { catchError, EMPTY, scan } from 'rxjs';
import { SseStreamService } from './sse-stream.service';

/**
 * The stream to show: `?stream=<name>` in the page's address, default 'demo'.
 *
 * @example
 * readonly stream = inject(STREAM_NAME); // 'orders' on /?stream=orders
 */
export const STREAM_NAME = new InjectionToken<string>('STREAM_NAME', {
  providedIn: 'root',
  factory: () => new URLSearchParams(inject(DOCUMENT).location.search).get('stream') ?? 'demo',
});

/**
 * Lists a stream's messages live, oldest first, with a counter.
 *
 * @example
 * bootstrapApplication(LiveMessagesComponent, { providers: [provideZonelessChangeDetection()] });
 */
@Component({
  selector: 'app-live-messages',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Stream <code data-testid="stream">{{ stream }}</code></h1>
    <p>
      <span data-testid="count">{{ messages().length }}</span> messages
      @if (error(); as e) {
        · <strong data-testid="error">{{ e }}</strong>
      }
    </p>
    <table>
      <thead>
        <tr><th>offset</th><th>key</th><th>value</th><th>time</th></tr>
      </thead>
      <tbody>
        @for (m of messages(); track m.partition + '/' + m.offset) {
          <tr data-testid="message">
            <td data-testid="offset">{{ m.offset }}</td>
            <td data-testid="key">{{ m.key ?? '' }}</td>
            <td data-testid="value">{{ m.value }}</td>
            <td>{{ m.timestamp | date: 'HH:mm:ss.SSS' }}</td>
          </tr>
        } @empty {
          <tr><td colspan="4">waiting for messages…</td></tr>
        }
      </tbody>
    </table>
  `,
  styles: `
    :host { display: block; font-family: sans-serif; margin: 1.5rem; }
    table { border-collapse: collapse; min-width: 32rem; }
    th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.8rem; text-align: left; }
    td[data-testid='offset'] { font-family: monospace; text-align: right; }
  `,
  imports: [DatePipe],
})
export class LiveMessagesComponent {
  readonly stream = inject(STREAM_NAME);
  readonly error = signal<string | null>(null);
  // toSignal unsubscribes (closing the EventSource) when the component is destroyed.
  readonly messages = toSignal(
    inject(SseStreamService)
      .messages(this.stream)
      .pipe(
        scan((list: readonly SseMessage[], message) => [...list, message], []),
        catchError((err: unknown) => {
          this.error.set(err instanceof Error ? err.message : String(err));
          return EMPTY;
        }),
      ),
    { initialValue: [] },
  );
}
