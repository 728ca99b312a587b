/**
 * `npm run bench -- ab`: an A/B of bulk publishing (bench-pub), or with
 * `--workload sub` of a catch-up read (bench-sub of one stream filled
 * once by the Go peer), on one node,
 * the peers taking turns round by round, so the machine's drift between
 * minutes hits each alike. Peers: `go`, `rx` (this checkout) and, with
 * `--base DIR`, `base` (the rx peer built in another checkout, e.g. a
 * `git worktree` of the commit before a change, after `npm run build &&
 * npm run compile` there). Prints each run and the medians, with the
 * server's CPU per 100K messages read from /proc.
 *
 *   npm run bench -- ab --rounds 3 --count 100000 --size 256 --inflight 256
 *   npm run bench -- ab --peers go,base,rx --base ../before
 *   npm run bench -- ab --workload sub --count 500000 --base ../before
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lastValueFrom } from 'rxjs';
import { LiftbridgeClient } from '../lib/index.js';
import { startServer } from '../scripts/testbed/server.js';
import { runPeer } from './peers.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'ab'),
  options: {
    rounds: { type: 'string', default: '3' },
    count: { type: 'string', default: '100000' },
    size: { type: 'string', default: '256' },
    inflight: { type: 'string', default: '256' },
    workload: { type: 'string', default: 'pub' },
    peers: { type: 'string' },
    base: { type: 'string' },
  },
});
const count = Number(values.count);
const workload = values.workload === 'sub' ? 'sub' : 'pub';
const base = values.base === undefined ? undefined : resolve(values.base);
const peers = (values.peers ?? (base ? 'go,base,rx' : 'go,rx')).split(',');
if (peers.includes('base') && !base) throw new Error('--base DIR is needed for the base peer');

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const server = await startServer();
const admin = new LiftbridgeClient(server.brokers);
const pid = server.node?.pid;
const rows = new Map<string, { msgs: number; cpu: number; server: number }[]>();
const pubFlags = (stream: string) => ({
  brokers: server.brokers.join(','),
  stream,
  count,
  size: Number(values.size),
  inflight: Number(values.inflight),
  warmup: Math.min(5_000, Math.round(count / 10)),
});
// The catch-up read: one stream of `count` messages, read by every peer in turn.
const filled = workload === 'sub' ? `ab-sub-${Date.now()}` : '';
try {
  if (filled) {
    await lastValueFrom(admin.createStream(filled, { waitForStream: true }));
    await runPeer('go', 'bench-pub', { ...pubFlags(filled), warmup: 0 });
  }
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const peer of peers) {
      const stream = filled || `ab-${peer}-${round}-${Date.now()}`;
      if (!filled) await lastValueFrom(admin.createStream(stream, { waitForStream: true }));
      const before = pid ? cpuSeconds(pid) : 0;
      const r = await runPeer(
        peer === 'go' ? 'go' : 'rx',
        filled ? 'bench-sub' : 'bench-pub',
        filled ? { brokers: server.brokers.join(','), stream, count } : pubFlags(stream),
        peer === 'base' ? base : undefined,
      );
      const row = {
        msgs: r.msgsPerSec,
        cpu: (r.cpuSeconds * 100_000) / count,
        server: pid ? ((cpuSeconds(pid) - before) * 100_000) / count : NaN,
      };
      rows.set(peer, [...(rows.get(peer) ?? []), row]);
      console.log(
        `round ${round} ${peer}: ${row.msgs} msgs/s, client CPU ${row.cpu.toFixed(2)} s/100K, server CPU ${row.server.toFixed(2)} s/100K (incl. warm-up)`,
      );
      if (!filled) await lastValueFrom(admin.deleteStream(stream), { defaultValue: undefined });
    }
  }
} finally {
  await admin.close();
  await server.stop();
}
console.log('\n| peer | msgs/s | client CPU s/100K | server CPU s/100K |\n|---|---|---|---|');
for (const [peer, rs] of rows) {
  const m = (k: 'msgs' | 'cpu' | 'server') => median(rs.map((x) => x[k]));
  console.log(`| ${peer} | ${m('msgs')} | ${m('cpu').toFixed(2)} | ${m('server').toFixed(2)} |`);
}
