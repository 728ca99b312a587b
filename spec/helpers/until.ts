/** Polling for a condition in integration specs (real servers: no virtual time). */
import { firstValueFrom, timer } from 'rxjs';

/** Polls `check` every 50 ms until it holds; fails naming `what` after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await firstValueFrom(timer(50));
  }
}

/** Polls until `read()` gives the same number twice in a row (a buffer that stopped growing). */
export function untilSteady(read: () => number, what: string, ms = 30_000): Promise<void> {
  let before = -1;
  return until(
    () => {
      const now = read();
      const steady = now === before;
      before = now;
      return steady;
    },
    what,
    ms,
  );
}
