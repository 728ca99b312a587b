/**
 * Builds something once across processes (parallel spec files, benchmark
 * runs): a lock folder beside the output makes the others wait; a lock older
 * than `waitMs` is taken to be left by a dead process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Runs `build` unless `out` exists (or appears while waiting for another builder). */
export function buildOnce(out: string, build: () => void, waitMs = 600_000): void {
  if (existsSync(out)) return;
  mkdirSync(dirname(out), { recursive: true });
  const lock = `${out}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (existsSync(out)) return;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > waitMs) rmSync(lock, { recursive: true, force: true });
      if (Date.now() - started > waitMs) throw new Error(`timed out waiting for ${lock}`);
      execFileSync('sleep', ['1']);
    }
  }
  try {
    if (!existsSync(out)) build();
  } finally {
    rmdirSync(lock);
  }
}
