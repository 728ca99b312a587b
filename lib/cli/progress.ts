/**
 * The progress line of `publish` on stderr: redrawn in place on a terminal,
 * a plain line every few seconds otherwise (with `--progress`), never on
 * stdout.
 */
import type { TextSink } from './output.js';

/** Counters of a publish run. */
export interface PublishCounts {
  /** Messages read (lines or arguments). */
  read: number;
  /** Acknowledged (or, with ack policy NONE, sent). */
  acked: number;
  /** Sent, not yet acknowledged. */
  inFlight: number;
  /** Input bytes taken into messages (with their newlines). */
  bytes: number;
  /** Input size when known (stdin is a file); else undefined. */
  totalBytes: number | undefined;
}

const BAR_WIDTH = 24;

function rate(count: number, ms: number): string {
  return ms <= 0 ? '0' : Math.round((count * 1000) / ms).toLocaleString('en-US');
}

/**
 * The progress text: a bar when the input size is known, then counts and
 * the ack rate.
 *
 * @example
 * ```ts
 * renderProgress({ read: 500, acked: 480, inFlight: 20, bytes: 50, totalBytes: 100 }, 2000);
 * // '[############------------]  50%  read 500  acked 480  in flight 20  240 msg/s  2.0 s'
 * ```
 */
export function renderProgress(counts: PublishCounts, elapsedMs: number): string {
  const parts: string[] = [];
  if (counts.totalBytes !== undefined && counts.totalBytes > 0) {
    const share = Math.min(1, counts.bytes / counts.totalBytes);
    const filled = Math.round(share * BAR_WIDTH);
    const percent = `${Math.floor(share * 100)}%`.padStart(4);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}`);
  }
  parts.push(`read ${counts.read}`, `acked ${counts.acked}`, `in flight ${counts.inFlight}`);
  parts.push(`${rate(counts.acked, elapsedMs)} msg/s`, `${(elapsedMs / 1000).toFixed(1)} s`);
  return parts.join('  ');
}

/** How the progress is shown: redrawn in place, a line now and then, or not at all. */
export type ProgressMode = 'redraw' | 'lines' | 'off';

/**
 * Redraw on a terminal, lines when asked for on a pipe or file, else nothing.
 *
 * @example
 * ```ts
 * progressMode(process.stderr, { progress: false, noProgress: false }); // 'redraw' on a terminal
 * ```
 */
export function progressMode(
  stderr: Pick<TextSink, 'isTTY'>,
  wanted: { progress: boolean; noProgress: boolean },
): ProgressMode {
  if (wanted.noProgress) return 'off';
  if (stderr.isTTY) return 'redraw';
  return wanted.progress ? 'lines' : 'off';
}

/**
 * Shows {@link renderProgress} on stderr while work runs: from 300 ms on
 * (short runs show nothing), every 100 ms in place on a terminal, every 2 s
 * as a line otherwise. `stop()` clears the line it drew.
 *
 * @example
 * ```ts
 * const progress = new Progress(process.stderr, 'redraw', () => counts);
 * // ... publish ...
 * progress.stop();
 * ```
 */
export class Progress {
  private readonly started = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private delay: ReturnType<typeof setTimeout> | undefined;
  private drawn = false;

  constructor(
    private readonly stderr: TextSink,
    private readonly mode: ProgressMode,
    private readonly counts: () => PublishCounts,
  ) {
    if (mode === 'off') return;
    this.delay = setTimeout(() => {
      this.draw();
      this.timer = setInterval(() => this.draw(), mode === 'redraw' ? 100 : 2000);
      this.timer.unref();
    }, 300);
    this.delay.unref();
  }

  private draw(): void {
    const text = renderProgress(this.counts(), Date.now() - this.started);
    if (this.mode === 'redraw') {
      const width = (this.stderr.columns ?? 80) - 1;
      this.stderr.write(`\r${text.slice(0, width)}\u001b[K`);
      this.drawn = true;
    } else this.stderr.write(`${text}\n`);
  }

  /** Stops drawing and clears the progress line (so the summary starts on a clean line). */
  stop(): void {
    clearTimeout(this.delay);
    clearInterval(this.timer);
    if (this.drawn) this.stderr.write('\r\u001b[K');
    this.drawn = false;
  }
}
