/** Client side of the reaper (see reaper-main.ts): one reaper per process, started lazily. */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let reaper: ChildProcess | undefined;

function send(line: string): void {
  if (!reaper) {
    const main = join(dirname(fileURLToPath(import.meta.url)), 'reaper-main.js');
    reaper = spawn(process.execPath, [main], {
      stdio: ['pipe', 'inherit', 'inherit'],
      detached: true,
    });
    reaper.unref();
    // The pipe must not keep this process alive: its closing is the signal.
    (reaper.stdin as unknown as { unref(): void }).unref();
  }
  reaper.stdin?.write(`${line}\n`);
}

export const reaperTrack = {
  pid: (pid: number) => send(`pid ${pid}`),
  unpid: (pid: number) => send(`unpid ${pid}`),
  dir: (dir: string) => send(`dir ${dir}`),
  undir: (dir: string) => send(`undir ${dir}`),
};
