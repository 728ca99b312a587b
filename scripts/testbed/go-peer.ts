/**
 * The Go peer (bench/peers/go: a CLI over the official go-liftbridge client)
 * for interop specs and benchmarks. Built once per source version into
 * .liftbridge/go-peer-<hash>, from a temp copy of main.go and go.mod (go.sum
 * and the indirect requirements are resolved there, with -mod=mod).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce } from './build-once.js';
import { MissingToolError } from './install.js';
import { projectRoot, serverDir } from './paths.js';
import { reaperTrack } from './reaper.js';

const SOURCES = ['main.go', 'go.mod'];
const LOCK_WAIT_MS = 600_000;
const RUN_TIMEOUT_MS = 120_000;

/** Path of the built peer; builds it first if this source version has no binary yet. */
export function goPeerBinary(): string {
  const src = join(projectRoot, 'bench', 'peers', 'go');
  const hash = createHash('sha256');
  for (const name of SOURCES) hash.update(readFileSync(join(src, name)));
  const out = join(serverDir, `go-peer-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(out)) return out;

  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new MissingToolError('Go 1.21+ is needed to build the Go peer (bench/peers/go)');
  }
  buildOnce(
    out,
    () => {
      const work = mkdtempSync(join(tmpdir(), 'lbrx-gopeer-'));
      try {
        for (const name of SOURCES) copyFileSync(join(src, name), join(work, name));
        process.stderr.write('building the Go peer (first run only) ...\n');
        const t0 = Date.now();
        execFileSync('go', ['build', '-o', `${out}.tmp`, '.'], {
          cwd: work,
          env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        renameSync(`${out}.tmp`, out);
        process.stderr.write(`built ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    LOCK_WAIT_MS,
  );
  return out;
}

/**
 * Runs the Go peer with `args` (subcommand first); resolves with its stdout.
 * Rejects with its stderr on a non-zero exit, or after 120 s (killing it).
 */
export function runGoPeer(args: string[], options: { cpus?: string } = {}): Promise<string> {
  const binary = goPeerBinary();
  // Pinned (`taskset -c`): the Go runtime sizes GOMAXPROCS from the affinity.
  const [cmd, ...argv] = options.cpus
    ? ['taskset', '-c', options.cpus, binary, ...args]
    : [binary, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    // Killed by the reaper should this process die first.
    const pid = child.pid;
    if (pid !== undefined) reaperTrack.pid(pid);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) reaperTrack.unpid(pid);
      const err = Buffer.concat(stderr).toString().trim();
      if (timedOut) {
        reject(new Error(`go peer ${args[0]}: no exit within ${RUN_TIMEOUT_MS / 1000} s ${err}`));
      } else if (code !== 0) {
        reject(new Error(err || `go peer ${args[0]} exited with ${code ?? signal}`));
      } else {
        resolve(Buffer.concat(stdout).toString());
      }
    });
  });
}
