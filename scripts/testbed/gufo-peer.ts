/**
 * The Python peer (bench/peers/python/gufo_peer.py, driving gufo-liftbridge)
 * for interop specs and benchmarks. Its virtualenv is made once, from the
 * pinned requirements.txt, at .liftbridge/gufo-venv-<hash> (git-ignored);
 * a change of the pins makes a new one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildOnce } from './build-once.js';
import { MissingToolError } from './install.js';
import { projectRoot, serverDir } from './paths.js';
import { reaperTrack } from './reaper.js';

const peerDir = join(projectRoot, 'bench', 'peers', 'python');
/** The peer program. */
export const gufoPeerScript = join(peerDir, 'gufo_peer.py');
const requirements = join(peerDir, 'requirements.txt');

const LOCK_WAIT_MS = 900_000;
const PIP_TIMEOUT_MS = 600_000;
/** Default time limit of one peer run. */
export const GUFO_PEER_TIMEOUT_MS = 120_000;

let python: string | undefined;

function python3(): string {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new MissingToolError(
      'python3 is needed for the gufo-liftbridge peer (bench/peers/python) and was not ' +
        'found on PATH. Install Python 3.9+ with its venv module (Debian: apt-get install ' +
        'python3 python3-venv).',
    );
  }
  return 'python3';
}

function tail(text: unknown, lines = 20): string {
  return String(text ?? '')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .join('\n');
}

/** Runs a setup command; a failure throws with the end of its output. */
function setupStep(file: string, args: string[], what: string): void {
  const r = spawnSync(file, args, {
    encoding: 'utf8',
    timeout: PIP_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0) {
    const output = tail(`${r.stdout ?? ''}\n${r.stderr ?? ''}`);
    if (what === 'venv' && /ensurepip|venv/.test(output)) {
      throw new MissingToolError(
        `python3 cannot make a virtualenv (Debian: apt-get install python3-venv):\n${output}`,
      );
    }
    throw new Error(
      `${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}): ${file} ${args.join(' ')}\n${output}`,
    );
  }
}

/**
 * Path of the peer's Python: `<venv>/bin/python` of .liftbridge/gufo-venv-<hash>
 * (hash: first 12 hex digits of the sha256 of requirements.txt), made on first
 * use with `python3 -m venv` and pip. Safe across parallel processes: one
 * builds (buildOnce's lock folder) into a temp folder renamed into
 * place; the others wait for it. Throws MissingToolError without python3.
 */
export function gufoPython(): string {
  if (python) return python;
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 12);
  const venv = join(serverDir, `gufo-venv-${hash}`);
  const bin = join(venv, 'bin', 'python');
  if (existsSync(bin)) {
    python = bin;
    return bin;
  }
  const base = python3();
  buildOnce(
    venv,
    () => {
      if (!existsSync(bin)) {
        const tmp = `${venv}.tmp-${process.pid}`;
        rmSync(tmp, { recursive: true, force: true });
        process.stderr.write(`making the gufo-liftbridge venv ${venv} (first run only) ...\n`);
        const t0 = Date.now();
        try {
          setupStep(base, ['-m', 'venv', tmp], 'venv');
          // `python -m pip`, not bin/pip: the scripts' shebangs name the temp
          // path, while bin/python finds its venv from where it is run.
          setupStep(
            join(tmp, 'bin', 'python'),
            ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', requirements],
            'pip install',
          );
          rmSync(venv, { recursive: true, force: true });
          renameSync(tmp, venv);
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
        process.stderr.write(`made ${venv} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      }
    },
    LOCK_WAIT_MS,
  );
  python = bin;
  return bin;
}

export interface GufoPeerOptions {
  /** Time limit; the child is killed after it. Default 120 s. */
  timeoutMs?: number;
}

/**
 * Runs `gufo_peer.py ...args` with the venv's Python (cwd: project root);
 * resolves with its stdout, rejects with its stderr on a non-zero exit or
 * a timeout (the child is killed).
 */
export function runGufoPeer(args: string[], options: GufoPeerOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? GUFO_PEER_TIMEOUT_MS;
  let bin: string;
  try {
    bin = gufoPython();
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise<string>((resolve, reject) => {
    const child = spawn(bin, [gufoPeerScript, ...args], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    if (child.pid !== undefined) reaperTrack.pid(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const what = `gufo_peer ${args[0] ?? ''}`.trim();
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${what}: cannot run ${bin}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) reaperTrack.unpid(child.pid);
      const stderr = Buffer.concat(err).toString().trim();
      if (timedOut) {
        reject(new Error(`${what}: timed out after ${timeoutMs} ms, killed\n${stderr}`.trim()));
      } else if (code !== 0) {
        reject(new Error(`${what}: exit ${code ?? signal}\n${stderr || '(no stderr)'}`.trim()));
      } else {
        resolve(Buffer.concat(out).toString());
      }
    });
  });
}

if (process.argv[1]?.endsWith('gufo-peer.js')) {
  try {
    console.log(gufoPython());
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
