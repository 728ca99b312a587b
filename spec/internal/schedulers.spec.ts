/**
 * The core's clocks: background() (unref'd real-time timers, or the
 * injected virtual scheduler) and RetryDeadline, the one "may another
 * attempt still start?" rule.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { asyncScheduler, type SchedulerAction } from 'rxjs';
import { RetryDeadline } from '../../lib/internal/backoff.js';
import { background, unrefScheduler } from '../../lib/internal/schedulers.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const schedulers = fileURLToPath(new URL('../../lib/internal/schedulers.js', import.meta.url));

/** Runs `body` in a child process with `s` = the schedulers module; returns its output and time. */
function child(body: string): { out: string; ms: number; status: number | null } {
  const started = Date.now();
  const res = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const s = await import(${JSON.stringify(schedulers)});\n${body}`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return { out: res.stdout + res.stderr, ms: Date.now() - started, status: res.status };
}

describe('schedulers', () => {
  it('schedulers - a pending unrefScheduler timer does not keep the process alive', () => {
    const { out, ms, status } = child(
      "s.unrefScheduler.schedule(() => console.log('ran'), 8_000); console.log('scheduled');",
    );
    assert.equal(status, 0, out);
    assert.equal(out.trim(), 'scheduled');
    assert.ok(ms < 6_000, `exited after ${ms} ms`);
  });

  it('schedulers - unrefScheduler runs work, reschedules it, and stops when unsubscribed', async () => {
    const times: number[] = [];
    const started = unrefScheduler.now();
    const keepAlive = setTimeout(() => {}, 5_000);
    await new Promise<void>((resolve) => {
      const action = unrefScheduler.schedule<number>(
        function (this: SchedulerAction<number>, n = 0) {
          times.push(unrefScheduler.now() - started);
          if (n < 2) this.schedule(n + 1, 20);
          else {
            action.unsubscribe();
            resolve();
          }
        },
        20,
        0,
      );
    });
    clearTimeout(keepAlive);
    assert.equal(times.length, 3);
    assert.ok((times[2] ?? 0) >= 55, `ran at ${times.join(', ')} ms`);
    let ran = false;
    unrefScheduler
      .schedule(() => {
        ran = true;
      }, 10)
      .unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(ran, false);
  });

  it('schedulers - background(): unref timers for asyncScheduler, the injected scheduler otherwise', () => {
    assert.equal(background(asyncScheduler), unrefScheduler);
    const clock = new VirtualClock();
    assert.equal(background(clock), clock);
  });

  it('RetryDeadline - a round starts at its first check; an attempt may start while within the deadline', () => {
    const clock = new VirtualClock();
    let budget = 1_000;
    const deadline = new RetryDeadline(clock, () => budget);
    clock.advance(5_000);
    assert.equal(deadline.passed(400), false); // round starts now (5000)
    clock.advance(600);
    assert.equal(deadline.passed(400), false); // would start at 1000 into the round
    assert.equal(deadline.passed(401), true);
    budget = 2_000; // read at each check
    assert.equal(deadline.passed(401), false);
    deadline.reset();
    clock.advance(10_000);
    assert.equal(deadline.passed(1_999), false);
    deadline.restart();
    clock.advance(2_001);
    assert.equal(deadline.passed(), true);
  });
});
