/** What every benchmark peer reports, and how the rx peer measures it. */
import { randomBytes } from 'node:crypto';

export interface Result {
  client: 'rx' | 'go' | 'gufo';
  workload: string;
  messages: number;
  bytes: number;
  seconds: number;
  msgsPerSec: number;
  mbPerSec: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  cpuSeconds: number;
  peakRssMb: number;
  /** memory workload: most requests in flight seen. */
  maxInFlight?: number;
}

/** The command-line options every rx-side peer (rx, floor) takes, for node:util's parseArgs. */
export const PEER_OPTIONS = {
  brokers: { type: 'string' },
  stream: { type: 'string' },
  count: { type: 'string', default: '100000' },
  size: { type: 'string', default: '256' },
  inflight: { type: 'string', default: '256' },
  warmup: { type: 'string', default: '0' },
} as const;

/** `n` distinct payloads of `size` random bytes (generated before timing). */
export function payloads(n: number, size: number): Uint8Array[] {
  const all = randomBytes(n * size);
  return Array.from({ length: n }, (_, i) => all.subarray(i * size, (i + 1) * size));
}

export function percentile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const at = Math.min(sorted.length - 1, Math.floor(q * sorted.length));
  return Number((sorted[at] ?? 0).toFixed(3));
}

interface Mark {
  t: number;
  cpu: number;
}

type Usage = Pick<Result, 'seconds' | 'cpuSeconds' | 'peakRssMb'>;

/** A start mark. */
export function mark(): Mark {
  const r = process.resourceUsage();
  return { t: performance.now(), cpu: (r.userCPUTime + r.systemCPUTime) / 1e6 };
}

/** Time, CPU and peak RSS since `since`. */
export function since(start: Mark): Usage {
  const now = mark();
  return {
    seconds: (now.t - start.t) / 1000,
    cpuSeconds: Number((now.cpu - start.cpu).toFixed(3)),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** A result line with its rates. */
export function result(
  fields: Omit<Result, 'msgsPerSec' | 'mbPerSec' | keyof Usage>,
  used: Usage,
): Result {
  return {
    ...fields,
    ...used,
    msgsPerSec: Math.round(fields.messages / used.seconds),
    mbPerSec: Number((fields.bytes / 1e6 / used.seconds).toFixed(2)),
  };
}
