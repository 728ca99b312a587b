/** One message as the Nest demo's SSE endpoint sends it (GET /sse/:stream). */
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

/** Where a stream is read from: the first message, the newest one, or only new ones. */
export type StartAt = 'earliest' | 'latest' | 'new';
