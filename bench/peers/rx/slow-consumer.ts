/**
 * The rx side of the slow-consumer benchmark: a backlog read by a handler
 * that takes `handlerMs` per message, for `seconds`, in one of five modes:
 * `messages` (for await over client.messages()), `consume`
 * (client.consume(), prefetch), `group` (client.consumeGroup(), prefetch),
 * and the unbounded contrasts `concatmap` (subscribe().pipe(concatMap()))
 * and `groupconcat` (consumerGroup().pipe(concatMap())), stopped once RSS
 * grew by `capMb`. Reports the
 * messages handled and the peak RSS growth over the RSS before subscribing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { concatMap, from, type Subscription } from 'rxjs';
import { type LiftbridgeClient, StartPosition } from '../../../lib/index.js';
import { mark } from './measure.js';

export type SlowMode = 'messages' | 'consume' | 'concatmap' | 'group' | 'groupconcat';

/** What bench-slow reports (one JSON line, as the Go peer's bench-slow). */
export interface SlowResult {
  client: 'rx' | 'go';
  workload: 'slow-consumer';
  mode: string;
  /** Messages the handler finished within the time. */
  messages: number;
  seconds: number;
  cpuSeconds: number;
  /** RSS before subscribing (MB). */
  baselineRssMb: number;
  /** Peak RSS of the process (MB, from getrusage). */
  peakRssMb: number;
  /** Peak RSS minus the baseline (MB). */
  rssGrowthMb: number;
  /** True when the run was stopped early because RSS grew past the cap. */
  stoppedAtCap: boolean;
}

export interface SlowOptions {
  stream: string;
  mode: SlowMode;
  seconds: number;
  handlerMs: number;
  capMb: number;
}

const MB = 1024 * 1024;

export async function slowConsumer(client: LiftbridgeClient, o: SlowOptions): Promise<SlowResult> {
  const baseline = process.memoryUsage.rss();
  const start = mark();
  let handled = 0;
  let stoppedAtCap = false;
  const handle = () => sleep(o.handlerMs);
  const from0 = { startPosition: StartPosition.EARLIEST } as const;
  let running: Subscription | undefined;
  const stop = new AbortController();
  const deadline = setTimeout(() => stop.abort(), o.seconds * 1000);
  // The contrast mode can grow without bound: stop it at the cap.
  const watch = setInterval(() => {
    if (process.memoryUsage.rss() - baseline > o.capMb * MB) {
      stoppedAtCap = true;
      stop.abort();
    }
  }, 20);
  try {
    if (o.mode === 'messages') {
      for await (const _ of client.messages(o.stream, from0)) {
        await handle();
        handled += 1;
        if (stop.signal.aborted) break;
      }
    } else {
      await new Promise<void>((resolve, reject) => {
        const group = `bench-${Math.random().toString(36).slice(2, 8)}`;
        const sources = {
          consume: () => client.consume(o.stream, () => handle(), from0),
          group: () => client.consumeGroup(group, o.stream, () => handle()),
          concatmap: () => client.subscribe(o.stream, from0).pipe(concatMap(() => from(handle()))),
          groupconcat: () =>
            client.consumerGroup(group, o.stream).pipe(concatMap(() => from(handle()))),
        };
        const source = sources[o.mode as Exclude<SlowMode, 'messages'>]();
        running = source.subscribe({
          next: () => {
            handled += 1;
          },
          error: reject,
          complete: resolve,
        });
        stop.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      running?.unsubscribe();
    }
  } finally {
    clearTimeout(deadline);
    clearInterval(watch);
  }
  const now = mark();
  const peak = process.resourceUsage().maxRSS * 1024;
  return {
    client: 'rx',
    workload: 'slow-consumer',
    mode: o.mode,
    messages: handled,
    seconds: Number(((now.t - start.t) / 1000).toFixed(1)),
    cpuSeconds: Number((now.cpu - start.cpu).toFixed(3)),
    baselineRssMb: Math.round(baseline / MB),
    peakRssMb: Math.round(peak / MB),
    rssGrowthMb: Math.round((peak - baseline) / MB),
    stoppedAtCap,
  };
}
