/**
 * Reaper process: keeps a list of server pids and temp dirs sent by its parent
 * on stdin ("pid N", "unpid N", "dir PATH", "undir PATH"). When stdin closes
 * (the parent exited, crashed or was killed) it stops those processes (SIGCONT,
 * SIGTERM, then SIGKILL after a grace period) and removes the dirs. This is
 * what guarantees no orphan servers and no leftover temp dirs.
 */
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const pids = new Set<number>();
const dirs = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

let reaping = false;
async function reap(): Promise<void> {
  if (reaping) return;
  reaping = true;
  for (const pid of pids) {
    signal(pid, 'SIGCONT');
    signal(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 5000;
  while ([...pids].some(alive) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const space = line.indexOf(' ');
  const verb = line.slice(0, space);
  const arg = line.slice(space + 1);
  if (verb === 'pid') pids.add(Number(arg));
  else if (verb === 'unpid') pids.delete(Number(arg));
  else if (verb === 'dir') dirs.add(arg);
  else if (verb === 'undir') dirs.delete(arg);
});
lines.on('close', () => void reap());
// Ctrl-C reaches the whole process group: clean up rather than die mid-way.
process.on('SIGINT', () => void reap());
process.on('SIGTERM', () => void reap());
process.on('SIGHUP', () => void reap());
