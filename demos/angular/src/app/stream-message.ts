/**
 * One message as the Nest demo's SSE endpoint sends it (GET /sse/:stream).
 *
 * @example
 * { stream: 'orders', partition: 0, offset: '4', key: null, value: 'stock check', timestamp: 1795000000000 }
 */
export interface StreamMessage {
  stream: string;
  partition: number;
  /** The int64 offset as a decimal string (JSON has no 64-bit integers). */
  offset: string;
  key: string | null;
  value: string | null;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/**
 * Where a stream is read from: the first message, the newest one, or only new ones.
 *
 * @example
 * inject(SseStreamService).messages('orders', 'new');
 */
export type StartAt = 'earliest' | 'latest' | 'new';
