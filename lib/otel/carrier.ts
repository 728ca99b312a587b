/**
 * Message headers (`Map<string, Uint8Array>`) as a text-map carrier for
 * OpenTelemetry propagators: W3C trace context travels as `traceparent`
 * and `tracestate` headers, UTF-8.
 */
import type { TextMapGetter } from '@opentelemetry/api';

export const headerGetter: TextMapGetter<ReadonlyMap<string, Uint8Array>> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => {
    const value = carrier.get(key);
    return value === undefined ? undefined : Buffer.from(value).toString('utf8');
  },
};

/** What a propagator injects, copied into `headers` unless the user set a trace context there. */
export function mergeInjected(
  headers: Map<string, Uint8Array>,
  injected: Record<string, string>,
): void {
  if (headers.has('traceparent')) return; // the user's own context wins, whole
  for (const [key, value] of Object.entries(injected)) {
    if (!headers.has(key)) headers.set(key, Buffer.from(value, 'utf8'));
  }
}
