/** Paths of the child-process scripts in this folder (compiled beside it), and running them. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled script `name` (without extension) of spec/helpers/exit. */
export function childScript(name: string): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), `${name}.js`);
}

/** How a child run by {@link runChild} ended. */
export interface ChildRun {
  /** Its exit code; null when it was killed. */
  code: number | null;
  /** Milliseconds from spawn to exit. */
  ms: number;
  out: string;
  err: string;
}

/**
 * Runs `node script ...args` and collects its output. It is killed (code
 * null) after `killAfterMs`, or with `afterDoneMs` that long after it
 * printed "done", however long its work took (a control that must still
 * be running then).
 */
export function runChild(
  script: string,
  args: string[],
  { killAfterMs, afterDoneMs }: { killAfterMs: number; afterDoneMs?: number },
): Promise<ChildRun> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let afterDone: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (afterDoneMs !== undefined && !afterDone && /done/.test(out))
        afterDone = setTimeout(() => child.kill('SIGKILL'), afterDoneMs);
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      clearTimeout(afterDone);
      resolve({ code, ms: Date.now() - t0, out, err });
    });
  });
}
