/** Runs the built `liftbridge-rx` (dist/esm/cli/main.js) as a child process, for the CLI specs. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../scripts/testbed/paths.js';

/** The executable the package's `bin` names. */
export const CLI = join(projectRoot, 'dist', 'esm', 'cli', 'main.js');

/** What a run printed and how it ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link startCli}. */
export interface CliOptions {
  /** Written to stdin, which is then closed (default: stdin closed at once). */
  input?: string | Buffer;
  /** Leave stdin open for the caller to write. */
  keepStdin?: boolean;
  /** LIFTBRIDGE_BROKERS for the run (unset when undefined). */
  brokers?: readonly string[];
  env?: Record<string, string>;
}

/** A running CLI: the child, and its result once it exits. */
export interface RunningCli {
  child: ChildProcess;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  result: Promise<CliResult>;
}

const running = new Set<ChildProcess>();

/** Kills runs still going (a failed spec must not leave a `tail` following forever). */
export function killStrays(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Starts `liftbridge-rx ...args`. */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env['LIFTBRIDGE_BROKERS'];
  if (options.brokers) env['LIFTBRIDGE_BROKERS'] = options.brokers.join(',');
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: projectRoot,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin?.on('error', () => undefined);
  if (options.input !== undefined) child.stdin?.end(options.input);
  else if (!options.keepStdin) child.stdin?.end();
  running.add(child);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, result };
}

/** Runs `liftbridge-rx ...args` to the end. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/**
 * Runs a bash script to the end, asynchronously (spawnSync would block this
 * process, and with it the test server's log pipes). After `timeoutMs` the
 * script and everything it started are killed (what they printed is kept).
 */
export function bash(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd = projectRoot,
  timeoutMs = 120_000,
): Promise<CliResult> {
  const child = spawn('bash', ['-c', script], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, timeoutMs);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export { until } from '../helpers/until.js';
