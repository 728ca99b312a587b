/** Runs one benchmark command in a client's peer process and parses its JSON line. */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { runGoPeer } from '../scripts/testbed/go-peer.js';
import { runGufoPeer } from '../scripts/testbed/gufo-peer.js';
import { projectRoot } from '../scripts/testbed/paths.js';
import type { Result } from './peers/rx/measure.js';

export type ClientName = 'rx' | 'go' | 'gufo';
/** A peer of the A/B runner: a client, or `floor` (bare node:http2, see peers/floor). */
export type PeerName = ClientName | 'floor';
export const CLIENTS: readonly ClientName[] = ['rx', 'go', 'gufo'];

/** The rx peer of this checkout (or of another one's build: see bench/ab.ts). */
export const RX_PEER = '.build/bench/peers/rx/rx-peer.js';
/** Bare node:http2 writing and reading the same bytes: the floor under rx. */
export const FLOOR_PEER = '.build/bench/peers/floor/floor-peer.js';

/** `argv` as is, or under `taskset -c cpus` (the pinned mode). */
export function pinned(argv: string[], cpus: string | undefined): [string, string[]] {
  const [cmd, ...rest] = cpus ? ['taskset', '-c', cpus, ...argv] : argv;
  return [cmd as string, rest];
}

export function runRxPeer(
  args: string[],
  root = projectRoot,
  cpus?: string,
  peer = RX_PEER,
): Promise<string> {
  const script = join(root, peer);
  const [cmd, argv] = pinned([process.execPath, script, ...args], cpus);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`rx peer ${args[0]} exited ${code}: ${Buffer.concat(err).toString()}`));
    });
  });
}

/**
 * `command` (bench-pub, bench-sync, bench-sub, bench-mem; Gufo's bulk
 * command is bench-bulk) with its flags, for one client; `rxRoot` runs the
 * rx peer built in another checkout; `cpus` pins the peer (`taskset -c`).
 */
export async function runPeer(
  client: PeerName,
  command: string,
  flags: Record<string, string | number>,
  rxRoot?: string,
  cpus?: string,
): Promise<Result> {
  const args = Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]);
  let out: string;
  if (client === 'rx') out = await runRxPeer([command, ...args], rxRoot, cpus);
  else if (client === 'floor')
    out = await runRxPeer([command, ...args], projectRoot, cpus, FLOOR_PEER);
  else if (client === 'go') out = await runGoPeer([command, ...args], cpus ? { cpus } : {});
  else {
    const gufoCommand = command === 'bench-pub' ? 'bench-bulk' : command;
    out = await runGufoPeer([gufoCommand, ...args], { timeoutMs: 900_000 });
  }
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Result;
}

/**
 * The pinned mode's cores: the server on `server`, each client on `client`
 * (as on machines of their own). Throws when taskset (util-linux) is
 * missing or the machine has one core.
 */
export function pinnedCores(): { server: string; client: string } {
  const probe = spawnSync('taskset', ['-c', '0', 'true']);
  if (probe.error || probe.status !== 0) throw new Error('pinned mode needs taskset (util-linux)');
  if (availableParallelism() < 2) throw new Error('pinned mode needs two cores');
  return { server: '1', client: '0' };
}
