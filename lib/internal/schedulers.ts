/**
 * Timers for background work that must never keep the process alive.
 *
 * The core takes its time from an injected rxjs `SchedulerLike`
 * (asyncScheduler in production, a VirtualTimeScheduler or TestScheduler in
 * specs). asyncScheduler's timers are ref'd: fine for work someone waits
 * for (a retry, an ack deadline, a connection attempt), wrong for the
 * background metadata refresh of an idle client that was never closed, or
 * for the ping of a silent publish stream, either of which would keep Node
 * from exiting. {@link background} gives such work a scheduler with the
 * same clock whose timers are unref'd; under virtual time it is the
 * injected scheduler itself, so specs drive background work too.
 *
 * This file is the one place in the core that touches a raw timer.
 */
import { asyncScheduler, type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs';

/** One scheduled piece of work on an unref'd timer; `this.schedule()` inside it reschedules. */
class UnrefAction<T> extends Subscription implements SchedulerAction<T> {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly work: (this: SchedulerAction<T>, state?: T) => void) {
    super();
    this.add(() => this.cancel());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.cancel();
    const timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.work.call(this, state);
      } finally {
        // Done unless the work scheduled itself again.
        if (this.timer === undefined) this.unsubscribe();
      }
    }, delay);
    timer.unref();
    this.timer = timer;
    return this;
  }

  private cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** asyncScheduler's clock, with timers that never keep the process alive. */
export const unrefScheduler: SchedulerLike = {
  now: () => asyncScheduler.now(),
  schedule<T>(
    work: (this: SchedulerAction<T>, state?: T) => void,
    delay = 0,
    state?: T,
  ): Subscription {
    return new UnrefAction(work).schedule(state, delay);
  },
};

/**
 * The scheduler for background work on `scheduler`'s clock: unref'd timers
 * when it is real time (asyncScheduler), else `scheduler` itself.
 */
export function background(scheduler: SchedulerLike): SchedulerLike {
  return scheduler === asyncScheduler ? unrefScheduler : scheduler;
}
