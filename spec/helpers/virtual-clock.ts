/** A VirtualTimeScheduler a spec moves forward by hand. */
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';

export class VirtualClock extends VirtualTimeScheduler {
  constructor() {
    super(VirtualAction, 0);
  }

  /** Runs everything due within `ms` from now, in time order; the clock ends `ms` later. */
  advance(ms: number): void {
    const to = this.frame + ms;
    this.maxFrames = to;
    this.flush();
    this.frame = to;
    this.maxFrames = to;
  }

  /** Runs what is due now (delay 0). */
  tick(): void {
    this.advance(0);
  }
}
